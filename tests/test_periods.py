"""Reporting periods resolved against the publication date: table-driven cases."""
from __future__ import annotations

from datetime import date

import pytest

from econ_news.extract.periods import find_periods, month_end

PUBLISHED = date(2024, 10, 15)

# text -> (raw, period_start, period_end, basis, granularity) of the only mention, published 2024-10-15
SINGLE = [
    ("2023年,全区", "2023年", "2023-01-01", "2023-12-31", "explicit", "year"),
    ("2023年度", "2023年度", "2023-01-01", "2023-12-31", "explicit", "year"),
    ("2023年1-6月", "2023年1-6月", "2023-01-01", "2023-06-30", "explicit", "months"),
    ("1月—9月,经开区", "1月—9月", "2024-01-01", "2024-09-30", "published_date", "months"),
    ("1-6月", "1-6月", "2024-01-01", "2024-06-30", "published_date", "months"),
    ("1月至5月", "1月至5月", "2024-01-01", "2024-05-31", "published_date", "months"),
    ("1至9月,全省", "1至9月", "2024-01-01", "2024-09-30", "published_date", "months"),
    ("1～5月", "1～5月", "2024-01-01", "2024-05-31", "published_date", "months"),
    ("1-9月份", "1-9月份", "2024-01-01", "2024-09-30", "published_date", "months"),
    ("一至九月", "一至九月", "2024-01-01", "2024-09-30", "published_date", "months"),
    ("今年1月至5月", "今年1月至5月", "2024-01-01", "2024-05-31", "published_date", "months"),
    ("上半年,全区", "上半年", "2024-01-01", "2024-06-30", "published_date", "half"),
    ("下半年", "下半年", "2024-07-01", "2024-12-31", "published_date", "half"),
    ("前三季度", "前三季度", "2024-01-01", "2024-09-30", "published_date", "months"),
    ("一季度", "一季度", "2024-01-01", "2024-03-31", "published_date", "quarter"),
    ("第一季度", "第一季度", "2024-01-01", "2024-03-31", "published_date", "quarter"),
    ("三季度", "三季度", "2024-07-01", "2024-09-30", "published_date", "quarter"),
    ("2023年3季度", "2023年3季度", "2023-07-01", "2023-09-30", "explicit", "quarter"),
    ("去年上半年", "去年上半年", "2023-01-01", "2023-06-30", "published_date", "half"),
    ("今年以来", "今年以来", "2024-01-01", "2024-10-15", "published_date", "ytd"),
    ("年初以来", "年初以来", "2024-01-01", "2024-10-15", "published_date", "ytd"),
    ("截至目前", "截至目前", "2024-01-01", "2024-10-15", "published_date", "ytd"),
    ("去年共争取项目", "去年", "2023-01-01", "2023-12-31", "published_date", "year"),
    ("上年", "上年", "2023-01-01", "2023-12-31", "published_date", "year"),
    ("今年", "今年", "2024-01-01", "2024-12-31", "published_date", "year"),
    ("本年", "本年", "2024-01-01", "2024-12-31", "published_date", "year"),
    ("当年新引进项目", "当年", "2024-01-01", "2024-12-31", "published_date", "year"),
    ("截至10月底", "截至10月底", "2024-01-01", "2024-10-31", "published_date", "as_of"),
    ("截至6月", "截至6月", "2024-01-01", "2024-06-30", "published_date", "as_of"),
    ("截至2023年12月底", "截至2023年12月底", "2023-01-01", "2023-12-31", "explicit", "as_of"),
    ("2023年12月底", "2023年12月底", "2023-01-01", "2023-12-31", "explicit", "as_of"),
    ("截至2023年底", "截至2023年底", "2023-01-01", "2023-12-31", "explicit", "as_of"),
    ("2023年11月", "2023年11月", "2023-11-01", "2023-11-30", "explicit", "month"),
    ("2024年8月", "2024年8月", "2024-08-01", "2024-08-31", "explicit", "month"),
    ("2024年2月", "2024年2月", "2024-02-01", "2024-02-29", "explicit", "month"),
    ("2021—2023年", "2021—2023年", "2021-01-01", "2023-12-31", "explicit", "year"),
    ("7月5日", "7月5日", "2024-07-05", "2024-07-05", "published_date", "day"),
    ("9月初", "9月初", "2024-09-01", "2024-09-10", "published_date", "day"),
    ("10日上午", "10日", "2024-10-10", "2024-10-10", "published_date", "day"),
]


@pytest.mark.parametrize("text, raw, first, last, basis, granularity", SINGLE)
def test_single_period(text: str, raw: str, first: str, last: str, basis: str, granularity: str) -> None:
    [p] = find_periods(text, PUBLISHED)
    assert (p.raw, p.period_start, p.period_end) == (raw, date.fromisoformat(first), date.fromisoformat(last))
    assert (p.basis, p.granularity) == (basis, granularity)
    assert text[p.start : p.end] == p.raw


# published, text -> period_start of the only mention: a period mostly still ahead is last year's
EARLY_IN_YEAR = [
    (date(2024, 2, 10), "1-12月", "2023-01-01"),
    (date(2024, 2, 10), "四季度", "2023-10-01"),
    (date(2024, 2, 10), "11月", "2023-11-01"),
    (date(2024, 2, 10), "23日", "2024-01-23"),
    (date(2024, 10, 15), "1-9月", "2024-01-01"),
    (date(2024, 10, 15), "下半年", "2024-07-01"),
    (date(2024, 4, 5), "一季度", "2024-01-01"),
]


@pytest.mark.parametrize("published, text, first", EARLY_IN_YEAR)
def test_year_from_publication_date(published: date, text: str, first: str) -> None:
    [p] = find_periods(text, published)
    assert p.period_start == date.fromisoformat(first)


@pytest.mark.parametrize("text", ["1-6月", "上半年", "今年以来", "截至10月底", "7月5日"])
def test_unknown_year_without_publication_date(text: str) -> None:
    [p] = find_periods(text, None)
    assert (p.period_start, p.period_end, p.basis) == (None, None, "published_date")


def test_explicit_year_needs_no_publication_date() -> None:
    [p] = find_periods("2023年1-6月", None)
    assert (p.period_start, p.period_end, p.basis) == (date(2023, 1, 1), date(2023, 6, 30), "explicit")


@pytest.mark.parametrize(
    "text",
    [
        "较去年增长13%",  # comparison basis, not a period
        "比上年同期增长",
        "与去年同期相比",
        "开工以来",  # since an event
        "第13个月",
        "12345",
        "13月",
        "总投资37亿元",
    ],
)
def test_not_periods(text: str) -> None:
    assert find_periods(text, PUBLISHED) == []


def test_sentence_with_several_periods() -> None:
    text = "2023年,嘉峪关新签约项目31个;今年1-6月,到位资金37亿元,较去年增长13%"
    found = find_periods(text, PUBLISHED)
    assert [p.raw for p in found] == ["2023年", "今年1-6月"]


@pytest.mark.parametrize(
    "year, month, last_day",
    [(2024, 2, 29), (2023, 2, 28), (2023, 9, 30), (2023, 12, 31), (2025, 4, 30)],
)
def test_month_end(year: int, month: int, last_day: int) -> None:
    assert month_end(year, month) == date(year, month, last_day)


def test_docstring_examples() -> None:
    import doctest

    from econ_news.extract import periods

    assert doctest.testmod(periods).failed == 0
