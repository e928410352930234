"""A rule that raises on one sentence loses its own rows there, recorded as a failure; the article keeps
its other rows, and the extract stage writes the failure as a `rule_error` reject (extract/failures.py)."""
from __future__ import annotations

import pytest

import econ_news.extract.projects as projects_package
from econ_news.extract.article import extract_article
from econ_news.pipeline import extract_batch
from econ_news.records import Article, stable_id
from econ_news.segment import split_sentences

PAGE = ("兰州新区年产10万吨绿色甲醇项目正式开工建设,总投资20亿元。\n"
        "今年1-6月,全区完成地区生产总值120亿元,同比增长6.5%。\n"
        "会上,甘肃华亭煤电股份有限公司“华亭煤制甲醇二期项目”签约落地。")


def _article(text: str) -> Article:
    return Article(stable_id(text), "page.txt", "sha-page", 0, "标题", None, None, None, text, split_sentences(text))


@pytest.mark.parametrize("text, breakdown", [
    # a contract value broken down by kind in parentheses: each amount is a contract value of its own
    ("今年以来,全市新签约项目35个,签约金额120亿元,其中工业项目(80亿元)、文旅项目(40亿元)。",
     [("contract_value", 8e9), ("contract_value", 4e9)]),
    # a group's investment broken down: the breakdown has no wording of its own to look behind
    ("全市新开工项目12个,总投资56亿元,其中产业项目(40亿元)。", []),
])
def test_breakdown_amount_without_a_wording_is_read_without_failing(text, breakdown):
    # was: AttributeError 'NoneType' object has no attribute 'start' in metrics.money_row (the wording's
    # match was assumed, but a breakdown amount has none), which rejected the whole article
    got = extract_article(_article(text))
    assert got.failures == []
    rows = [(m.indicator, m.value) for m in got.metrics if m.rule == "money_breakdown"]
    assert rows == breakdown
    assert any(m.rule in ("money_wording", "group_investment") for m in got.metrics)


def find_nothing_but_fail_on_metrics(doc):
    """A test-only finder: a rule with a bug met by one sentence (the one stating 地区生产总值)."""
    for start, end in zip(doc.sentence_starts, doc.sentence_ends):
        if "地区生产总值" in doc.text[start:end]:
            raise ValueError(f"cannot read sentence at {start}")
    return []


@pytest.fixture
def failing_finder(monkeypatch):
    monkeypatch.setattr(projects_package, "FINDERS", [*projects_package.FINDERS, find_nothing_but_fail_on_metrics])


def test_a_rule_that_raises_loses_only_its_rows_and_is_recorded(failing_finder):
    whole = extract_article(_article(PAGE))
    assert [f.rule for f in whole.failures] == ["find_nothing_but_fail_on_metrics"]
    failure = whole.failures[0]
    assert "ValueError: cannot read sentence at" in failure.error
    assert (failure.start, failure.end) == (0, len(PAGE))
    # every other rule's rows are there, the failing sentence's figure included, as without the failing rule
    assert [p.name for p in whole.projects] == ["兰州新区年产10万吨绿色甲醇项目", "华亭煤制甲醇二期项目"]
    assert [(m.indicator, m.value, m.yoy_pct) for m in whole.metrics] == [("gdp", 12e9, 6.5)]
    projects_package.FINDERS.pop()
    clean = extract_article(_article(PAGE))
    assert clean.failures == []
    assert (whole.projects, whole.metrics) == (clean.projects, clean.metrics)


def test_the_extract_stage_writes_a_rule_failure_as_a_reject_beside_the_rows(failing_finder):
    article = _article(PAGE)
    projects, metrics, rejects = extract_batch([article])
    assert projects and metrics  # the article is not rejected
    assert [(r.stage, r.reason, r.source_uri, r.sha256) for r in rejects] == [
        ("extract", "rule_error", "page.txt", "sha-page")]
    assert article.article_id in rejects[0].detail
    assert "find_nothing_but_fail_on_metrics" in rejects[0].detail and "ValueError" in rejects[0].detail
