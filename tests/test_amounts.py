"""Numbers, amounts, growth rates and shares: table-driven cases plus a check over the real pages."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from econ_news.extract.amounts import find_growth, find_quantities, find_shares, parse_number

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.parametrize(
    "written, expected",
    [
        ("1,234.5", 1234.5),
        ("1.5", 1.5),
        ("0.8", 0.8),
        ("１２．５", 12.5),
        ("一百二十", 120.0),
        ("两千", 2000.0),
        ("三十五", 35.0),
        ("十", 10.0),
        ("十二", 12.0),
        ("一千零五", 1005.0),
        ("一千二百五十一点四六", 1251.46),
        ("二〇二三", 2023.0),
        ("一百二十亿", 1.2e10),
        ("三亿五千万", 3.5e8),
        ("一点五亿", 1.5e8),
        ("千亿", 1e11),
        ("1.2万", 1.2e4),
        ("3千万", 3e7),
        ("亿", None),
        ("万", None),
        ("", None),
        ("abc", None),
    ],
)
def test_parse_number(written: str, expected: float | None) -> None:
    assert parse_number(written) == (pytest.approx(expected) if expected is not None else None)


# text -> (raw, value, unit, kind, qualifier) of the only quantity found
SINGLE = [
    ("37亿元", "37亿元", 3.7e9, "CNY", "money", None),
    ("总投资约37亿元", "约37亿元", 3.7e9, "CNY", "money", "约"),
    ("1.31亿元", "1.31亿元", 1.31e8, "CNY", "money", None),
    ("157.67万元", "157.67万元", 1.5767e6, "CNY", "money", None),
    ("1.236亿元", "1.236亿元", 1.236e8, "CNY", "money", None),
    ("5亿多元", "5亿多元", 5e8, "CNY", "money", "多"),
    ("总投资额近13亿元", "近13亿元", 1.3e9, "CNY", "money", "近"),
    ("总投资逾677亿", "逾677亿", 6.77e10, "CNY", "money", "逾"),
    ("总投资910.1亿", "910.1亿", 9.101e10, "CNY", "money", None),
    ("一百二十亿元", "一百二十亿元", 1.2e10, "CNY", "money", None),
    ("两千万元", "两千万元", 2e7, "CNY", "money", None),
    ("1000万美元", "1000万美元", 1e7, "USD", "money", None),
    ("5000万港元", "5000万港元", 5e7, "HKD", "money", None),
    ("地方政府债券6000万元", "6000万元", 6e7, "CNY", "money", None),
    ("0.8亿元", "0.8亿元", 8e7, "CNY", "money", None),
    ("签约金额9433.27亿元", "9433.27亿元", 9.43327e11, "CNY", "money", None),
    ("年度计划投资2512亿元", "2512亿元", 2.512e11, "CNY", "money", None),
    ("新能源及其装备制造(1177.75亿元)", "1177.75亿元", 1.17775e11, "CNY", "money", None),
    ("锚定经济总量过千亿元目标", "过千亿元", 1e11, "CNY", "money", "过"),
    ("年产值过百亿元", "过百亿元", 1e10, "CNY", "money", "过"),
    ("投资超过10亿元以上", "超过10亿元以上", 1e9, "CNY", "money", "以上"),
    ("１２亿元", "１２亿元", 1.2e9, "CNY", "money", None),
    ("1.2万亿元", "1.2万亿元", 1.2e12, "CNY", "money", None),
    ("增长7.8%", "7.8%", 7.8, "percent", "percent", None),
    ("37.34%", "37.34%", 37.34, "percent", "percent", None),
    ("百分之十二", "百分之十二", 12.0, "percent", "percent", None),
    ("35%以上", "35%以上", 35.0, "percent", "percent", "以上"),
    ("15％", "15％", 15.0, "percent", "percent", None),
    ("提高3个百分点", "3个百分点", 3.0, "percent_point", "percent", None),
    ("增长1.3倍", "1.3倍", 1.3, "times", "multiple", None),
    ("240万吨", "240万吨", 2.4e6, "t", "quantity", None),
    ("5.5亿公斤", "5.5亿公斤", 5.5e8, "kg", "quantity", None),
    ("7400万千瓦", "7400万千瓦", 7.4e7, "kW", "quantity", None),
    ("装机588万千瓦", "588万千瓦", 5.88e6, "kW", "quantity", None),
    ("99亿千瓦时", "99亿千瓦时", 9.9e9, "kWh", "quantity", None),
    ("4100亩", "4100亩", 4100.0, "mu", "quantity", None),
    ("1.2万亩", "1.2万亩", 1.2e4, "mu", "quantity", None),
    ("205兆瓦", "205兆瓦", 205.0, "MW", "quantity", None),
    ("8吉瓦时", "8吉瓦时", 8.0, "GWh", "quantity", None),
    ("甘肃电投2×1000兆瓦燃煤机组", "2×1000兆瓦", 2000.0, "MW", "quantity", None),
    ("3万平方米", "3万平方米", 3e4, "m2", "quantity", None),
    ("20多家企业", "20多家", 20.0, "count", "count", "多"),
]


@pytest.mark.parametrize("text, raw, value, unit, kind, qualifier", SINGLE)
def test_single_quantity(text: str, raw: str, value: float, unit: str, kind: str, qualifier: str | None) -> None:
    [q] = find_quantities(text)
    assert (q.raw, q.unit, q.kind, q.qualifier) == (raw, unit, kind, qualifier)
    assert q.value == pytest.approx(value)
    assert text[q.start : q.end] == q.raw


# text -> (value, unit, counter, qualifier) of the only count found
COUNTS = [
    ("已开工的41个项目", 41.0, "count", "个", None),
    ("签约项目23个", 23.0, "count", "个", None),
    ("实施招商引资项目45项", 45.0, "count", "项", None),
    ("已落户企业13户", 13.0, "count", "户", None),
    ("高新技术企业达到55户", 55.0, "count", "户", "达"),
    ("带动就业2000余人", 2000.0, "person", "人", "余"),
    ("推介项目378项", 378.0, "count", "项", None),
    ("出栏1600万头只", 1.6e7, "count", "头只", None),
    ("累计走访企业58家次", 58.0, "count", "家次", None),
    ("200多个央地合作项目", 200.0, "count", "个", "多"),
    ("签约116个央地合作项目", 116.0, "count", "个", None),  # 签约 is not the qualifier 约
    ("通过5项审查", 5.0, "count", "项", None),
    ("引进专家三名", 3.0, "person", "名", None),
    ("两个项目", 2.0, "count", "个", None),
    ("园区33家A级制种企业", 33.0, "count", "家", None),
]


@pytest.mark.parametrize("text, value, unit, counter, qualifier", COUNTS)
def test_counts(text: str, value: float, unit: str, counter: str, qualifier: str | None) -> None:
    [q] = [q for q in find_quantities(text) if q.kind == "count"]
    assert (q.value, q.unit, q.counter, q.qualifier) == (value, unit, counter, qualifier)


# text -> (low, high, unit) of the only range found
RANGES = [
    ("5亿至10亿元项目19项", 5e8, 1e9, "CNY"),
    ("5000万至1亿元项目60项", 5e7, 1e8, "CNY"),
    ("20亿元至30亿元项目有4个", 2e9, 3e9, "CNY"),
    ("500万至5000万元项目160项", 5e6, 5e7, "CNY"),
    ("1-5亿元", 1e8, 5e8, "CNY"),
    ("气温6至8℃", 6.0, 8.0, "celsius"),
    ("增长5%-10%", 5.0, 10.0, "percent"),
]


@pytest.mark.parametrize("text, low, high, unit", RANGES)
def test_ranges(text: str, low: float, high: float, unit: str) -> None:
    q = find_quantities(text)[0]
    assert (q.low, q.high, q.unit, q.value) == (pytest.approx(low), pytest.approx(high), unit, None)


@pytest.mark.parametrize(
    "text",
    [
        "2023年",
        "2023年度",
        "1月—9月",
        "1-6月",
        "10月底",
        "9月初",
        "7月5日",
        "第二十九届兰洽会",
        "一期二期三期工程",
        "“2+6”现代产业体系",
        "18650圆柱形锂电池",
        "5G基站",
        "6个月内建成",
        "千家万户",
        "一批重大项目",
        "一个中心",
        "亿元以上项目",
        "总投资",
        "十四五规划",
        "第四批重点项目",
        "电话0931-8888888",
    ],
)
def test_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


def test_rank_after_di() -> None:
    [q] = find_quantities("排名第65位")
    assert (q.raw, q.value, q.kind, q.unit) == ("第65位", 65.0, "rank", "rank")


def test_bare_number_is_money_only_after_a_money_word() -> None:
    assert find_quantities("人口达到35万") == []
    assert [q.value for q in find_quantities("完成投资35万")] == [3.5e5]


def test_two_quantities_across_slash() -> None:
    assert [(q.value, q.unit) for q in find_quantities("300MW/1200MWh储能")] == [(300.0, "MW"), (1200.0, "MWh")]


def test_sentence_left_to_right_non_overlapping() -> None:
    text = "上半年,全区共实施招商引资项目45项,新签约入库项目34项,落实到位资金47.59亿元,同比增长37.34%"
    found = find_quantities(text)
    assert [q.value for q in found] == [45.0, 34.0, pytest.approx(4.759e9), 37.34]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert all(text[q.start : q.end] == q.raw for q in found)


# Values are the decimal the text writes, exactly: binary float products (156.3 * 1e8 = 15630000000.000002)
# would break equality joins and dedup downstream. Compared with ==, not approx.
EXACT = [
    ("到位资金156.3亿元", 15630000000.0),
    ("完成投资9.8亿元", 980000000.0),
    ("营业收入0.7亿元", 70000000.0),
    ("利润总额2.3万元", 23000.0),
    ("签约额1.1万亿元", 1.1e12),
    ("产值4.35亿美元", 435000000.0),
    ("工业总产值1,234.56万元", 12345600.0),
    ("投资一点三亿元", 130000000.0),
    ("从业人员3.3万人", 33000.0),
]


@pytest.mark.parametrize("text, value", EXACT)
def test_values_are_exact_decimals(text: str, value: float) -> None:
    [q] = find_quantities(text)
    assert q.value == value, repr(q.value)


def test_range_ends_and_multiples_are_exact_decimals() -> None:
    [q] = find_quantities("5.1亿至10.3亿元")
    assert (q.low, q.high) == (510000000.0, 1030000000.0)
    assert [g.pct for g in find_growth("增长0.07倍,增长1.15倍")] == [7.0, 115.0]


# text -> [(pct, basis, qualifier)]
GROWTH = [
    ("同比增长7.8%", [(7.8, "yoy", None)]),
    ("增长15%", [(15.0, "unspecified", None)]),
    ("规上工业总产值1620亿元，增长21.9%", [(21.9, "unspecified", None)]),
    ("同比增长2%", [(2.0, "yoy", None)]),
    ("签约额增速15.72%", [(15.72, "yoy", None)]),
    ("较去年增长13%", [(13.0, "yoy", None)]),
    ("比上年同期增长20.5%", [(20.5, "yoy", None)]),
    ("比2022年增长8%", [(8.0, "yoy", None)]),
    ("同比下降3%", [(-3.0, "yoy", None)]),
    ("同比减少4.5%", [(-4.5, "yoy", None)]),
    ("同比回落1.2%", [(-1.2, "yoy", None)]),
    ("下降3%", [(-3.0, "unspecified", None)]),
    ("增幅达12%", [(12.0, "yoy", None)]),
    ("环比增长3%", [(3.0, "mom", None)]),
    ("同比增长1.3倍", [(130.0, "yoy", None)]),
    ("同比增长35%以上", [(35.0, "yoy", "以上")]),
    ("增长了约5%", [(5.0, "unspecified", "约")]),
    ("增长百分之十二", [(12.0, "unspecified", None)]),
    ("增长-3%", [(-3.0, "unspecified", None)]),
    ("产值翻一番", [(100.0, "unspecified", None)]),
    ("同比分别增长12%、8%和5%", [(12.0, "yoy", None), (8.0, "yoy", None), (5.0, "yoy", None)]),
    ("占全市29%", []),
    ("开工率100%", []),
    ("资金到位率89.82%", []),
    ("满意度达100%", []),
    ("提高3个百分点", []),
    ("新开工项目数量增加153个", []),
]


@pytest.mark.parametrize("text, expected", GROWTH)
def test_growth(text: str, expected: list[tuple[float, str, str | None]]) -> None:
    found = find_growth(text)
    assert [(g.pct, g.basis, g.qualifier) for g in found] == expected
    assert all(text[g.start : g.end] == g.raw for g in found)


SHARES = [
    ("2023年完成地区生产总值176.25亿元、占全市29%", [(29.0, "全市", None)]),
    ("占全国的50%以上", [(50.0, "全国", "以上")]),
    ("占比达30%", [(30.0, None, None)]),
    ("占GDP比重为12.5%", [(12.5, "GDP", None)]),
    ("同比增长7.8%", []),
    ("占地100亩", []),
]


@pytest.mark.parametrize("text, expected", SHARES)
def test_shares(text: str, expected: list[tuple[float, str | None, str | None]]) -> None:
    assert [(s.pct, s.of, s.qualifier) for s in find_shares(text)] == expected


_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def _gold_values_found() -> tuple[int, int, list[str]]:
    from opencc import OpenCC

    to_simplified = OpenCC("t2s")
    hits, total, misses = 0, 0, []
    for gold in sorted(CORPUS.glob("*/gold/metrics.jsonl")):
        values_by_doc: dict[str, list[float]] = {}
        for line in gold.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["unit"] not in ("CNY", "count") or row["value"] is None:
                continue
            doc = row["doc"]
            if doc not in values_by_doc:
                raw = (gold.parent.parent / "raw" / doc).read_text(encoding="utf-8", errors="replace")
                text = to_simplified.convert(_PINYIN.sub("", raw))
                values_by_doc[doc] = [q.value for q in find_quantities(text) if q.value is not None]
            total += 1
            if any(abs(v - row["value"]) <= 1e-4 * abs(row["value"]) for v in values_by_doc[doc]):
                hits += 1
            else:
                misses.append(f"{doc}: {row['value']} in {row['quote'][:40]}")
    return hits, total, misses


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is absent: the real-page check needs ../shared beside the repo")
def test_gold_metric_values_are_found_on_real_pages() -> None:
    hits, total, misses = _gold_values_found()
    assert total > 100
    assert hits / total >= 0.97, misses


def test_docstring_examples() -> None:
    import doctest

    from econ_news.extract import amounts

    assert doctest.testmod(amounts).failed == 0
