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
                               add_plausibility_column, add_project_plausibility_column)
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


def curate_folder(raw_dir: Path, out: Path, validator: Validator, run_id: str, today: date) -> BatchReport:
    """Every stage on one folder of pages, in this process and without Prefect, then publish the tables
    under out: what the corpus scorer and the digest script run (the flows do the same in tasks)."""
    from econ_news.fetch import scan_raw_files
    from econ_news.pipeline import process_refs

    run = StagedRun(out, run_id)
    refs, rejects = scan_raw_files(raw_dir)
    result = process_refs(refs)
    result.rejects += rejects
    report = stage_batch(result, run, validator, "00000", run_id, today)
    check_tables(run, validator, len(refs))
    run.publish()
    return report


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


# The report reads this many quarantined rows for its samples (the counts are the whole run's) and lists
# this many per table: a backfill of a million rows still renders in seconds and in bounded memory.
REPORT_QUARANTINE_ROWS = 10000
REPORT_QUARANTINED_SHOWN = 100


def write_report(staged: StagedRun, validator: Validator, site_dir: Path, raw_files_seen: int) -> Path:
    """The run's validation report, one self-contained page (econ_news.report): every expectation of every
    suite with its verdict on this run, the failing-row counts and sample values, a sample of quarantined
    rows with their reasons, rejects by reason and the run's counts. Returns its index.html."""
    from datetime import datetime, timezone

    from econ_news.report import SAMPLE_VALUES, QuarantinedRow, RunReport, render, row_summary

    quarantine = _quarantine_columns(staged)
    failing = _failing_rows(quarantine)
    sample = _head(staged, "quarantine", REPORT_QUARANTINE_ROWS).to_pylist() if len(quarantine) else []
    values: dict[tuple, list[str]] = {}
    for row in sample:
        seen = values.setdefault((row["table"], row["expectation"], row["column"], row["why"] or ""), [])
        if row["value"] is not None and row["value"] not in seen and len(seen) < SAMPLE_VALUES:
            seen.append(row["value"])
    verdicts = []
    for name, suite in validator.suites.items():
        for e in suite["expectations"]:
            meta = e.get("meta") or {}
            if meta.get("level", "row") != "row":
                continue
            column = e["kwargs"].get("column") or e["kwargs"].get("column_A")
            key = (name, e["type"], column, meta.get("why", ""))
            verdicts.append(_verdict(name, "row", e, failing.get(key, 0) == 0, failing.get(key, 0), values.get(key, [])))
    for name, (frame, parameters) in table_level_frames(staged, raw_files_seen).items():
        suite = {(e["type"], e["kwargs"].get("column")): e for e in validator.suites[name]["expectations"]
                 if (e.get("meta") or {}).get("level") == "table"}
        for outcome in validator.validate_table(name, frame, parameters):
            e = suite[(outcome.expectation, outcome.column)]
            verdicts.append(_verdict(name, "table", e, outcome.success, outcome.unexpected_count,
                                     [outcome.detail] if outcome.detail else []))
    shown: Counter = Counter()
    quarantined = []
    for row in sample:
        if shown[row["table"]] < REPORT_QUARANTINED_SHOWN:
            shown[row["table"]] += 1
            quarantined.append(QuarantinedRow(row["table"], row["row_key"], row["expectation"], row["column"],
                                              row["value"], row["why"] or "", row_summary(_json(row["row_json"]))))
    rejects = _read_column(staged, "rejects", "reason")
    report = RunReport(
        run_id=staged.run_id, raw_files_seen=raw_files_seen,
        rows_written={name: _count_rows(staged, name) for name in KEYS},
        rows_quarantined={name: pc.count_distinct(quarantine.filter(pc.equal(quarantine["table"], name))["row_key"])
                          .as_py() for name in KEYS},
        rejects={r["values"]: r["counts"] for r in pc.value_counts(rejects).to_pylist()} if rejects is not None else {},
        verdicts=verdicts, quarantined=quarantined,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"))
    site_dir = Path(site_dir)
    site_dir.mkdir(parents=True, exist_ok=True)
    index = site_dir / "index.html"
    # Readers never see half a page: written beside, then renamed over.
    partial = site_dir / ".index.html.partial"
    partial.write_text(render(report), encoding="utf-8")
    partial.replace(index)
    return index


def _verdict(table: str, level: str, expectation: dict, success: bool, failing: int, samples: list[str]):
    from econ_news.report import Verdict

    kwargs = expectation["kwargs"]
    arguments = ", ".join(f"{k}={_argument(v)}" for k, v in kwargs.items() if k not in ("column", "column_A"))
    meta = expectation.get("meta") or {}
    return Verdict(table, level, expectation["type"], kwargs.get("column") or kwargs.get("column_A"), arguments,
                   meta.get("why", ""), success, failing, samples)


def _argument(value) -> str:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return f"<this run's {value['$PARAMETER']}>"
    if isinstance(value, list) and len(value) > 12:
        return repr(value[:12])[:-1] + f", … {len(value)} in all]"
    return repr(value)


def _json(text: str | None) -> dict:
    import json

    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _quarantine_columns(staged: StagedRun) -> pa.Table:
    if not (staged.dir / "quarantine").exists():
        return pa.table({c: pa.array([], pa.string()) for c in ("table", "row_key", "expectation", "column", "why")})
    return staged.read("quarantine", columns=["table", "row_key", "expectation", "column", "why"])


def _failing_rows(quarantine: pa.Table) -> dict[tuple, int]:
    """Distinct rows quarantined per (table, expectation, column, why): the key a suite's expectation has."""
    if not len(quarantine):
        return {}
    why = pc.fill_null(quarantine["why"], "")
    grouped = quarantine.set_column(quarantine.schema.get_field_index("why"), "why", why) \
        .group_by(["table", "expectation", "column", "why"]).aggregate([("row_key", "count_distinct")])
    return {(r["table"], r["expectation"], r["column"], r["why"]): r["row_key_count_distinct"]
            for r in grouped.to_pylist()}


def _read_column(staged: StagedRun, name: str, column: str) -> pa.ChunkedArray | None:
    return staged.read(name, columns=[column]).column(column) if (staged.dir / name).exists() else None


def _count_rows(staged: StagedRun, name: str) -> int:
    import pyarrow.dataset as pads

    folder = staged.dir / name
    return pads.dataset(str(folder), format="parquet", partitioning="hive").count_rows() if folder.exists() else 0


def _head(staged: StagedRun, name: str, rows: int) -> pa.Table:
    import pyarrow.dataset as pads

    return pads.dataset(str(staged.dir / name), format="parquet", partitioning="hive").head(rows)
