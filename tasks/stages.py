"""Prefect tasks: each wraps one pure stage of econ_news and applies it to a batch of documents.

Tasks add what orchestration is for — retries on I/O, logging, names in the UI — and nothing else: the
logic lives in econ_news and is tested without Prefect. Inputs are batches, never single sentences,
because every task run costs Prefect bookkeeping (~10 ms here).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from econ_news import pipeline
from econ_news.curate import BatchReport, check_tables, stage_batch
from econ_news.fetch import RawFileRef, scan_raw_files
from econ_news.quality import ExpectationOutcome, Validator
from econ_news.records import Article, Metric, NormalizedDocument, Project, RawDocument, Reject
from econ_news.store import StagedRun

REPO_ROOT = Path(__file__).resolve().parents[1]
EXPECTATIONS_DIR = Path(os.environ.get("ECON_NEWS_EXPECTATIONS_DIR", REPO_ROOT / "expectations"))


@cache
def shared_validator(expectations_dir: Path = EXPECTATIONS_DIR) -> Validator:
    """One GX context per worker process: building it is the slow part, validating is fast."""
    return Validator(expectations_dir)


@dataclass
class Carried:
    """What one stage hands the next: its items, plus every reject of the batch so far."""

    items: list
    rejects: list[Reject] = field(default_factory=list)


@dataclass
class Extracted:
    articles: list[Article]
    projects: list[Project]
    metrics: list[Metric]
    rejects: list[Reject]


# Large batches pass through memory between tasks; hashing them for Prefect's cache keys would cost more
# than the work, so tasks opt out of caching (reruns are cheap and idempotent instead).
@task(name="fetch-manifest", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def scan_sources(raw_dir: str, max_file_bytes: int) -> tuple[list[RawFileRef], list[Reject]]:
    refs, rejects = scan_raw_files(raw_dir, max_file_bytes)
    get_run_logger().info("fetch manifest: %d files to read, %d rejected while scanning", len(refs), len(rejects))
    return refs, rejects


@task(name="fetch", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def fetch(refs: list[RawFileRef], max_file_bytes: int) -> Carried:
    docs, rejects = pipeline.fetch_batch(refs, max_file_bytes)
    return Carried(docs, rejects)


@task(name="normalize", cache_policy=NO_CACHE)
def normalize(fetched: Carried, max_file_bytes: int) -> Carried:
    docs: list[RawDocument] = fetched.items
    normalized, rejects = pipeline.normalize_batch(docs, max_file_bytes)
    return Carried(normalized, fetched.rejects + rejects)


@task(name="segment", cache_policy=NO_CACHE)
def segment(normalized: Carried) -> Carried:
    docs: list[NormalizedDocument] = normalized.items
    articles, rejects = pipeline.segment_batch(docs)
    return Carried(articles, normalized.rejects + rejects)


@task(name="extract", cache_policy=NO_CACHE)
def extract(segmented: Carried) -> Extracted:
    projects, metrics, rejects = pipeline.extract_batch(segmented.items)
    return Extracted(segmented.items, projects, metrics, segmented.rejects + rejects)


@task(name="validate-and-stage", retries=1, cache_policy=NO_CACHE)
def validate_and_stage(extracted: Extracted, curated_dir: str, run_id: str, part: str, today: date) -> BatchReport:
    result = pipeline.BatchResult(extracted.articles, extracted.projects, extracted.metrics, extracted.rejects)
    report = stage_batch(result, StagedRun(Path(curated_dir), run_id), shared_validator(), part, run_id, today)
    logger = get_run_logger()
    logger.info("batch %s: staged %s; quarantined %s; rejects %s", part, dict(report.written),
                dict(report.quarantined), dict(report.rejects))
    return report


@task(name="stage-rejects", cache_policy=NO_CACHE)
def stage_rejects(rejects: list[Reject], curated_dir: str, run_id: str, part: str, today: date) -> BatchReport:
    result = pipeline.BatchResult(rejects=rejects)
    return stage_batch(result, StagedRun(Path(curated_dir), run_id), shared_validator(), part, run_id, today)


@task(name="check-and-publish", cache_policy=NO_CACHE)
def check_and_publish(curated_dir: str, run_id: str, raw_files_seen: int) -> list[ExpectationOutcome]:
    """Table-level expectations, then the atomic swap. On failure nothing is published."""
    staged = StagedRun(Path(curated_dir), run_id)
    try:
        outcomes = check_tables(staged, shared_validator(), raw_files_seen)
    except Exception:
        staged.discard()
        raise
    staged.publish()
    get_run_logger().info("published run %s to %s", run_id, curated_dir)
    return outcomes
