"""The extract stage for one article: projects and metrics read from its sentences."""
from __future__ import annotations

from typing import NamedTuple

from econ_news.extract.doc import annotate
from econ_news.extract.failures import RuleFailure
from econ_news.extract.metrics import extract_metrics
from econ_news.extract.projects import extract_projects
from econ_news.records import Article, Metric, Project


class ArticleRows(NamedTuple):
    projects: list[Project]
    metrics: list[Metric]
    failures: list[RuleFailure]  # rules that raised on one sentence or candidate; their rows there are lost


def extract_article(article: Article) -> ArticleRows:
    """All rows of one article. The article is annotated once (econ_news/extract/doc.py) and both extractors
    read the same annotations. A rule that raises loses its rows for that sentence only (extract/failures.py)."""
    doc = annotate(article)
    projects = extract_projects(doc)
    metrics = extract_metrics(doc)
    return ArticleRows(projects, metrics, list(doc.failures))
