"""Each expectation of the suites in expectations/, run through GX Core: it rejects a bad row and accepts a
good one. Row-level failures go to quarantine; table-level failures raise before publication."""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from econ_news.quality import (PLAUSIBILITY_COLUMN, Validator, add_plausibility_column,
                                add_project_plausibility_column, load_suites)
from econ_news.records import SCHEMAS, TABLE_KEYS as KEYS
from tests.conftest import REPO

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def validator():
    return Validator(REPO / "expectations")


GOOD = {
    "articles": dict(article_id="a1", source_uri="data/raw/x.txt", title="标题", published_date=date(2024, 10, 15),
                     text="正文。", doc_sha256="s", ordinal=0, date_source="stated", byline=None,
                     is_fragment=False, run_id="r"),
    "projects": dict(project_id="p1", article_id="a1", name="平山湖一号矿井开发项目", company="徐州矿务集团",
                     investment_cny=3.7e9, status="signed", evidence="...", evidence_start=0, evidence_end=3,
                     land_area_mu=100.0, run_id="r"),
    "metrics": dict(metric_id="m1", article_id="a1", entity="张掖经开区", indicator="industrial_output",
                    period_start=date(2025, 1, 1), period_end=date(2025, 9, 30), value=6.75e9, unit="CNY",
                    yoy_pct=2.0, evidence="...", evidence_start=0, evidence_end=3, run_id="r"),
}

# (table, expectation type, column): a value that breaks exactly that rule.
BAD = {
    ("articles", "expect_column_values_to_not_be_null", "article_id"): {"article_id": None},
    ("articles", "expect_column_values_to_not_be_null", "source_uri"): {"source_uri": None},
    ("articles", "expect_column_values_to_not_be_null", "text"): {"text": None},
    ("articles", "expect_column_value_lengths_to_be_between", "text"): {"text": ""},
    ("articles", "expect_column_values_to_be_between", "published_date"): {"published_date": date(2027, 1, 1)},
    ("articles", "expect_column_values_to_be_in_set", "date_source"): {"date_source": "guessed"},
    ("projects", "expect_column_values_to_not_be_null", "project_id"): {"project_id": None},
    ("projects", "expect_column_values_to_not_be_null", "article_id"): {"article_id": None},
    ("projects", "expect_column_values_to_be_in_set", "article_id"): {"article_id": "unknown"},
    ("projects", "expect_column_values_to_not_be_null", "name"): {"name": None},
    ("projects", "expect_column_value_lengths_to_be_between", "name"): {"name": "项" * 120},
    ("projects", "expect_column_values_to_not_be_null", "evidence"): {"evidence": None},
    ("projects", "expect_column_values_to_be_in_set", "status"): {"status": "finished"},
    ("projects", "expect_column_values_to_be_between", "investment_cny"): {"investment_cny": 37.0},
    ("projects", "expect_column_values_to_be_between", "land_area_mu"): {"land_area_mu": -5.0},
    ("projects", "expect_column_values_to_be_in_set", PLAUSIBILITY_COLUMN): {PLAUSIBILITY_COLUMN: False},
    ("metrics", "expect_column_values_to_not_be_null", "metric_id"): {"metric_id": None},
    ("metrics", "expect_column_values_to_not_be_null", "article_id"): {"article_id": None},
    ("metrics", "expect_column_values_to_be_in_set", "article_id"): {"article_id": "unknown"},
    ("metrics", "expect_column_values_to_not_be_null", "entity"): {"entity": None},
    ("metrics", "expect_column_values_to_not_be_null", "indicator"): {"indicator": None},
    ("metrics", "expect_column_values_to_match_regex", "indicator"): {"indicator": "Industrial Output"},
    ("metrics", "expect_column_values_to_be_in_set", "unit"): {"unit": "yuan"},
    ("metrics", "expect_column_values_to_not_be_null", "evidence"): {"evidence": None},
    ("metrics", "expect_column_values_to_be_between", "yoy_pct"): {"yoy_pct": 4500.0},
    ("metrics", "expect_column_values_to_be_between", "value"): {"value": 1576.7},
    ("metrics", "expect_column_pair_values_a_to_be_greater_than_b", "period_end"): {"period_end": date(2024, 12, 31)},
    ("metrics", "expect_column_values_to_be_in_set", PLAUSIBILITY_COLUMN): {PLAUSIBILITY_COLUMN: False},
}


