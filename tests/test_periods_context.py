"""Periods as the language states them (issue 16, "periods in context").

Two tables: a phrase and a publication date in -> the period out (periods.find_periods); and short
articles (title, publication date, paragraphs) in -> the period of each figure out
(metrics.extract_metrics), for a period stated once for a topic and carried to later figures.
"""
from __future__ import annotations

from datetime import date

import pytest

from econ_news.extract.doc import annotate
from econ_news.extract.metrics import extract_metrics
from econ_news.extract.periods import find_periods
from econ_news.records import Article
from econ_news.segment.sentences import split_sentences

# phrase, publication date -> raw, first day, last day, granularity (of the phrase's only period)
PHRASES = [
    # 前N个月 / 前N月: 1 January .. the end of month N (not the whole year, not month N alone)
    ("前7个月,全省", date(2024, 8, 20), "前7个月", "2024-01-01", "2024-07-31", "months"),
    ("今年前8个月,全市", date(2024, 9, 15), "今年前8个月", "2024-01-01", "2024-08-31", "months"),
    ("前4月,", date(2023, 5, 10), "前4月", "2023-01-01", "2023-04-30", "months"),
    ("前6月,金昌经开区", date(2020, 9, 8), "前6月", "2020-01-01", "2020-06-30", "months"),
    ("前六月金昌经开区", date(2020, 9, 8), "前六月", "2020-01-01", "2020-06-30", "months"),
    ("前两个月,", date(2024, 3, 12), "前两个月", "2024-01-01", "2024-02-29", "months"),
    ("前11个月份,", date(2023, 12, 20), "前11个月份", "2023-01-01", "2023-11-30", "months"),
    ("2023年前10个月", date(2024, 6, 1), "2023年前10个月", "2023-01-01", "2023-10-31", "months"),
    # published in early January, the first ten months are last year's
    ("前10个月,", date(2024, 1, 5), "前10个月", "2023-01-01", "2023-10-31", "months"),
    # quarter or half with 末/底: as of its last day, cumulative from 1 January (like 6月末)
    ("三季度末,", date(2024, 10, 15), "三季度末", "2024-01-01", "2024-09-30", "as_of"),
    ("截至一季度末,", date(2024, 4, 20), "截至一季度末", "2024-01-01", "2024-03-31", "as_of"),
    ("2023年四季度末", date(2024, 2, 1), "2023年四季度末", "2023-01-01", "2023-12-31", "as_of"),
    ("上半年末,", date(2024, 7, 20), "上半年末", "2024-01-01", "2024-06-30", "as_of"),
    ("6月末,", date(2024, 7, 20), "6月末", "2024-01-01", "2024-06-30", "as_of"),
    # N年以来: year to date, not the whole year
    ("2024年以来,", date(2024, 6, 15), "2024年以来", "2024-01-01", "2024-06-15", "ytd"),
    ("2023年以来,", date(2024, 6, 15), "2023年以来", "2023-01-01", "2024-06-15", "ytd"),
    ("今年以来,", date(2024, 6, 15), "今年以来", "2024-01-01", "2024-06-15", "ytd"),
    # N月以来: from the first of that month, not that month alone
    ("今年2月份以来,", date(2023, 6, 15), "今年2月份以来", "2023-02-01", "2023-06-15", "since"),
    ("3月以来,", date(2023, 6, 15), "3月以来", "2023-03-01", "2023-06-15", "since"),
    # five-year plans
    ("“十一五”期间", date(2011, 3, 1), "“十一五”", "2006-01-01", "2010-12-31", "year"),
    ("十二五时期", date(2016, 3, 1), "十二五", "2011-01-01", "2015-12-31", "year"),
    ("“十三五”以来", date(2019, 3, 1), "“十三五”", "2016-01-01", "2020-12-31", "year"),
    ("十四五期间", date(2024, 3, 1), "十四五", "2021-01-01", "2025-12-31", "year"),
    ("“十五”期间", date(2006, 3, 1), "“十五”", "2001-01-01", "2005-12-31", "year"),
]


@pytest.mark.parametrize("text, published, raw, first, last, granularity", PHRASES)
def test_phrase_period(text: str, published: date, raw: str, first: str, last: str, granularity: str) -> None:
    [p] = find_periods(text, published)
    assert (p.raw, str(p.period_start), str(p.period_end), p.granularity) == (raw, first, last, granularity)


# 前 meaning "before/ago", and 十五 as the number fifteen, are no periods
@pytest.mark.parametrize("text", ["目前3个月内完成", "提前2个月完工", "此前5个月", "十五个项目"])
def test_not_a_period(text: str) -> None:
    assert [p.raw for p in find_periods(text, date(2024, 6, 1)) if p.granularity != "day"] == []


