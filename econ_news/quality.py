"""Validation of the curated tables with Great Expectations suites kept as JSON in expectations/.

Two levels, named in each expectation's meta:
- "row": a failing row is moved out of its table into the quarantine dataset, with the expectation that
  failed and the offending value; the rest of the table is published.
- "table": duplicate keys, an empty table while raw files exist, schema drift. Any failure stops the run
  before publication, so the previous curated data stays as it was.

Cross-row plausibility (a GDP below the same entity's industrial value added, a growth rate stated twice
with different values) is computed here in pandas as a boolean column, and judged by an expectation on
that column like any other rule.

great_expectations takes seconds to import; it is imported when a Validator is built, never at CLI start.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

PLAUSIBILITY_COLUMN = "plausible_across_rows"
QUARANTINE_COLUMNS = ["table", "row_key", "article_id", "expectation", "column", "value", "why", "row_json", "run_id"]


class TableValidationError(RuntimeError):
    """A table-level expectation failed: nothing of this run may be published."""

    def __init__(self, failures: list["ExpectationOutcome"]):
        self.failures = failures
        self.report: str | None = None  # the run's validation report, when one was written
        super().__init__("; ".join(f"{f.table}: {f.expectation}({f.column or ''}) {f.detail}" for f in failures))

    def __reduce__(self):
        # Rebuilt from its failures (not its message) when it comes back from a worker process.
        return type(self), (self.failures,), self.__dict__


@dataclass
class ExpectationOutcome:
    table: str
    expectation: str
    column: str | None
    level: str
    success: bool
    unexpected_count: int = 0
    detail: str = ""


@dataclass
class RowValidation:
    clean: pd.DataFrame
    quarantine: pd.DataFrame
    outcomes: list[ExpectationOutcome] = field(default_factory=list)


def unit_codes() -> list[str]:
    """Every unit code the extractor can write: the codes of reference/units.json (amounts read them) and
    the fixed units of count indicators (reference/indicators.json "indicator_units")."""
    from econ_news.reference import load_json

    codes = [code for code, _factor, _kind in load_json("units.json")["units"].values()]
    codes += load_json("indicators.json")["indicator_units"].values()
    return list(dict.fromkeys(codes))


def status_codes() -> list[str]:
    from econ_news.records import STATUS_CODES

    return list(STATUS_CODES)


# A suite names a code set as {"$vocabulary": name} instead of listing it: the set is read from where the
# extractor takes its codes, so a code the extractor learns cannot be quarantined by a stale copy.
VOCABULARIES = {"units": unit_codes, "statuses": status_codes}


def load_suites(expectations_dir: Path) -> dict[str, dict]:
    suites = {}
    for path in sorted(Path(expectations_dir).glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            expectation["kwargs"] = {k: _resolve_vocabulary(path, v) for k, v in expectation["kwargs"].items()}
        suites[suite["name"]] = suite
    return suites


def _resolve_vocabulary(path: Path, value):
    if not (isinstance(value, dict) and set(value) == {"$vocabulary"}):
        return value
    name = value["$vocabulary"]
    if name not in VOCABULARIES:
        raise ValueError(f"{path}: unknown vocabulary {name!r} (known: {', '.join(sorted(VOCABULARIES))})")
    return VOCABULARIES[name]()


# Gross industrial output (总产值) of a park or city is commonly 2-5 times its GDP, which is value added;
# beyond this factor the GDP is almost surely a unit misprint (157.67万元 written for 157.67亿元).
GROSS_OUTPUT_TO_GDP_MAX = 20.0
VALUE_ADDED = ["industrial_value_added", "industrial_value_added_above_scale"]
GROSS_OUTPUT = ["industrial_output", "industrial_output_above_scale"]


def add_plausibility_column(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mark metric rows that contradict another row of the same article, entity and period.

    - a GDP below the same entity's industrial value added (a part of GDP cannot exceed the whole), or
      more than GROSS_OUTPUT_TO_GDP_MAX times below its gross industrial output: the GDP is suspect;
    - the same figure (indicator and value) stated twice with different growth rates: both rows are
      suspect (two different levels may well have two rates).
    """
    df = metrics.copy()
    df[PLAUSIBILITY_COLUMN] = True
    if df.empty:
        return df
    # Group keys as one string: nulls and mixed dtypes in key columns must not break the grouping.
    scope = _key(df, ["article_id", "entity", "period_start", "period_end"])
    is_gdp = df["indicator"] == "gdp"
    value_added = df["value"].where(df["indicator"].isin(VALUE_ADDED)).groupby(scope).transform("max")
    gross_output = df["value"].where(df["indicator"].isin(GROSS_OUTPUT)).groupby(scope).transform("max")
    bad_gdp = is_gdp & ((df["value"] < value_added) | (df["value"] * GROSS_OUTPUT_TO_GDP_MAX < gross_output))
    df.loc[bad_gdp.fillna(False).to_numpy(dtype=bool), PLAUSIBILITY_COLUMN] = False
    rated = df["yoy_pct"].notna() & df["value"].notna()
    if rated.any():
        figure = _key(df, ["article_id", "entity", "indicator", "value"])
        rates = df["yoy_pct"].where(rated).groupby(figure).transform("nunique")
        df.loc[(rated & (rates > 1)).to_numpy(dtype=bool), PLAUSIBILITY_COLUMN] = False
    return df