def _row_expectations():
    for name, suite in load_suites(REPO / "expectations").items():
        for e in suite["expectations"]:
            if e["meta"]["level"] == "row":
                yield name, e["type"], e["kwargs"].get("column") or e["kwargs"].get("column_A")


def test_every_row_expectation_has_a_bad_case():
    assert set(_row_expectations()) == set(BAD)


def _frame(table, **changes):
    row = {c: None for c in SCHEMAS[table].names} | GOOD[table] | changes
    frame = pd.DataFrame([row], columns=SCHEMAS[table].names)
    if table in ("metrics", "projects"):
        frame = frame.assign(**{PLAUSIBILITY_COLUMN: changes.get(PLAUSIBILITY_COLUMN, True)})
    return frame


@pytest.mark.parametrize("table,expectation,column", sorted(BAD, key=str))
def test_expectation_rejects_bad_row_and_accepts_good_one(validator, table, expectation, column):
    params = {"today": TODAY, "article_ids": ["a1"]}
    good = validator.validate_rows(table, _frame(table), params, KEYS[table], "r")
    assert len(good.clean) == 1 and good.quarantine.empty, good.quarantine.to_dict("records")
    bad = validator.validate_rows(table, _frame(table, **BAD[(table, expectation, column)]), params, KEYS[table], "r")
    assert bad.clean.empty
    hits = bad.quarantine[(bad.quarantine["expectation"] == expectation) & (bad.quarantine["column"] == column)]
    assert len(hits) == 1, bad.quarantine[["expectation", "column"]].to_dict("records")


def test_gdp_below_its_own_industrial_value_added_is_implausible():
    rows = [dict(GOOD["metrics"], metric_id="g", indicator="gdp", value=1576700.0, yoy_pct=7.8),
            dict(GOOD["metrics"], metric_id="i", indicator="industrial_value_added", value=5.845e9, yoy_pct=12.0),
            dict(GOOD["metrics"], metric_id="o", entity="其他", indicator="gdp", value=1e6, yoy_pct=None)]
    flagged = add_plausibility_column(pd.DataFrame(rows))
    assert dict(zip(flagged["metric_id"], flagged[PLAUSIBILITY_COLUMN])) == {"g": False, "i": True, "o": True}


def test_gdp_below_gross_output_is_plausible_unless_far_below():
    # Gross output exceeds GDP in an industrial park (金昌经开区 2023: GDP 365亿元, 规上工业总产值 1620亿元).
    park = [dict(GOOD["metrics"], metric_id="g", indicator="gdp", value=3.65e10, yoy_pct=15.0),
            dict(GOOD["metrics"], metric_id="o", indicator="industrial_output_above_scale", value=1.62e11, yoy_pct=21.9)]
    flagged = add_plausibility_column(pd.DataFrame(park))
    assert flagged[PLAUSIBILITY_COLUMN].all()
    misprint = [dict(park[0], value=1576700.0), dict(park[1], value=6.75e9)]
    flagged = add_plausibility_column(pd.DataFrame(misprint))
    assert dict(zip(flagged["metric_id"], flagged[PLAUSIBILITY_COLUMN])) == {"g": False, "o": True}


def test_listed_project_costing_more_than_its_group_is_implausible():
    group = pd.DataFrame([dict(GOOD["metrics"], indicator="planned_investment", value=2.4e9, yoy_pct=None)])
    projects = pd.DataFrame([
        dict(GOOD["projects"], project_id="in", rule="listed", investment_cny=8.7e8),
        dict(GOOD["projects"], project_id="over", rule="listed", investment_cny=8.7e10),
        dict(GOOD["projects"], project_id="single", rule="named", investment_cny=8.7e10),
        dict(GOOD["projects"], project_id="other-article", article_id="a2", rule="listed", investment_cny=8.7e10),
    ])
    flagged = add_project_plausibility_column(projects, group)
    assert dict(zip(flagged["project_id"], flagged[PLAUSIBILITY_COLUMN])) == {
        "in": True, "over": False, "single": True, "other-article": True}


