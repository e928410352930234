"""Prefect tasks: each wraps pure functions of econ_news and applies them to a batch of raw files.

Tasks add what orchestration is for — retries, logging, names in the UI — and nothing else: the logic
lives in econ_news and is tested without Prefect. Inputs are batches, never single sentences, because
every task run costs Prefect bookkeeping (~10 ms here); a batch goes through all its stages inside one
task (process_batch), each stage a task run nested in it, so it never travels between processes.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from econ_news import pipeline
from econ_news.catalog import write_catalog
from econ_news.curate import (BatchReport, ValidatedBatch, check_tables, stage_batch, validate_batch, write_batch,
                              write_report)
from econ_news.fetch import LOCAL_SOURCE, RawFileRef
from econ_news.ingest import (LEDGER_SCHEMA, LEDGER_TABLE, MERGE_KEYS, PartitionWork, inputs_in_tables,
                              ledger_table, plan, read_ledger, refuse_empty_replacement, retired_rows,
                              retried_rejects, take_inventory)
from econ_news.quality import ExpectationOutcome, TableValidationError, Validator
from econ_news.records import SCHEMAS
from econ_news.store import (StagedRun, UnreadableTables, count_rows, join, open_root, recover, sweep_abandoned,
                             unreadable_files)

REPO_ROOT = Path(__file__).resolve().parents[1]
EXPECTATIONS_DIR = Path(os.environ.get("ECON_NEWS_EXPECTATIONS_DIR", REPO_ROOT / "expectations"))


_VALIDATOR_LOCK = threading.Lock()


def shared_validator(expectations_dir: Path = EXPECTATIONS_DIR) -> Validator:
    """One GX context per worker process: building it is the slow part, validating is fast. Built under a
    lock: the first batches finish together, and GX contexts built concurrently in threads race inside
    pyparsing (TypeError: SuiteParameterParser.push_first() ...)."""
    with _VALIDATOR_LOCK:
        return _validator(expectations_dir)


@cache
def _validator(expectations_dir: Path) -> Validator:
    return Validator(expectations_dir)


# Hashing a batch for Prefect's cache keys would cost more than the work, so tasks opt out of caching
# (reruns are cheap and idempotent instead).
@task(name="recover-and-check", cache_policy=NO_CACHE)
def recover_and_check(curated_dir: str) -> list[str]:
    """Finish any publish a killed run left half done (whatever this run goes on to do), then make sure
    every published file is readable: a run must not go on over a damaged table as if all were well."""
    finished = recover(curated_dir)
    if finished:
        get_run_logger().warning("rolled forward the interrupted publish of runs %s", finished)
    problems = unreadable_files(curated_dir)
    if problems:
        raise UnreadableTables(f"{len(problems)} published file(s) unreadable under {curated_dir}: "
                               f"{'; '.join(problems[:5])} (run `econ-news doctor --curated-dir {curated_dir}`)")
    return finished


@task(name="fetch-manifest", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def scan_folder_work(raw_dir: str, max_file_bytes: int, timezone: str, curated_dir: str | None = None,
                     allow_empty: bool = True) -> list[PartitionWork]:
    """Every file under raw_dir, by partition: a full run of one folder. Refuses (EmptyInputRefused) to
    plan an empty run over tables that hold rows, unless allow_empty."""
    inventory = take_inventory([(LOCAL_SOURCE, Path(raw_dir))], None, max_file_bytes, timezone,
                               folder_sidecars=True)
    work = plan(inventory, {}, reprocess=True)
    if curated_dir is not None:
        refuse_empty_replacement(sum(w.inputs for w in work), raw_dir, curated_dir, allow_empty)
    _log_plan(work)
    return work


@task(name="plan-run", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def plan_work(folders: list[tuple[str, str]], raw_dir: str, curated_dir: str, max_file_bytes: int,
              timezone: str, reprocess: bool, dates: tuple[date, date] | None, sources: list[str] | None
              ) -> list[PartitionWork]:
    """The inputs on disk against the ledger of the published tables: what this run processes, by partition."""
    inventory = take_inventory([(name, Path(path)) for name, path in folders], Path(raw_dir), max_file_bytes,
                               timezone)
    work = plan(inventory, read_ledger(curated_dir), reprocess=reprocess, dates=dates,
                sources=set(sources) if sources is not None else None,
                held=None if reprocess else inputs_in_tables(curated_dir), retried=retried_rejects(curated_dir))
    _log_plan(work)
    return work


def _log_plan(work: list[PartitionWork]) -> None:
    get_run_logger().info("plan: %d inputs to process in %d partitions %s", sum(w.inputs for w in work),
                          len(work), [w.path for w in work][:20])
    retired = sum(len(w.retired) for w in work)
    if retired:
        get_run_logger().info("plan: %d older versions of a source URI retired from the tables", retired)


@task(name="process-batch", retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def process_batch(refs: list[RawFileRef], max_file_bytes: int, curated_dir: str, run_id: str, partition: str,
                  part: str, today: date) -> BatchReport:
    """One batch of raw files through every stage: fetch, normalize, segment, extract, validate, write.

    Each stage is a task run of its own, nested under this one, so the run's page draws the stages of every
    batch and which one failed. They are called, not submitted: they run here, in the worker that runs the
    batch (a process or a Dask worker ships only file references in and counts out, never the texts and
    rows between stages), and their inputs are quoted so Prefect does not walk every record looking for
    futures. The report's seconds say where the time went, stage by stage; the run adds them up.
    """
    batch = BatchInFlight(refs, max_file_bytes)
    fetch_stage(quote(batch))
    normalize_stage(quote(batch))
    segment_stage(quote(batch))
    extract_stage(quote(batch))
    validate_stage(quote(batch), run_id, today)
    report = write_stage(quote(batch), curated_dir, run_id, partition, part)
    get_run_logger().info("batch %s/%s: %d files; staged %s; quarantined %s; rejects %s; seconds %s", partition,
                          part, len(refs), dict(report.written), dict(report.quarantined), dict(report.rejects),
                          {stage: round(s, 2) for stage, s in report.seconds.items()})
    return report


@dataclass
class BatchInFlight:
    """What one batch's stages hand each other, in the worker that runs the batch. Each stage task reads
    its input here and leaves its output, rejects and CPU seconds here; it returns only a count, so
    Prefect never walks the records."""

    refs: list[RawFileRef]
    max_file_bytes: int
    result: pipeline.BatchResult = field(default_factory=pipeline.BatchResult)
    docs: list = field(default_factory=list)  # fetched
    normalized: list = field(default_factory=list)
    validated: ValidatedBatch | None = None


@task(name="fetch", cache_policy=NO_CACHE)
def fetch_stage(batch: BatchInFlight) -> int:
    with pipeline.timed(batch.result.seconds, "fetch"):
        batch.docs, rejects = pipeline.fetch_batch(batch.refs, batch.max_file_bytes)
    batch.result.rejects += rejects
    return len(batch.docs)


@task(name="normalize", cache_policy=NO_CACHE)
def normalize_stage(batch: BatchInFlight) -> int:
    with pipeline.timed(batch.result.seconds, "normalize"):
        batch.normalized, rejects = pipeline.normalize_batch(batch.docs, batch.max_file_bytes)
    batch.result.rejects += rejects
    batch.docs = []  # the raw bytes are not needed any more
    return len(batch.normalized)


@task(name="segment", cache_policy=NO_CACHE)
def segment_stage(batch: BatchInFlight) -> int:
    with pipeline.timed(batch.result.seconds, "segment"):
        batch.result.articles, rejects = pipeline.segment_batch(batch.normalized)
    batch.result.rejects += rejects
    batch.normalized = []
    return len(batch.result.articles)


@task(name="extract", cache_policy=NO_CACHE)
def extract_stage(batch: BatchInFlight) -> int:
    result = batch.result
    with pipeline.timed(result.seconds, "extract"):
        result.projects, result.metrics, rejects = pipeline.extract_batch(result.articles)
    result.rejects += rejects
    return len(result.projects) + len(result.metrics)


@task(name="validate", cache_policy=NO_CACHE)
def validate_stage(batch: BatchInFlight, run_id: str, today: date) -> int:
    batch.validated = validate_batch(batch.result, shared_validator(), run_id, today)
    return sum(batch.validated.report.quarantined.values())


@task(name="write", cache_policy=NO_CACHE)
def write_stage(batch: BatchInFlight, curated_dir: str, run_id: str, partition: str, part: str) -> BatchReport:
    staged = StagedRun(curated_dir, run_id, partition)
    report = write_batch(batch.validated, batch.result, staged, part, run_id)
    # The ledger lists the inputs whose bytes were read: one whose read failed (an EIO, a share gone for
    # a moment, bytes changed since the scan) is recorded as a reject and read again by the next run.
    unread = {r.sha256 for r in batch.result.rejects if r.stage == "fetch"}
    staged.write_part(LEDGER_TABLE, f"ledger-{part}",
                      ledger_table({ref.sha256: ref.uri for ref in batch.refs if ref.sha256 not in unread}, run_id))
    return report


@task(name="stage-rejects-and-ledger", cache_policy=NO_CACHE)
def stage_rejects_and_ledger(work: PartitionWork, curated_dir: str, run_id: str, today: date) -> BatchReport:
    """The partition's scan-time rejects, and their ledger rows (each batch adds those of the inputs it read)."""
    staged = StagedRun(curated_dir, run_id, work.path)
    report = stage_batch(pipeline.BatchResult(rejects=work.rejects), staged, shared_validator(), "scan", run_id,
                         today)
    to_read = {ref.sha256 for ref in work.refs}
    staged.write_part(LEDGER_TABLE, "ledger",
                      ledger_table({sha: uri for sha, uri in work.ledger.items() if sha not in to_read}, run_id))
    return report


