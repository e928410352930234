"""The extract stage for one article: projects and metrics read from its sentences."""
from __future__ import annotations

from econ_news.extract.doc import annotate
from econ_news.extract.metrics import extract_metrics
from econ_news.extract.projects import extract_projects
from econ_news.records import Article, Metric, Project


def extract_article(article: Article) -> tuple[list[Project], list[Metric]]:
    """All rows of one article. The article is annotated once (econ_news/extract/doc.py) and both extractors
    read the same annotations."""
    doc = annotate(article)
    return extract_projects(doc), extract_metrics(doc)
