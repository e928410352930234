"""Publication dates: the stamps pages print (stated) and the datelines of pages that print none (inferred).

Each case is a page as a reader sees it (title, stamp or dateline, body) in, the article's date and its
date_source out. The constructions are those of Chinese news pages in general, not of one site.
"""
from __future__ import annotations

from datetime import date

import pytest

from econ_news.normalize import normalize_document
from econ_news.normalize.dates import stamp_date
from econ_news.records import Block, NormalizedDocument, RawDocument
from econ_news.segment import segment_document

BODY = "今年以来,全市签约招商引资项目45个,总投资140.62亿元。"


def articles_of_text(text: str):
    doc = normalize_document(RawDocument.from_bytes("data/raw/page.txt", text.encode("utf-8")))
    assert isinstance(doc, NormalizedDocument), doc
    return segment_document(doc)


def dated(text: str) -> tuple[date | None, str | None]:
    article = articles_of_text(text)[0]
    return article.published_date, article.date_source


# --- stamps printed on the page (stated) ----------------------------------------------------


@pytest.mark.parametrize(
    "stamp, expected",
    [
        # a CMS's two-digit year, always with its clock time
        ("20-09-08 10:35 来源:金昌日报 编辑:赵满同", date(2020, 9, 8)),
        # the clock time glued to the next label
        ("2019-09-22 12:43:23来源:新疆日报", date(2019, 9, 22)),
        # the outlet and the date with its time, no label
        ("鄂尔多斯融媒   2023-03-30 16:10:25", date(2023, 3, 30)),
        ("中国甘肃网 2022年7月14日 10:31", date(2022, 7, 14)),
        ("中国甘肃网 2021/7/14 星期三 10:31", date(2021, 7, 14)),
        # a year set apart by a space
        ("2021 07-14 10:31:02", date(2021, 7, 14)),
        ("发布时间:2021 07-14 10:31:02 浏览次数:208", date(2021, 7, 14)),
        ("2020年03月20日08:44  来源:甘肃日报", date(2020, 3, 20)),
        ("(2020/3/24 9:57:32) 来源:凤凰网甘肃综合", date(2020, 3, 24)),
    ],
)
def test_stamp_under_the_headline_is_the_stated_date(stamp, expected):
    assert dated(f"甘州招商引资成效显著\n{stamp}\n{BODY}\n") == (expected, "stated")


def test_e_paper_header_date_is_the_issue_date_of_every_article_on_the_page():
    page = (
        "第04版:要闻 上一版  下一版\n标题导航\n返回经济网首页 | 版面导航 | 标题导航\n"
        "上一版  下一版 2020年3月30日 星期 放大 缩小 默认\n"
        "青海海西州208个项目集中开复工\n投资总额达1053.14亿元\n\n"
        "本报讯 记者石晶报道:3月28日上午,海西州2020年首批208个项目集中开复工仪式举行。\n"
        "上一篇  下一篇 放大 缩小 默认\n"
    )
    articles = articles_of_text(page)
    assert [(a.title, a.published_date, a.date_source) for a in articles] == [
        ("青海海西州208个项目集中开复工", date(2020, 3, 30), "stated")
    ]


def test_a_bare_date_above_the_headline_is_still_not_its_stamp():
    # a "today" widget prints the day the page was captured, not the day the article came out
    assert dated(f"2025-03-28\n甘州招商引资成效显著\n{BODY}\n") == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        "增长3.2-4.5 10:00",  # numbers that only look like a stamp
        "项目编号20-09-08",  # a two-digit year without its time is no date
        "2021 07-14",
    ],
)
def test_only_real_stamps_give_a_date(text):
    assert stamp_date(text) is None