def test_same_figure_with_two_growth_rates_is_implausible():
    rows = [dict(GOOD["metrics"], metric_id="a", yoy_pct=2.0), dict(GOOD["metrics"], metric_id="b", yoy_pct=3.0),
            dict(GOOD["metrics"], metric_id="c", value=1e9, yoy_pct=5.0)]
    flagged = add_plausibility_column(pd.DataFrame(rows))
    assert dict(zip(flagged["metric_id"], flagged[PLAUSIBILITY_COLUMN])) == {"a": False, "b": False, "c": True}


def test_table_level_duplicate_keys_and_schema_drift_fail(validator):
    frame = pd.concat([_frame("articles"), _frame("articles")], ignore_index=True)
    params = {"columns": SCHEMAS["articles"].names, "min_articles": 1}
    outcomes = {o.expectation: o.success for o in validator.validate_table("articles", frame, params)}
    assert outcomes["expect_column_values_to_be_unique"] is False
    assert outcomes["expect_table_columns_to_match_ordered_list"] is True
    drifted = _frame("articles").drop(columns=["title"])
    outcomes = {o.expectation: o.success for o in validator.validate_table("articles", drifted, params)}
    assert outcomes["expect_table_columns_to_match_ordered_list"] is False
    empty = _frame("articles").iloc[0:0]
    outcomes = {o.expectation: o.success for o in validator.validate_table("articles", empty, params)}
    assert outcomes["expect_table_row_count_to_be_between"] is False


def _stage_articles(staged, ids_per_part: list[list[str]]) -> None:
    import pyarrow as pa

    for part, ids in enumerate(ids_per_part):
        rows = [dict(GOOD["articles"], article_id=i) for i in ids]
        staged.write_part("articles", f"{part:05d}", pa.Table.from_pylist(rows, schema=SCHEMAS["articles"]))


def test_table_checks_judge_the_whole_run_on_a_bounded_frame(validator, tmp_path):
    """Duplicates spread over part files are all found, while the frame GX judges stays small."""
    from econ_news.curate import TABLE_CHECK_SAMPLE_ROWS, check_tables, table_level_frames
    from econ_news.quality import TableValidationError
    from econ_news.store import StagedRun

    clean = StagedRun(tmp_path, "clean")
    _stage_articles(clean, [[f"a{p}-{i}" for i in range(1500)] for p in range(4)])
    frame, parameters = table_level_frames(clean, raw_files_seen=4)["articles"]
    assert len(frame) == TABLE_CHECK_SAMPLE_ROWS and list(frame.columns) == SCHEMAS["articles"].names
    assert all(o.success for o in check_tables(clean, validator, raw_files_seen=4))

    repeated = StagedRun(tmp_path, "repeated")
    parts = [[f"a{p}-{i}" for i in range(1500)] for p in range(4)]
    parts[3][:3] = ["a0-7", "a1-1499", "a0-7"]  # a0-7 three times in all, a1-1499 twice
    _stage_articles(repeated, parts)
    frame, _ = table_level_frames(repeated, raw_files_seen=4)["articles"]
    assert len(frame) == 5 + TABLE_CHECK_SAMPLE_ROWS
    with pytest.raises(TableValidationError) as failed:
        check_tables(repeated, validator, raw_files_seen=4)
    unique = [o for o in failed.value.failures if o.expectation == "expect_column_values_to_be_unique"]
    assert unique[0].table == "articles" and unique[0].unexpected_count == 5

    empty = StagedRun(tmp_path, "empty")
    _stage_articles(empty, [[]])
    with pytest.raises(TableValidationError, match="row_count"):
        check_tables(empty, validator, raw_files_seen=1)
    assert all(o.success for o in check_tables(empty, validator, raw_files_seen=0))
