"""From extracted records to staged, validated Parquet parts, and the table-level gate before publishing.

Pure Python (pandas, pyarrow, GX through econ_news.quality); the Prefect tasks call these functions.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
import pyarrow as pa

from econ_news.pipeline import BatchResult
from econ_news.quality import (PLAUSIBILITY_COLUMN, ExpectationOutcome, TableValidationError, Validator,
                               add_plausibility_column)
from econ_news.records import SCHEMAS, TABLE_KEYS, to_table
from econ_news.store import StagedRun

KEYS = TABLE_KEYS


@dataclass
class BatchReport:
    written: Counter = field(default_factory=Counter)  # rows staged per table
    quarantined: Counter = field(default_factory=Counter)  # rows moved to quarantine per table
    rejects: Counter = field(default_factory=Counter)  # rejects per reason
    outcomes: list[ExpectationOutcome] = field(default_factory=list)


def stage_batch(result: BatchResult, staged: StagedRun, validator: Validator, part: str, run_id: str,
                today: date) -> BatchReport:
    """Validate one batch's rows and write the clean ones and the quarantined ones as part files."""
    report = BatchReport()
    frames = {
        "articles": to_table(result.articles, SCHEMAS["articles"], run_id=run_id).to_pandas(),
        "projects": to_table(result.projects, SCHEMAS["projects"], run_id=run_id).to_pandas(),
        "metrics": add_plausibility_column(to_table(result.metrics, SCHEMAS["metrics"], run_id=run_id).to_pandas()),
    }
    quarantine_frames = []
    parameters = {"today": today}
    for name in ("articles", "projects", "metrics"):  # articles first: their clean ids gate the others
        checked = validator.validate_rows(name, frames[name], parameters, KEYS[name], run_id)
        if name == "articles":
            parameters["article_ids"] = checked.clean["article_id"].tolist()
        clean = checked.clean.drop(columns=[PLAUSIBILITY_COLUMN], errors="ignore")
        staged.write_part(name, part, pa.Table.from_pandas(clean, schema=SCHEMAS[name], preserve_index=False))
        report.written[name] += len(clean)
        report.quarantined[name] += checked.quarantine["row_key"].nunique() if len(checked.quarantine) else 0
        report.outcomes += checked.outcomes
        quarantine_frames.append(checked.quarantine)
    quarantine = pd.concat([q for q in quarantine_frames if len(q)], ignore_index=True) \
        if any(len(q) for q in quarantine_frames) else None
    if quarantine is not None:
        staged.write_part("quarantine", part,
                          pa.Table.from_pandas(quarantine, schema=SCHEMAS["quarantine"], preserve_index=False))
    staged.write_part("rejects", part, to_table(result.rejects, SCHEMAS["rejects"], run_id=run_id))
    report.rejects.update(r.reason for r in result.rejects)
    return report


def check_tables(staged: StagedRun, validator: Validator, raw_files_seen: int) -> list[ExpectationOutcome]:
    """Table-level expectations on the staged tables; raises TableValidationError when any fails."""
    staged.ensure_schema_files(SCHEMAS)
    outcomes = []
    for name, key in KEYS.items():
        schema = staged.schema(name)
        keys = staged.read(name, columns=[key]).to_pandas()
        # The frame carries the staged table's real column list (for the schema-drift check) but only the
        # key's values: table-level checks never need the text columns, which can be gigabytes.
        frame = pd.DataFrame({col: keys[key] if col == key else pd.Series([None] * len(keys), dtype="object")
                              for col in schema.names})
        parameters = {"columns": SCHEMAS[name].names, "min_articles": 1 if raw_files_seen else 0}
        outcomes += validator.validate_table(name, frame, parameters)
    failures = [o for o in outcomes if not o.success]
    if failures:
        raise TableValidationError(failures)
    return outcomes
