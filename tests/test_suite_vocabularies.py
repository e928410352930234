"""The suites' code sets come from the vocabularies the extractor reads, so no code it can write is quarantined.

Before the suites named {"$vocabulary": ...}, expectations/metrics.json kept its own copy of the unit codes and
fell 14 codes behind reference/units.json: a contract signed in 卢布 (RUB) was extracted, then quarantined.
"""
from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from econ_news.quality import VOCABULARIES, load_suites
from econ_news.records import CONTRACT_INDICATORS, STATUS_CODES
from econ_news.reference import load_json

REPO = Path(__file__).resolve().parents[1]
EXPECTATIONS = REPO / "expectations"


def _expectations(table: str, column: str, type_: str) -> list[dict]:
    suite = load_suites(EXPECTATIONS)[table]
    return [e for e in suite["expectations"] if e["type"] == type_ and e["kwargs"].get("column") == column]


def _allowed(table: str, column: str) -> set:
    found = _expectations(table, column, "expect_column_values_to_be_in_set")
    assert len(found) == 1, f"{table}.{column}: expected one value set, found {len(found)}"
    return set(found[0]["kwargs"]["value_set"])


def _emitted_unit_codes() -> set[str]:
    # Read straight from the reference files, not through quality.unit_codes, so this test checks it.
    units = {code for code, _factor, _kind in load_json("units.json")["units"].values()}
    return units | set(load_json("indicators.json")["indicator_units"].values())


def _reference_indicator_codes() -> set[str]:
    ref = load_json("indicators.json")
    return (set(CONTRACT_INDICATORS) | set(ref["money_indicators"]) | set(ref["count_wordings"])
            | set(ref["rate_indicators"].values()))


def test_every_unit_code_the_extractor_can_write_is_allowed_by_the_metrics_suite():
    missing = _emitted_unit_codes() - _allowed("metrics", "unit")
    assert not missing, f"metrics suite quarantines unit codes reference/units.json emits: {sorted(missing)}"
    assert {"RUB", "KRW", "AUD", "SGD", "CNY", "percent"} <= _allowed("metrics", "unit")


def test_every_status_code_is_allowed_by_the_projects_suite():
    assert set(STATUS_CODES) <= _allowed("projects", "status")


def test_every_reference_indicator_code_passes_the_suites_indicator_rules():
    codes = _reference_indicator_codes()
    for e in _expectations("metrics", "indicator", "expect_column_values_to_be_in_set"):
        assert codes <= set(e["kwargs"]["value_set"])
    regexes = _expectations("metrics", "indicator", "expect_column_values_to_match_regex")
    assert regexes, "the metrics suite restricts indicator codes by a regex"
    for e in regexes:
        bad = sorted(c for c in codes if not re.search(e["kwargs"]["regex"], c))
        assert not bad, f"indicator codes the reference maps to but the suite rejects: {bad}"


@pytest.mark.parametrize("table", ["metrics", "projects"])
def test_codes_named_in_row_conditions_exist_in_the_vocabularies(table):
    """A condition on a code the extractor never writes (a renamed unit) would silently check nothing."""
    known = {"unit": _emitted_unit_codes(), "indicator": _reference_indicator_codes(), "status": set(STATUS_CODES)}
    for e in load_suites(EXPECTATIONS)[table]["expectations"]:
        condition = e["kwargs"].get("row_condition")
        if condition:
            for column, code in re.findall(r'(\w+)\s*==\s*"([^"]*)"', condition):
                assert code in known[column], f"{table}: {condition!r} names an unknown {column} code"


def test_a_vocabulary_placeholder_is_resolved_and_an_unknown_one_is_an_error(tmp_path):
    suite = {"name": "metrics", "meta": {"table": "metrics", "key": "metric_id"}, "expectations": [
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "unit", "value_set": {"$vocabulary": "units"}},
         "meta": {"level": "row"}}]}
    (tmp_path / "metrics.json").write_text(json.dumps(suite), encoding="utf-8")
    loaded = load_suites(tmp_path)["metrics"]["expectations"][0]["kwargs"]["value_set"]
    assert isinstance(loaded, list) and set(loaded) == set(VOCABULARIES["units"]())
    suite["expectations"][0]["kwargs"]["value_set"] = {"$vocabulary": "currencies"}
    (tmp_path / "metrics.json").write_text(json.dumps(suite), encoding="utf-8")
    with pytest.raises(ValueError, match="unknown vocabulary 'currencies'"):
        load_suites(tmp_path)


PAGE = """# 甘州区招商引资成效明显

2024年8月15日 来源：张掖日报

今年以来，甘州区持续加大招商引资力度。甘州区引进项目12个，签约金额达8亿卢布。

甘州区与韩国企业签约合作，签约金额达5亿韩元。
"""


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """The pure stages and the real GX validation on one page, as scripts/score_corpus.py runs them."""
    from econ_news.curate import stage_batch
    from econ_news.fetch import scan_raw_files
    from econ_news.pipeline import process_refs
    from econ_news.quality import Validator
    from econ_news.store import StagedRun

    raw = tmp_path_factory.mktemp("raw")
    (raw / "ganzhou_rub.txt").write_text(PAGE, encoding="utf-8")
    out = tmp_path_factory.mktemp("curated")
    refs, rejects = scan_raw_files(raw)
    result = process_refs(refs)
    assert not rejects and not result.rejects
    run = StagedRun(out, "vocab")
    report = stage_batch(result, run, Validator(EXPECTATIONS), "00000", "vocab", date(2024, 9, 1))
    return result, report, run


def test_a_contract_in_roubles_is_published_not_quarantined(staged):
    result, report, run = staged
    foreign = [m for m in result.metrics if m.unit in {"RUB", "KRW"}]
    assert {m.unit for m in foreign} == {"RUB", "KRW"}, [(m.indicator, m.value, m.unit) for m in result.metrics]
    rub = next(m for m in foreign if m.unit == "RUB")
    assert rub.value == 8e8
    assert report.quarantined["metrics"] == 0
    written = ds.dataset(run.dir / "metrics", format="parquet").to_table().to_pandas()
    assert {m.metric_id for m in foreign} <= set(written["metric_id"])
