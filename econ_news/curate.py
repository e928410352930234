"""From extracted records to staged, validated Parquet parts, and the table-level gate before publishing.

Pure Python (pandas, pyarrow, GX through econ_news.quality); the Prefect tasks call these functions.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from econ_news.pipeline import BatchResult, timed
from econ_news.quality import (PLAUSIBILITY_COLUMN, ExpectationOutcome, TableValidationError, Validator,
                               add_plausibility_column, add_project_plausibility_column,
                               rows_from_quarantine)
from econ_news.records import SCHEMAS, TABLE_KEYS, to_table
from econ_news.store import StagedRun

KEYS = TABLE_KEYS


@dataclass
class BatchReport:
    written: Counter = field(default_factory=Counter)  # rows staged per table
    quarantined: Counter = field(default_factory=Counter)  # rows moved to quarantine per table
    rejects: Counter = field(default_factory=Counter)  # rejects per reason
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    seconds: Counter = field(default_factory=Counter)  # CPU seconds per stage (fetch ... validate, write)


@dataclass
class ValidatedBatch:
    """One batch's rows after the suites: the clean rows per table, the quarantined ones, the verdicts."""

    clean: dict[str, pd.DataFrame]
    quarantine: pd.DataFrame | None
    report: BatchReport


def stage_batch(result: BatchResult, staged: StagedRun, validator: Validator, part: str, run_id: str,
                today: date) -> BatchReport:
    """Validate one batch's rows and write the clean ones and the quarantined ones as part files.

    report.seconds has the batch's stage times: result.seconds (fetch ... extract) plus validate and write.
    """
    return write_batch(validate_batch(result, validator, run_id, today), result, staged, part, run_id)


def validate_batch(result: BatchResult, validator: Validator, run_id: str, today: date) -> ValidatedBatch:
    """The row-level suites on one batch's articles, projects and metrics; report.seconds gains validate."""
    report = BatchReport(seconds=Counter(result.seconds))
    clean_frames: dict[str, pd.DataFrame] = {}
    quarantine_frames = []
    with timed(report.seconds, "validate"):
        metrics = to_table(result.metrics, SCHEMAS["metrics"], run_id=run_id).to_pandas()
        frames = {
            "articles": to_table(result.articles, SCHEMAS["articles"], run_id=run_id).to_pandas(),
            "projects": add_project_plausibility_column(
                to_table(result.projects, SCHEMAS["projects"], run_id=run_id).to_pandas(), metrics),
            "metrics": add_plausibility_column(metrics),
        }
        parameters = {"today": today}
        for name in ("articles", "projects", "metrics"):  # articles first: their clean ids gate the others
            checked = validator.validate_rows(name, frames[name], parameters, KEYS[name], run_id)
            if name == "articles":
                parameters["article_ids"] = checked.clean["article_id"].tolist()
            clean_frames[name] = checked.clean.drop(columns=[PLAUSIBILITY_COLUMN], errors="ignore")
            report.quarantined[name] += checked.quarantine["row_key"].nunique() if len(checked.quarantine) else 0
            report.outcomes += checked.outcomes
            quarantine_frames.append(checked.quarantine)
        quarantine = pd.concat([q for q in quarantine_frames if len(q)], ignore_index=True) \
            if any(len(q) for q in quarantine_frames) else None
    return ValidatedBatch(clean_frames, quarantine, report)


def write_batch(validated: ValidatedBatch, result: BatchResult, staged: StagedRun, part: str, run_id: str
                ) -> BatchReport:
    """The clean rows, the quarantined rows and the batch's rejects as part files; report.seconds gains write."""
    report = validated.report
    with timed(report.seconds, "write"):
        for name, clean in validated.clean.items():
            staged.write_part(name, part, pa.Table.from_pandas(clean, schema=SCHEMAS[name], preserve_index=False))
            report.written[name] += len(clean)
        if validated.quarantine is not None:
            staged.write_part("quarantine", part, pa.Table.from_pandas(validated.quarantine,
                                                                       schema=SCHEMAS["quarantine"],
                                                                       preserve_index=False))
        staged.write_part("rejects", part, to_table(result.rejects, SCHEMAS["rejects"], run_id=run_id))
    report.rejects.update(r.reason for r in result.rejects)
    return report


