"""econ_news.extract.metrics: one table row per construction (sentence + publication date -> the
contract-indicator rows it must give, and nothing else), then a floor on the real corpus pages."""
from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from econ_news.extract.doc import annotate
from econ_news.extract.metrics import extract_metrics
from econ_news.records import ARTICLES_SCHEMA, CONTRACT_INDICATORS, METRICS_SCHEMA, Article, Metric, to_table
from econ_news.segment.sentences import split_sentences

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
Y2023 = (date(2023, 1, 1), date(2023, 12, 31))
NO_PERIOD = (None, None)


def read(text: str, published: date | None = None, title: str | None = None) -> list[Metric]:
    article = Article("a1", "t.txt", "", 0, title, published, None, None, text, split_sentences(text))
    return extract_metrics(annotate(article))


def contract_rows(metrics: list[Metric]) -> list[tuple]:
    """(indicator, value, unit, yoy, period, entity) of the scored rows, in text order."""
    return [
        (m.indicator, m.value, m.unit, m.yoy_pct, (m.period_start, m.period_end), m.entity)
        for m in metrics
        if m.indicator in CONTRACT_INDICATORS
    ]


def approx_rows(rows: list[tuple]) -> list[tuple]:
    return [(i, pytest.approx(v) if v is not None else None, *rest) for i, v, *rest in rows]