def _read(title: str | None, published: date | None, text: str) -> dict[float, tuple[str, str]]:
    """figure value -> (period_start, period_end) of the first row with that value."""
    article = Article("a1", "t.txt", "", 0, title, published, None, None, text, split_sentences(text))
    periods: dict[float, tuple[str, str]] = {}
    for m in extract_metrics(annotate(article)):
        if m.value is not None:
            periods.setdefault(round(m.value, 2), (str(m.period_start), str(m.period_end)))
    return periods


# title, publication date, article (one paragraph a line) -> {figure value: period}
ARTICLES = [
    # a lead states the topic period; the figures paragraphs later carry it
    (None, date(2022, 10, 28),
     "全省2022年前三季度主要经济指标发布\n近日,省统计局发布有关数据。\n武威市地区生产总值完成398.6亿元,同比增长4.1%。",
     {39860000000.0: ("2022-01-01", "2022-09-30")}),
    # the title states it; the publication date alone would have said nothing (or this year)
    ("2023年全市经济运行情况", date(2024, 3, 1),
     "全市地区生产总值完成300亿元,同比增长5%。",
     {30000000000.0: ("2023-01-01", "2023-12-31")}),
    ("前六月金昌经开区实现地区生产总值110.5亿元", date(2020, 9, 8),
     "金昌经开区实现地区生产总值110.5亿元,同比增长11.7%。",
     {11050000000.0: ("2020-01-01", "2020-06-30")}),
    # a period inside the sentence's first figure clause heads the paragraph's next sentences
    (None, date(2020, 3, 20),
     "据了解,白银市今年计划实施项目422个,总投资1011.7亿元。其中,省列重大项目14个。",
     {422.0: ("2020-01-01", "2020-12-31"), 14.0: ("2020-01-01", "2020-12-31")}),
    # no publication date: 今年 is the year the text stated before it
    (None, None,
     "昨天,在平罗县2015年第一批重点项目开工仪式上获悉。今年平罗计划实施重点建设项目50个,概算总投资337.8亿元。",
     {50.0: ("2015-01-01", "2015-12-31"), 33780000000.0: ("2015-01-01", "2015-12-31")}),
    (None, None,
     "2023年以来,金昌市工业经济持续向好。前三季度,全市完成固定资产投资132.8亿元,同比增长18.4%。",
     {13280000000.0: ("2023-01-01", "2023-09-30")}),
    # a plan under 以来 is the year's plan; what was done stays year-to-date
    (None, date(2023, 5, 25),
     "2023年以来,全县谋划实施重大项目179个,年内计划完成投资73亿元。今年以来,全县完成固定资产投资20.5亿元。",
     {179.0: ("2023-01-01", "2023-12-31"), 7300000000.0: ("2023-01-01", "2023-12-31"),
      2050000000.0: ("2023-01-01", "2023-05-25")}),
    # the current year before 确定的 is the programme's year, and heads the 其中 that follow
    (None, date(2015, 4, 10),
     "平罗今年确定的50个重点项目涉及多个领域。其中,农林水项目6个,工业项目21个。",
     {50.0: ("2015-01-01", "2015-12-31"), 6.0: ("2015-01-01", "2015-12-31"), 21.0: ("2015-01-01", "2015-12-31")}),
    # one line a paragraph: a line with a period and no figure heads the lines after it
    (None, date(2023, 3, 30),
     "2023年,鄂尔多斯计划实施\n重大项目472个\n截至3月底\n368个重大项目已开复工\n完成投资286亿元",
     {472.0: ("2023-01-01", "2023-12-31"), 368.0: ("2023-01-01", "2023-03-31"),
      28600000000.0: ("2023-01-01", "2023-03-31")}),
    # an event day ends the topic period: the day's figures are not the year's
    (None, date(2023, 3, 20),
     "2023年全市经济运行平稳\n3月19日,全市集中开工项目36个,总投资88亿元。",
     {36.0: ("None", "None"), 8800000000.0: ("None", "None")}),
    # 此次/当天 point to the event reported: its figures are not the carried reporting period's
    (None, date(2020, 9, 10),
     "今年以来,全市完成固定资产投资80亿元。此次签约项目7个,签约金额44.55亿元。",
     {8000000000.0: ("2020-01-01", "2020-09-10"), 7.0: ("None", "None"), 4455000000.0: ("None", "None")}),
    # a five-year plan period in context
    (None, date(2021, 2, 1),
     "“十三五”期间,全市累计完成固定资产投资1200亿元。",
     {120000000000.0: ("2016-01-01", "2020-12-31")}),
]


@pytest.mark.parametrize("title, published, text, expected", ARTICLES)
def test_period_in_context(title: str | None, published: date | None, text: str,
                           expected: dict[float, tuple[str, str]]) -> None:
    got = _read(title, published, text)
    assert {v: got.get(v) for v in expected} == expected
