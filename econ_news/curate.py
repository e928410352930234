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


def stage_batch(result: BatchResult, staged: StagedRun, validator: Validator, part: str, run_id: str,
                today: date) -> BatchReport:
    """Validate one batch's rows and write the clean ones and the quarantined ones as part files.

    report.seconds has the batch's stage times: result.seconds (fetch ... extract) plus validate and write.
    """
    report = BatchReport(seconds=Counter(result.seconds))
    with timed(report.seconds, "validate"):
        metrics = to_table(result.metrics, SCHEMAS["metrics"], run_id=run_id).to_pandas()
        frames = {
            "articles": to_table(result.articles, SCHEMAS["articles"], run_id=run_id).to_pandas(),
            "projects": add_project_plausibility_column(
                to_table(result.projects, SCHEMAS["projects"], run_id=run_id).to_pandas(), metrics),
            "metrics": add_plausibility_column(metrics),
        }
    quarantine_frames = []
    parameters = {"today": today}
    for name in ("articles", "projects", "metrics"):  # articles first: their clean ids gate the others
        with timed(report.seconds, "validate"):
            checked = validator.validate_rows(name, frames[name], parameters, KEYS[name], run_id)
            if name == "articles":
                parameters["article_ids"] = checked.clean["article_id"].tolist()
            clean = checked.clean.drop(columns=[PLAUSIBILITY_COLUMN], errors="ignore")
        with timed(report.seconds, "write"):
            staged.write_part(name, part, pa.Table.from_pandas(clean, schema=SCHEMAS[name], preserve_index=False))
        report.written[name] += len(clean)
        report.quarantined[name] += checked.quarantine["row_key"].nunique() if len(checked.quarantine) else 0
        report.outcomes += checked.outcomes
        quarantine_frames.append(checked.quarantine)
    with timed(report.seconds, "write"):
        quarantine = pd.concat([q for q in quarantine_frames if len(q)], ignore_index=True) \
            if any(len(q) for q in quarantine_frames) else None
        if quarantine is not None:
            staged.write_part("quarantine", part,
                              pa.Table.from_pandas(quarantine, schema=SCHEMAS["quarantine"], preserve_index=False))
        staged.write_part("rejects", part, to_table(result.rejects, SCHEMAS["rejects"], run_id=run_id))
    report.rejects.update(r.reason for r in result.rejects)
    return report


def table_level_frames(staged: StagedRun, raw_files_seen: int) -> dict[str, tuple[pd.DataFrame, dict]]:
    """Per table, the frame and parameters the table-level expectations judge.

    The frame carries the staged table's real column list (for the schema-drift check) but only the key's
    values: table-level checks never need the text columns, which can be gigabytes.
    """
    staged.ensure_schema_files(SCHEMAS)
    frames = {}
    for name, key in KEYS.items():
        schema = staged.schema(name)
        keys = staged.read(name, columns=[key]).to_pandas()
        frame = pd.DataFrame({col: keys[key] if col == key else pd.Series([None] * len(keys), dtype="object")
                              for col in schema.names})
        frames[name] = (frame, {"columns": SCHEMAS[name].names, "min_articles": 1 if raw_files_seen else 0})
    return frames


def check_tables(staged: StagedRun, validator: Validator, raw_files_seen: int) -> list[ExpectationOutcome]:
    """Table-level expectations on the staged tables; raises TableValidationError when any fails."""
    outcomes = []
    for name, (frame, parameters) in table_level_frames(staged, raw_files_seen).items():
        outcomes += validator.validate_table(name, frame, parameters)
    failures = [o for o in outcomes if not o.success]
    if failures:
        raise TableValidationError(failures)
    return outcomes


# Data Docs show every quarantined row and this many clean rows per table: enough to read the suite's
# verdicts, small enough that a backfill of a million rows still renders in seconds.
REPORT_SAMPLE_ROWS = 2000


def write_report(staged: StagedRun, validator: Validator, site_dir: Path, raw_files_seen: int, today: date) -> Path:
    """GX Data Docs of this run: each table's row suite on its quarantined rows plus a sample of clean rows,
    and its table-level suite. Returns the site's index.html."""
    quarantine = staged.read("quarantine").to_pandas() if (staged.dir / "quarantine").exists() else \
        pd.DataFrame(columns=SCHEMAS["quarantine"].names)
    article_ids = staged.read("articles", columns=["article_id"]).column("article_id").to_pylist()
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
        frames[(name, "row")] = (row_frame, {"today": today, "article_ids": article_ids})
        frames[(name, "table")] = (frame, parameters)
    return validator.render_data_docs(site_dir, frames)


def _head(staged: StagedRun, name: str, rows: int) -> pa.Table:
    import pyarrow.dataset as pads

    return pads.dataset(str(staged.dir / name), format="parquet", partitioning="hive").head(rows)