def table_level_frames(staged: StagedRun, raw_files_seen: int) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Per table, the frame and parameters the table-level expectations judge.

    The table-level suites ask three things: are the keys unique, are the columns the contract's, is there
    at least one article. A frame of every staged row would make GX's memory grow with the run (about
    300 bytes a row for the uniqueness check alone: gigabytes on a large backfill), so the frame holds what
    can decide those answers, whatever the run's size:
    - every row whose key is staged more than once (found in Arrow, on the key column alone), so the
      uniqueness verdict and its unexpected values are the whole run's;
    - the first TABLE_CHECK_SAMPLE_ROWS other keys: the frame has a row whenever the table has one, so
      "at least min_articles rows" is judged as on the whole table for any min_articles up to that number;
    - the staged table's real column list (for the schema-drift check), with the non-key columns empty.
    """
    staged.ensure_schema_files(SCHEMAS)
    frames = {}
    for name, key in KEYS.items():
        schema = staged.schema(name)
        min_articles = 1 if raw_files_seen else 0
        keys = _keys_deciding_table_checks(staged.read(name, columns=[key]).column(key),
                                           max(TABLE_CHECK_SAMPLE_ROWS, min_articles))
        frame = pd.DataFrame({col: keys if col == key else pd.Series([None] * len(keys), dtype="object")
                              for col in schema.names})
        frames[name] = (frame, {"columns": SCHEMAS[name].names, "min_articles": min_articles})
    return frames


# Keys besides the duplicated ones that the table-level frame keeps (see table_level_frames).
TABLE_CHECK_SAMPLE_ROWS = 1000


def _keys_deciding_table_checks(keys: pa.ChunkedArray, sample: int) -> pd.Series:
    """Every occurrence of a key that occurs more than once, then up to `sample` keys that occur once."""
    counts = pc.value_counts(keys)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    is_repeated = pc.is_in(keys, value_set=repeated)
    duplicates = keys.filter(is_repeated)
    singles = keys.filter(pc.invert(is_repeated)).slice(0, sample)
    return pd.Series(pa.chunked_array(duplicates.chunks + singles.chunks, keys.type).to_pylist(), dtype="object")


def check_tables(staged: StagedRun, validator: Validator, raw_files_seen: int) -> list[ExpectationOutcome]:
    """Table-level expectations on the staged tables; raises TableValidationError when any fails."""
    outcomes = []
    for name, (frame, parameters) in table_level_frames(staged, raw_files_seen).items():
        outcomes += validator.validate_table(name, frame, parameters)
    failures = [o for o in outcomes if not o.success]
    if failures:
        raise TableValidationError(failures)
    return outcomes


# Data Docs show this many clean rows per table and this many quarantined rows in all: enough to read the
# suite's verdicts (the quarantine table has every row), small enough that a backfill of a million rows
# renders in seconds and in bounded memory.
REPORT_SAMPLE_ROWS = 2000
REPORT_QUARANTINE_ROWS = 10000


def write_report(staged: StagedRun, validator: Validator, site_dir: Path, raw_files_seen: int, today: date) -> Path:
    """GX Data Docs of this run: each table's row suite on (up to REPORT_QUARANTINE_ROWS) quarantined rows plus
    a sample of clean rows, and its table-level suite. Returns the site's index.html."""
    quarantine = _head(staged, "quarantine", REPORT_QUARANTINE_ROWS).to_pandas() \
        if (staged.dir / "quarantine").exists() else pd.DataFrame(columns=SCHEMAS["quarantine"].names)
    frames = {}
    for name, (frame, parameters) in table_level_frames(staged, raw_files_seen).items():
        schema = SCHEMAS[name]
        sample = _head(staged, name, REPORT_SAMPLE_ROWS).select(schema.names).to_pandas()
        if name == "metrics":
            sample = add_plausibility_column(sample)
        elif name == "projects":
            sample = sample.assign(**{PLAUSIBILITY_COLUMN: True})  # judged with its batch when staged
        restored = rows_from_quarantine(quarantine, name, schema)
        parts = [f for f in (restored, sample) if len(f)]
        row_frame = pd.concat(parts, ignore_index=True) if parts else sample
        frames[(name, "row")] = (row_frame, {"today": today, "article_ids": None})
        frames[(name, "table")] = (frame, parameters)
    # The row suites check that a row's article is among the run's clean articles: the ids of the rows
    # shown are looked up in the staged articles (not every id of the run held as Python strings).
    shown = set().union(*(f["article_id"].dropna() for (_, level), (f, _) in frames.items() if level == "row"))
    staged_ids = staged.read("articles", columns=["article_id"]).column("article_id")
    article_ids = staged_ids.filter(pc.is_in(staged_ids, value_set=pa.array(sorted(shown), pa.string()))).to_pylist()
    for (name, level), (frame, parameters) in frames.items():
        if level == "row":
            parameters["article_ids"] = article_ids
    return validator.render_data_docs(site_dir, frames)


def _head(staged: StagedRun, name: str, rows: int) -> pa.Table:
    import pyarrow.dataset as pads

    return pads.dataset(str(staged.dir / name), format="parquet", partitioning="hive").head(rows)