def add_project_plausibility_column(projects: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Mark a project whose own investment exceeds the largest group total (planned_investment) its article
    states, when the project was read as an item of a list of projects (rule "listed"): a member cannot cost
    more than its group, so one of the two figures is misread (a unit, or a digit)."""
    df = projects.copy()
    df[PLAUSIBILITY_COLUMN] = True
    if df.empty or metrics.empty:
        return df
    totals = metrics.loc[metrics["indicator"] == "planned_investment"].groupby("article_id")["value"].max()
    group_total = df["article_id"].map(totals)
    too_big = (df["rule"] == "listed") & (df["investment_cny"] > group_total)
    df.loc[too_big.fillna(False).to_numpy(dtype=bool), PLAUSIBILITY_COLUMN] = False
    return df


class Validator:
    """Runs the JSON suites through GX Core. One per process; safe to share between threads."""

    def __init__(self, expectations_dir: Path):
        import great_expectations as gx
        from great_expectations.core import ExpectationSuite
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        self._lock = threading.Lock()
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = {"globally": False, "metric_calculations": False}
        source = self.context.data_sources.add_pandas("curated")
        self.suites = load_suites(expectations_dir)
        self._gx_suites: dict[tuple[str, str], object] = {}
        self._batch_definitions = {}
        for name, suite in self.suites.items():
            for level in ("row", "table"):
                configs = [ExpectationConfiguration(type=e["type"], kwargs=_static_kwargs(name, e["kwargs"]),
                                                    meta=e.get("meta", {}))
                           for e in suite["expectations"] if e.get("meta", {}).get("level", "row") == level]
                self._gx_suites[(name, level)] = ExpectationSuite(name=f"{name}.{level}", expectations=configs)
            asset = source.add_dataframe_asset(name)
            self._batch_definitions[name] = asset.add_batch_definition_whole_dataframe(f"{name}-batch")

    def _run(self, table: str, level: str, df: pd.DataFrame, parameters: dict):
        suite = self._gx_suites[(table, level)]
        with self._lock:
            batch = self._batch_definitions[table].get_batch(batch_parameters={"dataframe": df})
            return batch.validate(suite, result_format="COMPLETE", expectation_parameters=parameters)

    def validate_rows(self, table: str, df: pd.DataFrame, parameters: dict, key: str, run_id: str
                      ) -> RowValidation:
        df = df.reset_index(drop=True)
        if df.empty:
            return RowValidation(df, pd.DataFrame(columns=QUARANTINE_COLUMNS), [])
        result = self._run(table, "row", df, parameters)
        failed_rows: dict[int, list[tuple[str, str | None, str]]] = {}
        outcomes = []
        for res in result.results:
            cfg = res.expectation_config
            column = cfg.kwargs.get("column") or cfg.kwargs.get("column_A")
            bad = list(res.result.get("unexpected_index_list") or [])
            if res.exception_info and res.exception_info.get("raised_exception"):
                # An expectation that cannot run is a broken suite, not a bad row.
                raise RuntimeError(f"{table}: {cfg.type} raised {res.exception_info.get('exception_message')}")
            outcomes.append(ExpectationOutcome(table, cfg.type, column, "row", bool(res.success), len(bad),
                                               cfg.meta.get("why", "") if cfg.meta else ""))
            for i in bad:
                failed_rows.setdefault(int(i), []).append((cfg.type, column, cfg.meta.get("why", "") if cfg.meta else ""))
        quarantine = []
        for i, failures in sorted(failed_rows.items()):
            row = df.iloc[i]
            for expectation, column, why in failures:
                quarantine.append({
                    "table": table,
                    "row_key": str(row.get(key)),
                    "article_id": row.get("article_id"),
                    "expectation": expectation,
                    "column": column,
                    "value": None if column is None else _as_text(row.get(column)),
                    "why": why,
                    "row_json": json.dumps({k: _as_text(v) for k, v in row.items()}, ensure_ascii=False),
                    "run_id": run_id,
                })
        clean = df.drop(index=list(failed_rows)).reset_index(drop=True)
        return RowValidation(clean, pd.DataFrame(quarantine, columns=QUARANTINE_COLUMNS), outcomes)

    def validate_table(self, table: str, df: pd.DataFrame, parameters: dict) -> list[ExpectationOutcome]:
        result = self._run(table, "table", df, parameters)
        outcomes = []
        for res in result.results:
            cfg = res.expectation_config
            detail = ""
            if not res.success:
                observed = res.result.get("observed_value")
                detail = f"observed {observed!r}" if observed is not None else \
                    f"{res.result.get('unexpected_count', 0)} unexpected, e.g. {res.result.get('partial_unexpected_list', [])[:3]}"
            outcomes.append(ExpectationOutcome(table, cfg.type, cfg.kwargs.get("column"), "table",
                                               bool(res.success), int(res.result.get("unexpected_count") or 0),
                                               detail))
        return outcomes


def _static_kwargs(table: str, kwargs: dict) -> dict:
    """Fill the {"$PARAMETER": "columns"} placeholder with the table's schema columns (records.SCHEMAS, the
    one place they are defined). The list is the same for every run, so it belongs to the suite, not to a
    run's parameters."""
    from econ_news.records import SCHEMAS

    return {k: list(SCHEMAS[table].names) if v == {"$PARAMETER": "columns"} else v for k, v in kwargs.items()}


def _key(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One string per row from several columns, vectorised (a row-wise join is ~100x slower)."""
    # pandas 3 keeps missing values missing under astype(str); fill them first.
    parts = [df[c].astype("object").fillna("").astype(str) for c in columns]
    key = parts[0]
    for part in parts[1:]:
        key = key + "\x1f" + part
    return key


def _as_text(value) -> str | None:
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