# --- datelines (inferred) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, paragraphs, expected",
    [
        # an agency dispatch: the day is the dateline's, the year the title's
        ("青海2024年一季度重大项目开工", ["新华社西宁3月8日电(记者 李琳海)青海省一季度开工项目312个。"], date(2024, 3, 8)),
        # 本报讯 and the reporter's credit, then the day at the head of the lead
        ("兰州新区招商引资成效显著", ["本报讯(记者 张三)6月3日,兰州新区签约项目23个。", "2022年全区落实到位资金47.59亿元。"], date(2022, 6, 3)),
        ("金昌市重点项目开工", ["中国甘肃网8月24日讯 据甘肃经济日报报道,2020年第四批项目开工。"], date(2020, 8, 24)),
        # the dispatch dateline, even in the second paragraph, outranks the day of the event in the lead
        ("中卫:104个重大项目集中开工", ["3月18日,中卫市沙坡头旅游新镇项目开工。", "大西北网3月19日讯 2015年当年投资1亿元以上的项目49个。"], date(2015, 3, 19)),
        # a full date at the head of the lead carries its own year, whatever other years the text names
        ("天祝重大工程集中开建", ["2023年5月25日,天祝县36个工程集中开建。", "2022年完成投资61亿元。"], date(2023, 5, 25)),
        # two candidate years and nothing to choose between them: no date rather than a guess
        ("天祝重大工程集中开建", ["5月25日,天祝县36个工程集中开建。", "2022年完成投资61亿元,2023年计划投资73亿元。"], None),
        # a day that does not exist
        ("天祝2023年重大工程集中开建", ["2月30日,天祝县36个工程集中开建。"], None),
        # a date deep inside the lead is the date of something else
        ("天祝2023年重大工程集中开建", ["天祝县谋划实施重大项目179个,总投资198亿元,其中4月8日开工的项目有36个。"], None),
    ],
)
def test_dateline_gives_the_day_and_the_text_the_year(title, paragraphs, expected):
    blocks = [Block("heading", title)] + [Block("paragraph", p) for p in paragraphs]
    article = segment_document(NormalizedDocument("data/raw/t.txt", "abc", "utf-8", False, tuple(blocks)))[0]
    assert (article.published_date, article.date_source) == (expected, "inferred" if expected else None)


def test_dateline_year_comes_from_the_other_dates_printed_on_the_page():
    blocks = (
        Block("heading", "白银325个重点项目集中开工"),
        Block("meta", "2020年03月20日08:44 来源:甘肃日报", published_date=date(2020, 3, 20)),
        Block("paragraph", "3月19日上午,总投资661.6亿元的白银市325个重点项目集中开工。"),
        Block("signoff", "(记者 陈泳)"),
        Block("heading", "靖远县项目建设提速"),
        Block("paragraph", "本报靖远3月19日电 靖远县当天开工项目47个,总投资96亿元。"),
    )
    articles = segment_document(NormalizedDocument("data/raw/t.txt", "abc", "utf-8", False, blocks))
    assert [(a.title, a.published_date, a.date_source) for a in articles] == [
        ("白银325个重点项目集中开工", date(2020, 3, 20), "stated"),
        ("靖远县项目建设提速", date(2020, 3, 19), "inferred"),
    ]


@pytest.mark.parametrize("stamp", ["07-14 10:31 来源:甘肃日报", "甘肃日报 07-14 10:31", "7/14 10:31:02"])
def test_stamp_without_its_year_gives_the_day_and_the_text_the_year(stamp):
    page = f"甘州招商引资成效显著\n{stamp}\n6月30日,2021年上半年全区签约项目23个。\n"
    assert dated(page) == (date(2021, 7, 14), "inferred")  # the stamp's day, not the lead's


def test_stamp_without_its_year_and_no_year_anywhere_gives_no_date():
    assert dated(f"甘州招商引资成效显著\n07-14 10:31 来源:甘肃日报\n{BODY}\n") == (None, None)


def test_a_printed_stamp_outranks_the_dateline():
    assert dated(f"甘州招商引资成效显著\n2023-07-11 22:08:06 来源:甘州区融媒体中心\n7月5日,2022年签约项目23个。\n") == (
        date(2023, 7, 11),
        "stated",
    )


def test_dateline_year_comes_from_the_page_when_the_article_states_none():
    # short items of one day's paper: the year is written once on the page, in another item
    page = (
        "中卫:104个重大项目集中开工\n"
        "3月18日,中卫市沙坡头旅游新镇项目破土开工。\n"
        "大西北网3月19日讯 104个项目当中,当年投资1亿元以上的项目49个。(记者 蒲利宏)\n"
        "平罗:全年50个重点项目上马\n"
        "昨天,在平罗县2015年第一批重点项目开工仪式上,35个项目集中开工。(记者 张向阳)\n"
    )
    articles = articles_of_text(page)
    assert [(a.title, a.published_date, a.date_source) for a in articles] == [
        ("中卫:104个重大项目集中开工", date(2015, 3, 19), "inferred"),
        ("平罗:全年50个重点项目上马", None, None),  # 昨天 names no day
    ]
