"""The pipeline's stages as pure functions over batches: what each Prefect task applies, and what the
benchmark calls directly to measure orchestration overhead.

Data walks one way: manifest entries -> bytes -> normalized documents -> articles -> projects and
metrics. Every input either goes on to the next stage or leaves a Reject saying where and why.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from econ_news.extract.article import ArticleRows, extract_article
from econ_news.extract.budget import EXTRACT_SECONDS_PER_ARTICLE, TimeBudgetExceeded, time_budget
from econ_news.fetch import DEFAULT_MAX_FILE_BYTES, RawFileRef, read_raw_file
from econ_news.normalize import normalize_document
from econ_news.records import Article, Metric, NormalizedDocument, Project, RawDocument, Reject
from econ_news.segment import segment_document

# A page that splits into more pieces than this is a listing or an archive dump, not news.
DEFAULT_MAX_ARTICLES_PER_FILE = 50


@dataclass
class BatchResult:
    articles: list[Article] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    seconds: Counter = field(default_factory=Counter)  # CPU seconds per stage, for the run's profile


def fetch_batch(refs: list[RawFileRef], max_bytes: int = DEFAULT_MAX_FILE_BYTES
                ) -> tuple[list[RawDocument], list[Reject]]:
    docs, rejects = [], []
    for ref in refs:
        got = read_raw_file(ref, max_bytes)
        (rejects if isinstance(got, Reject) else docs).append(got)
    return docs, rejects


def normalize_batch(docs: list[RawDocument], max_bytes: int = DEFAULT_MAX_FILE_BYTES
                    ) -> tuple[list[NormalizedDocument], list[Reject]]:
    normalized, rejects = [], []
    for doc in docs:
        got = _guarded(doc, "normalize", lambda: normalize_document(doc, max_bytes=max_bytes))
        (rejects if isinstance(got, Reject) else normalized).append(got)
    return normalized, rejects


def segment_batch(docs: list[NormalizedDocument], max_articles: int = DEFAULT_MAX_ARTICLES_PER_FILE
                  ) -> tuple[list[Article], list[Reject]]:
    articles, rejects = [], []
    for doc in docs:
        got = _guarded(doc, "segment", lambda: segment_document(doc))
        if isinstance(got, Reject):
            rejects.append(got)
        elif not got:
            rejects.append(Reject(doc.source_uri, doc.sha256, "segment", "no_article",
                                  "no title or body text was found after cleaning"))
        elif len(got) > max_articles:
            rejects.append(Reject(doc.source_uri, doc.sha256, "segment", "too_many_articles",
                                  f"{len(got)} articles > limit {max_articles}; kept the first {max_articles}"))
            articles.extend(got[:max_articles])
        else:
            articles.extend(got)
    return articles, rejects


def extract_batch(articles: list[Article], budget_seconds: float = EXTRACT_SECONDS_PER_ARTICLE
                  ) -> tuple[list[Project], list[Metric], list[Reject]]:
    """Each article's rows; an article that takes more than budget_seconds of CPU yields none and becomes a
    `time_budget_exceeded` reject, so one odd page cannot hold its batch. A rule that raised on one sentence
    becomes a `rule_error` reject beside the article's other rows."""
    projects, metrics, rejects = [], [], []
    for article in articles:
        got = _guarded(article, "extract", lambda: _extract_within(article, budget_seconds))
        if isinstance(got, Reject):
            rejects.append(got)
            continue
        projects.extend(got.projects)
        metrics.extend(got.metrics)
        # a rule that raised on one sentence: its rows there are lost, the article's others are kept
        rejects.extend(Reject(article.source_uri, article.doc_sha256, "extract", "rule_error",
                              failure.detail(article.article_id)) for failure in got.failures)
    return projects, metrics, rejects


def _extract_within(article: Article, budget_seconds: float) -> ArticleRows | Reject:
    try:
        with time_budget(budget_seconds):
            return extract_article(article)
    except TimeBudgetExceeded as exc:
        detail = f"article {article.article_id} ({len(article.text)} characters): {exc}"
        return Reject(article.source_uri, article.doc_sha256, "extract", "time_budget_exceeded", detail)


def process_refs(refs: list[RawFileRef], max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> BatchResult:
    """All stages on one batch, without any orchestration; result.seconds has each stage's CPU time."""
    result = BatchResult()
    with timed(result.seconds, "fetch"):
        docs, rejects = fetch_batch(refs, max_bytes)
    result.rejects += rejects
    with timed(result.seconds, "normalize"):
        normalized, rejects = normalize_batch(docs, max_bytes)
    result.rejects += rejects
    with timed(result.seconds, "segment"):
        result.articles, rejects = segment_batch(normalized)
    result.rejects += rejects
    with timed(result.seconds, "extract"):
        result.projects, result.metrics, rejects = extract_batch(result.articles)
    result.rejects += rejects
    return result


@contextmanager
def timed(seconds: Counter, stage: str) -> Iterator[None]:
    """Adds the CPU time the block took in this thread to seconds[stage].

    CPU time, not wall time: batches running side by side in threads take turns on the GIL, and their wall
    times would count the same second several times; the stages here are CPU-bound (reads and writes of
    local files are a small part), so CPU time says where the time goes, whatever the runner.
    """
    started = time.thread_time()
    try:
        yield
    finally:
        seconds[stage] += time.thread_time() - started


def _guarded(item, stage: str, step):
    """Run one item's step; a bug on one odd page becomes a recorded reject, not a failed night."""
    try:
        return step()
    except Exception as exc:  # noqa: BLE001 - every failure is recorded with its type and message
        sha = getattr(item, "sha256", None) or getattr(item, "doc_sha256", "")
        detail = f"{type(exc).__name__}: {exc}"[:500]
        if isinstance(item, Article):
            detail = f"article {item.article_id}: {detail}"
        return Reject(item.source_uri, sha, stage, "internal_error", detail)