# (case id, title, publication date, text, expected contract rows)
CASES = [
    (
        "level_and_growth_one_row",
        "张掖经开区:打造高质量发展强引擎", date(2025, 10, 20),
        "1月—9月,经开区完成工业总产值67.5亿元、同比增长2%,工业增加值58.45亿元,同比增长12%。",
        [
            ("industrial_output", 6.75e9, "CNY", 2.0, (date(2025, 1, 1), date(2025, 9, 30)), "张掖经开区"),
            ("industrial_value_added", 5.845e9, "CNY", 12.0, (date(2025, 1, 1), date(2025, 9, 30)), "张掖经开区"),
        ],
    ),
    (
        "growth_naming_its_level",
        "白银区招商引资", None,
        "2023年,白银区新签约项目31个,其中入库项目15个,签约金额41.45亿元,签约额增速15.72%,开工率100%。",
        [
            ("project_count", 31.0, "count", None, Y2023, "白银区"),
            ("project_count", 15.0, "count", None, Y2023, "白银区"),
            ("contract_value", 4.145e9, "CNY", 15.72, Y2023, "白银区"),
        ],
    ),
    (
        "group_investment_and_growth_against_last_year",
        "甘肃一季度重大项目集中开工", date(2023, 2, 13),
        "2023年,全省将重点推进8大领域287个省列重大项目建设,总投资16512亿元,年度计划投资2512亿元,较去年增长13%。",
        [
            ("project_count", 287.0, "count", None, Y2023, "甘肃省"),
            ("planned_investment", 1.6512e12, "CNY", None, Y2023, "甘肃省"),
            ("planned_investment", 2.512e11, "CNY", 13.0, Y2023, "甘肃省"),
        ],
    ),
    (
        "growth_without_level",
        "辽宁大连:257个项目集中开工建设", date(2021, 9, 23),
        "全市三季度新开工产业项目数量同比增长1.3倍,新开工项目势头强劲。",
        [("project_count", None, "count", 130.0, (date(2021, 7, 1), date(2021, 9, 30)), "大连市")],
    ),
    (
        "growth_only_wording_a_few_words_away",
        "酒泉市经济运行", date(2024, 3, 1),
        "2023年,酒泉市地区生产总值按可比价格计算增长6.8%,一般公共预算收入8.9亿元,下降3.2%。",
        [
            ("gdp", None, "CNY", 6.8, Y2023, "酒泉市"),
            ("fiscal_revenue", 8.9e8, "CNY", -3.2, Y2023, "酒泉市"),
        ],
    ),
    (
        "wording_with_parenthesized_aside_and_links",
        "平凉市经济运行", date(2024, 1, 5),
        "2023年,全市实现地区生产总值(GDP)365亿元,增长6%,社会消费品零售总额完成45.3亿元,规上工业增加值增长8.5%。",
        [
            ("gdp", 3.65e10, "CNY", 6.0, Y2023, "平凉市"),
            ("retail_sales", 4.53e9, "CNY", None, Y2023, "平凉市"),
            ("industrial_value_added_above_scale", None, "CNY", 8.5, Y2023, "平凉市"),
        ],
    ),
    (
        "one_named_project_investment_is_no_metric",
        "凉州聚力打造县域经济发展新高地", None,
        "甘肃博贞原生物乳业有限公司年产8600吨系列乳制品精深加工项目,总投资1.31亿元,于2024年8月全面投产。",
        [],
    ),
    (
        "single_projects_inside_a_group_sentence",
        "临夏州招商引资", None,
        "和政县达成合作意向3项,计划投资32.3亿元,其中:计划投资30亿元的香港祥丰电子产业园项目已签订框架协议。\n"
        "全州共签约项目12个,其中兰州新区某某产业园项目总投资50亿元。",
        [
            ("project_count", 3.0, "count", None, NO_PERIOD, "和政县"),
            ("planned_investment", 3.23e9, "CNY", None, NO_PERIOD, "和政县"),
            ("project_count", 12.0, "count", None, NO_PERIOD, "临夏州"),
        ],
    ),
    (
        "size_brackets_are_thresholds",
        "张掖371重点项目集中开工", date(2020, 3, 24),
        "就项目规模而言,总投资10亿元以上项目16项,5亿至10亿元项目19项,5000万至1亿元项目60项。"
        "从投资额看,21个项目中20亿元至30亿元项目有4个。",
        [
            ("project_count", 16.0, "count", None, NO_PERIOD, "张掖市"),
            ("project_count", 19.0, "count", None, NO_PERIOD, "张掖市"),
            ("project_count", 60.0, "count", None, NO_PERIOD, "张掖市"),
            ("project_count", 21.0, "count", None, NO_PERIOD, "张掖市"),
            ("project_count", 4.0, "count", None, NO_PERIOD, "张掖市"),
        ],
    ),
    (
        "amount_qualifying_a_number_of_projects",
        "金昌市重点项目开工", None,
        "总投资24亿元的12个重大产业项目和基础设施项目开工。投资5亿多元的韩家峡水库项目是重大民生工程。",
        [
            ("planned_investment", 2.4e9, "CNY", None, NO_PERIOD, "金昌市"),
            ("project_count", 12.0, "count", None, NO_PERIOD, "金昌市"),
        ],
    ),
    (
        "counted_noun_before_or_after",
        "甘州:招商引资交出答卷", date(2023, 7, 11),
        "上半年,全区共实施招商引资项目45项,签约框架合作协议35项,河北万北实业张掖大健康产业园等19项已开工项目进展顺利,"
        "2022年签约的88个项目已开工48个,华锐风电、中船风电等5户上市企业项目落地。",
        [
            ("project_count", 45.0, "count", None, (date(2023, 1, 1), date(2023, 6, 30)), "甘州区"),
            ("project_count", 35.0, "count", None, (date(2023, 1, 1), date(2023, 6, 30)), "甘州区"),
            ("project_count", 19.0, "count", None, (date(2023, 1, 1), date(2023, 6, 30)), "甘州区"),
            ("project_count", 88.0, "count", None, (date(2023, 1, 1), date(2023, 6, 30)), "甘州区"),
            ("project_count", 48.0, "count", None, (date(2023, 1, 1), date(2023, 6, 30)), "甘州区"),
            ("project_count", 5.0, "count", None, (date(2023, 1, 1), date(2023, 6, 30)), "甘州区"),
        ],
    ),
    (
        "enterprise_counts_and_skipped_counts",
        "凉州聚力打造县域经济发展新高地", None,
        "凉州区新认定省级科技创新型企业17户、专精特新中小企业12户,高新技术企业达到55户。"
        "累计走访企业58家次,在上海、广州等11个城市设立联络点,对接“三个500强”企业22家。",
        [
            ("enterprise_count", 17.0, "count", None, NO_PERIOD, "凉州区"),
            ("enterprise_count", 12.0, "count", None, NO_PERIOD, "凉州区"),
            ("enterprise_count", 55.0, "count", None, NO_PERIOD, "凉州区"),
            ("enterprise_count", 22.0, "count", None, NO_PERIOD, "凉州区"),
        ],
    ),
    (
        "share_and_rank_are_columns_not_rows",
        "张掖经开区:聚力打造现代产业体系", date(2024, 10, 15),
        "2023年完成地区生产总值176.25亿元、占全市29%,实现税收14.6亿元,在全国230家国家级经开区排名131位。",
        [
            ("gdp", 1.7625e10, "CNY", None, Y2023, "张掖经开区"),
            ("tax_revenue", 1.46e9, "CNY", None, Y2023, "张掖经开区"),
        ],
    ),
    (
        "quoted_names_are_not_counts",
        "张掖经开区:打造高质量发展强引擎", None,
        "张掖经开区落实“五个一”责任制,列入全市“三个清单”的41个项目,已全部开工建设。",
        [("project_count", 41.0, "count", None, NO_PERIOD, "张掖经开区")],
    ),
    (
        "company_figures_in_its_sentence",
        "张掖经开区:打造高质量发展强引擎", None,
        "“我们每天生产玻璃液40吨。”甘肃富地日用玻璃生产有限公司总经理张超说,公司投产以来,年产值达1.5亿元,年利润达3500万元。",
        [
            ("output_value", 1.5e8, "CNY", None, NO_PERIOD, "甘肃富地日用玻璃生产有限公司"),
            ("profit", 3.5e7, "CNY", None, NO_PERIOD, "甘肃富地日用玻璃生产有限公司"),
        ],
    ),
    (
        "company_figure_in_its_quoted_speech",
        "凉州聚力打造县域经济发展新高地", None,
        "“项目建成投产后,拉动了凉州区奶牛养殖等上下游产业协同发展,新增就业岗位120个。”甘肃博贞原生物乳业有限公司总经理鲁迎瑞说。",
        [("jobs", 120.0, "person", None, NO_PERIOD, "甘肃博贞原生物乳业有限公司")],
    ),
    (
        "region_marker_beats_company",
        "张掖经开区:打造高质量发展强引擎", None,
        "甘肃富地日用玻璃生产有限公司总经理张超说,全市规上企业实现产值100亿元,带动就业2000余人。",
        [
            ("output_value", 1e10, "CNY", None, NO_PERIOD, "张掖市"),
            ("jobs", 2000.0, "person", None, NO_PERIOD, "张掖市"),
        ],
    ),
    (
        "park_named_before_its_enterprises",
        "张掖经开区:聚力打造现代产业体系", date(2024, 10, 15),
        "投资18.8亿元、规划面积4100亩,建成全省首个氢能零碳产业专属园区,已落户企业13户。",
        [("enterprise_count", 13.0, "count", None, NO_PERIOD, "氢能零碳产业专属园区")],
    ),
    (
        "period_carried_through_the_paragraph",
        "园区招商 打造发展新高地", None,
        "2023年,白银区统一招引项目,建立招商引资项目库。新签约项目31个,签约金额193.11亿元,当年新引进项目完成到位资金37.23亿元。",
        [
            ("project_count", 31.0, "count", None, Y2023, "白银区"),
            ("contract_value", 1.9311e10, "CNY", None, Y2023, "白银区"),
            ("funds_in_place", 3.723e9, "CNY", None, Y2023, "白银区"),
        ],
    ),
    (
        "period_opening_a_later_clause_is_carried",
        "酒泉市招商引资", date(2024, 7, 20),
        "据统计,1-5月,全市招商引资到位资金120亿元,同比增长15%。新签约项目56个。\n全市签约项目30个。",
        [
            ("funds_in_place", 1.2e10, "CNY", 15.0, (date(2024, 1, 1), date(2024, 5, 31)), "酒泉市"),
            ("project_count", 56.0, "count", None, (date(2024, 1, 1), date(2024, 5, 31)), "酒泉市"),
            ("project_count", 30.0, "count", None, NO_PERIOD, "酒泉市"),
        ],
    ),
    (
        "attributive_year_and_undated_page",
        None, None,
        "截至10月底,2021年签约的116个项目已开工96个,完成投资1005亿元,甘肃央地合作成效明显。",
        [
            ("project_count", 116.0, "count", None, NO_PERIOD, "甘肃省"),
            ("project_count", 96.0, "count", None, NO_PERIOD, "甘肃省"),
            ("completed_investment", 1.005e11, "CNY", None, NO_PERIOD, "甘肃省"),
        ],
    ),
    (
        "event_day_is_no_period",
        "甘州:招商引资交出答卷", date(2023, 7, 11),
        "7月5日,甘州区成功签约招商引资项目23个,总投资额140.62亿元。",
        [
            ("project_count", 23.0, "count", None, NO_PERIOD, "甘州区"),
            ("planned_investment", 1.4062e10, "CNY", None, NO_PERIOD, "甘州区"),
        ],
    ),
    (
        "breakdown_in_parentheses_inherits_indicator",
        "甘肃1至9月签约招商引资项目3989个", None,
        "1至9月,全省14条重点产业链项目到位资金3477.03亿元。排名前五的产业链为:新能源及其装备制造(1177.75亿元)、石化化工(363.33亿元)。",
        [
            ("funds_in_place", 3.47703e11, "CNY", None, NO_PERIOD, "甘肃省"),
            ("funds_in_place", 1.17775e11, "CNY", None, NO_PERIOD, "甘肃省"),
            ("funds_in_place", 3.6333e10, "CNY", None, NO_PERIOD, "甘肃省"),
        ],
    ),
    (
        "clause_subjects_name_each_figure",
        "临夏州共储备招商引资推介项目378项", None,
        "目前,临夏市储备项目47项,总投资212亿元;和政县储备项目64项,总投资116.3亿元。",
        [
            ("project_count", 47.0, "count", None, NO_PERIOD, "临夏市"),
            ("planned_investment", 2.12e10, "CNY", None, NO_PERIOD, "临夏市"),
            ("project_count", 64.0, "count", None, NO_PERIOD, "和政县"),
            ("planned_investment", 1.163e10, "CNY", None, NO_PERIOD, "和政县"),
        ],
    ),
    (
        "forecast_and_threshold_enterprises",
        "凉州聚力打造县域经济发展新高地", date(2025, 7, 1),
        "上半年,凉州区预计完成到位资金113.36亿元,同比增长35%以上。全区纳税超千万元企业12家。",
        [
            ("funds_in_place", 1.1336e10, "CNY", 35.0, (date(2025, 1, 1), date(2025, 6, 30)), "凉州区"),
            ("enterprise_count", 12.0, "count", None, (date(2025, 1, 1), date(2025, 6, 30)), "凉州区"),
        ],
    ),
    # 签约金额 of one specific project (named with its company, a capacity or quotes) is that project's
    # investment, read by the projects table; of a group, a region or a kind of project it is a metric.
    (
        "one_projects_contract_value_is_no_metric",
        "白银市举行招商引资项目签约活动", date(2024, 9, 20),
        "9月19日,白银市集中签约项目9个,签约金额58亿元。其中,白银高新区年产3万吨电子级氢氟酸项目由甘肃某某化工有限公司投资,"
        "签约额12亿元。“靖远智慧物流港项目”也当天签约,签约总额6亿元。全市招商引资项目签约金额累计达310亿元。",
        [
            ("project_count", 9.0, "count", None, NO_PERIOD, "白银市"),
            ("contract_value", 5.8e9, "CNY", None, NO_PERIOD, "白银市"),
            ("contract_value", 3.1e10, "CNY", None, NO_PERIOD, "白银市"),
        ],
    ),
    (
        "group_contract_value_after_a_named_project_list",
        "定西市招商签约", None,
        "定西市与甘肃某某药业有限公司等企业签约项目14个,签约金额27.5亿元。",
        [
            ("project_count", 14.0, "count", None, NO_PERIOD, "定西市"),
            ("contract_value", 2.75e9, "CNY", None, NO_PERIOD, "定西市"),
        ],
    ),
    # a count picked out by rank names items, it is no figure
    (
        "superlative_selection_is_no_count",
        "酒泉市重大项目集中开工", None,
        "酒泉市集中开工项目45个。投资额最高的3个项目均为新能源项目,排名前五的5家企业均已到位资金。",
        [("project_count", 45.0, "count", None, NO_PERIOD, "酒泉市")],
    ),
    # a list of divisions opening a clause: their common parent, not the park of the previous sentence
    (
        "division_list_figure_goes_to_their_parent",
        "庆阳市举行招商引资推介会", date(2024, 6, 3),
        "会上,西峰工业园区与企业签约了年产2万吨石化项目。环县、华池县、合水县等5个县区集中签约项目31个,签约总额64.2亿元。",
        [
            ("project_count", 31.0, "count", None, NO_PERIOD, "庆阳市"),
            ("contract_value", 6.42e9, "CNY", None, NO_PERIOD, "庆阳市"),
        ],
    ),
    (
        "month_on_month_growth_is_not_yoy",
        "张掖经开区:打造高质量发展强引擎", None,
        "经开区工业增加值环比增长2%。",
        [],
    ),
]