# How check_and_publish swaps the run in (see econ_news/store.py).
PUBLISH_MODES = ("tables", "replace", "merge")
# A run's staging folder untouched this long belongs to a run that was killed (no run stages for a day).
ABANDONED_STAGING_SECONDS = 24 * 3600


@task(name="check-and-publish", cache_policy=NO_CACHE)
def check_and_publish(curated_dir: str, run_id: str, raw_files_seen: int, mode: str,
                      retired: dict[str, list[str]] | None = None,
                      stale_rejects: dict[str, list[list[str]]] | None = None) -> PublishResult:
    """Table-level expectations, then the atomic swap. On failure nothing is published.

    mode "tables": every table is replaced whole (a full run); "replace": the staged partitions replace
    theirs (a backfill reprocessing its dates); "merge": the staged rows are merged into their partitions.
    retired: partition -> sha256 of raw inputs (older versions of a URI) whose rows leave that partition.
    stale_rejects: partition -> [source_uri, reason] of retried rejects this run's outcome replaces there.
    """
    if mode not in PUBLISH_MODES:
        raise ValueError(f"publish mode {mode!r} is not one of {PUBLISH_MODES}")
    staged = StagedRun(curated_dir, run_id)
    schemas = {**SCHEMAS, LEDGER_TABLE: LEDGER_SCHEMA}
    seconds: Counter = Counter()
    if mode == "merge" and count_rows(join(curated_dir, "articles")):
        # Merging cannot empty a table that has rows, so the "empty table while raw files exist" gate has
        # nothing to guard; applied to the new rows alone, one new input that yields no article (a stray
        # image, a listing page) would fail every night until an article came with it.
        raw_files_seen = 0
    try:
        for partition in staged.partitions():
            staged.in_partition(partition).ensure_schema_files(schemas)
        with pipeline.timed(seconds, "check-tables"):
            outcomes = check_tables(staged, shared_validator(), raw_files_seen)
    except Exception as exc:
        # The report shows why the gate held; then nothing of this run remains.
        report = _report(staged, curated_dir, run_id, raw_files_seen)
        if isinstance(exc, TableValidationError):
            exc.report = report
        staged.discard()
        raise
    with pipeline.timed(seconds, "report"):
        report = _report(staged, curated_dir, run_id, raw_files_seen)
        quarantined = _quarantined_rows(staged)
    with pipeline.timed(seconds, "publish"):
        if mode == "tables":
            # The ledger is replaced with the tables, even by a run with no input: it lists what they hold.
            staged.ensure_schema_files({LEDGER_TABLE: LEDGER_SCHEMA})
            swapped = staged.tables()
            staged.publish()
        else:
            retire = {partition: retired_rows(set(shas)) for partition, shas in (retired or {}).items()}
            for partition, pairs in (stale_rejects or {}).items():
                by_table = retire.setdefault(partition, {})
                stale = (("source_uri", "reason"), frozenset(tuple(pair) for pair in pairs))
                by_table["rejects"] = [by_table["rejects"], stale] if "rejects" in by_table else stale
            swapped = staged.publish_partitions(MERGE_KEYS if mode == "merge" else None, retire,
                                                unique={"articles": "article_id"})
    abandoned = sweep_abandoned(curated_dir, ABANDONED_STAGING_SECONDS)
    write_catalog(curated_dir, get_run_logger())  # projects across articles, econ_news.duckdb, _docs/; never raises
    get_run_logger().info("published run %s to %s (%s): %d folders swapped; removed the staging of dead runs %s",
                          run_id, curated_dir, mode, len(swapped), abandoned)
    return PublishResult(outcomes, report, quarantined, seconds)


