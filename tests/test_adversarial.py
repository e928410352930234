"""Adversarial inputs (tests/adversarial/, expected outcomes in expected.json, plus two generated at test
time because they are large): every input yields an article or a reject with a reason, and the run goes on."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from econ_news.fetch import scan_raw_files
from econ_news.pipeline import process_refs

CASES = Path(__file__).parent / "adversarial"
EXPECTED = json.loads((CASES / "expected.json").read_text(encoding="utf-8"))
GENERATED = {
    # 50 MB: over the 20 MB page limit; sparse, so it costs no disk.
    "fifty_megabytes.txt": {"outcome": "reject", "stage": "fetch", "reason": "oversized"},
    # 1.6 MB of Chinese without a single line break.
    "one_long_line.txt": {"outcome": "articles", "min": 1},
}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    for path in CASES.iterdir():
        if path.name != "expected.json":
            shutil.copy(path, raw / path.name)
    with open(raw / "fifty_megabytes.txt", "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    (raw / "one_long_line.txt").write_text("甘肃省重点项目建设进展顺利," * 40000 + "。", encoding="utf-8")
    refs, rejects = scan_raw_files(raw)
    result = process_refs(refs)
    result.rejects += rejects
    return raw, result


@pytest.mark.parametrize("name", sorted(EXPECTED | GENERATED))
def test_each_adversarial_input_has_its_expected_outcome(outcome, name):
    raw, result = outcome
    expected = (EXPECTED | GENERATED)[name]
    articles = [a for a in result.articles if Path(a.source_uri).name == name]
    rejects = [r for r in result.rejects if Path(r.source_uri).name == name]
    if expected["outcome"] == "reject":
        assert not articles, f"{name} should yield no article"
        assert [(r.stage, r.reason) for r in rejects] == [(expected["stage"], expected["reason"])], rejects
        assert rejects[0].detail or rejects[0].reason  # a reason a person can read
    else:
        assert len(articles) >= expected["min"], rejects
        if "max" in expected:
            assert len(articles) <= expected["max"]
        if "contains" in expected:
            assert any(expected["contains"] in a.text for a in articles), [a.text[:80] for a in articles]
        also = expected.get("also_reject")
        assert [(r.stage, r.reason) for r in rejects] == ([(also["stage"], also["reason"])] if also else [])


def test_nothing_is_lost(outcome):
    raw, result = outcome
    accounted = {Path(a.source_uri).name for a in result.articles} | {Path(r.source_uri).name for r in result.rejects}
    assert accounted == {p.name for p in raw.iterdir()}