@pytest.mark.parametrize("title,published,text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_construction(title, published, text, expected):
    assert contract_rows(read(text, published, title)) == approx_rows(expected)


def test_values_are_exact_decimals():
    rows = read("今年一季度,全市28个重大项目集中开工,总投资156.3亿元,完成投资9.8亿元。", date(2025, 4, 2), "定西市")
    assert sorted(m.value for m in rows if m.unit == "CNY") == [980000000.0, 15630000000.0]


def test_rates_get_own_codes_never_yoy():
    rows = read("白银区新签约项目31个,开工率100%,资金到位率89.82%,满意度达100%。", None, "白银区")
    own = {(m.indicator, m.value, m.unit) for m in rows if m.indicator not in CONTRACT_INDICATORS}
    assert own == {("start_rate", 100.0, "percent"), ("funds_in_place_rate", 89.82, "percent"),
                   ("satisfaction_rate", 100.0, "percent")}
    assert all(m.yoy_pct is None for m in rows)


def test_extra_columns_qualifier_share_rank():
    rows = read("2023年完成地区生产总值176.25亿元、占全市29%,实现税收约14.6亿元,在全国230家国家级经开区排名131位。"
                "上半年,预计完成到位资金113.36亿元,同比增长35%以上。", date(2024, 10, 15), "张掖经开区")
    by = {m.indicator: m for m in rows}
    assert by["gdp"].share_pct == 29.0
    assert (by["tax_revenue"].value_qualifier, by["tax_revenue"].rank) == ("约", 131)
    assert by["funds_in_place"].value_qualifier == "预计"
    assert by["gdp"].period_basis == "explicit" and by["funds_in_place"].period_basis == "published_date"


def test_rows_are_consistent():
    text = ("2023年,全省将重点推进287个省列重大项目建设,总投资16512亿元,年度计划投资2512亿元,较去年增长13%。\n"
            "其中,计划新开工项目119个,年度计划投资975亿元;续建项目148个,年度计划投资1483亿元。\n"
            "其中,计划新开工项目119个,年度计划投资975亿元。")
    rows = read(text, date(2023, 2, 13), "甘肃一季度重大项目集中开工")
    assert len({m.metric_id for m in rows}) == len(rows) == 9
    for m in rows:
        assert text[m.evidence_start : m.evidence_end] == m.evidence
        assert m.rule and m.article_id == "a1"
    assert rows == read(text, date(2023, 2, 13), "甘肃一季度重大项目集中开工")  # same ids every run


def test_no_sentences_no_rows():
    assert read("") == []


# ------------------------------------------------------------------------------------------
# Floor on the real pages, scored by the shared scorer (metrics only, before quarantine).


def _scorer():
    spec = importlib.util.spec_from_file_location("shared_score", CORPUS.parent / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("split", ["seeds", "dev"])
def test_corpus_floor(split, tmp_path):
    if not (CORPUS / split / "raw").is_dir():
        pytest.skip(f"{CORPUS / split} is absent: the gold-scored floor needs ../shared/corpus beside the repo")
    from econ_news.fetch import scan_raw_files
    from econ_news.pipeline import process_refs

    refs, _ = scan_raw_files(CORPUS / split / "raw")
    result = process_refs(refs)
    for name, records, schema in (("articles", result.articles, ARTICLES_SCHEMA),
                                  ("metrics", result.metrics, METRICS_SCHEMA)):
        (tmp_path / name).mkdir()
        pq.write_table(to_table(records, schema), tmp_path / name / "part-0.parquet")
    score = _scorer().score(tmp_path, CORPUS / split / "gold", show_errors=True)["metrics"]
    report = json.dumps(score, ensure_ascii=False)
    assert score["f1"] >= 0.95, report
    for accuracy in ("entity_accuracy", "period_accuracy", "yoy_accuracy"):
        assert score[accuracy] >= 0.95, report