# A run's markdown artifact lists at most this many quarantined rows; the quarantine table has them all.
ARTIFACT_QUARANTINE_ROWS = 50
REPORTS_DIR = "_reports"
REPORTS_KEPT = 30


@dataclass
class PublishResult:
    outcomes: list[ExpectationOutcome]
    report: str | None  # the run's validation report (index.html)
    quarantined: list[dict]  # the first quarantined rows: table, row_key, expectation, column, value, why
    seconds: Counter  # CPU seconds of check-tables, report and publish


def _report(staged: StagedRun, curated_dir: str, run_id: str, raw_files_seen: int) -> str | None:
    """Write the run's validation report, one self-contained page (locally, then put under the curated root,
    which may be a URL); a report that cannot be written is logged, never fatal. Returns its index.html."""
    curated, folder = open_root(curated_dir), f"{REPORTS_DIR}/{run_id}"
    try:
        write_report(staged, shared_validator(), curated.local_folder(folder), raw_files_seen)
        curated.publish_folder(folder)
        for old in curated.subfolders(REPORTS_DIR)[:-REPORTS_KEPT]:
            curated.remove(f"{REPORTS_DIR}/{old}")
    except Exception as exc:  # noqa: BLE001 - the tables matter more than their report
        get_run_logger().warning("validation report not written: %s: %s", type(exc).__name__, exc)
        return None
    return curated.display(f"{folder}/index.html")


def _quarantined_rows(staged: StagedRun) -> list[dict]:
    if not (staged.dir / "quarantine").exists():
        return []
    columns = ["table", "row_key", "expectation", "column", "value", "why"]
    return staged.read("quarantine", columns=columns).slice(0, ARTIFACT_QUARANTINE_ROWS).to_pylist()
