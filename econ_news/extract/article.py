"""The extract stage for one article: projects and metrics read from its sentences."""
from __future__ import annotations

from econ_news.extract.entities import EntityContext
from econ_news.extract.metrics import extract_metrics
from econ_news.extract.projects import extract_projects
from econ_news.records import Article, Metric, Project


def extract_article(article: Article) -> tuple[list[Project], list[Metric]]:
    """All rows of one article. The entity context is built once and shared by both extractors."""
    context = EntityContext(article.title, article.text)
    return extract_projects(article, context), extract_metrics(article, context)
