"""Titles: page furniture is never a title, and a page of several articles gives each its own.

Each case is a page (a line of furniture above the real headline, then a stamp and the body) in, the
article's title out. The furniture is of the kinds every CMS prints, not one site's wording.
"""
from __future__ import annotations

import pytest

from econ_news.normalize import normalize_document
from econ_news.records import NormalizedDocument, RawDocument
from econ_news.segment import segment_document

HEADLINE = "嘉峪关市65个重点项目集中复工开工"
BODY = "今天上午,嘉峪关市2022年第一批重点项目集中复工开工,总投资243亿元。"


def articles_of_text(text: str, uri: str = "data/raw/page.txt"):
    doc = normalize_document(RawDocument.from_bytes(uri, text.encode("utf-8")))
    assert isinstance(doc, NormalizedDocument), doc
    return segment_document(doc)


FURNITURE = [
    "找回密码",  # a login box
    "用户登录",
    "未设置密码,请获取验证码设置",
    "8-12位字符",
    "打开网易新闻 查看精彩图片",  # an app's promotion in place of a photo
    "来源:金昌日报",  # source, click count and time lines
    "浏览次数:208",
    "发布时间:2021 07-14 10:31:02",
    "网站首页 本网原创 政务公开 新闻中心 互动交流",  # a navigation strip
    "首页 新闻 政务 专题 视频",
    "政务公开 新闻中心 互动交流 专题",
    "要闻 | 时政 | 本地新闻 | 视频",
    "English / 无障碍 / 长者模式",
    "第04版:要闻 上一版  下一版",  # an e-paper's page header
    "标题导航",
    "图为项目建设现场",  # photo captions
    "▲ 项目现场",
    "【资料图】",
    "测试",  # test strings left by an editor
    "test",
    "测试标题",
    "1111",
]


@pytest.mark.parametrize("line", FURNITURE)
def test_furniture_above_the_headline_is_never_the_title(line):
    articles = articles_of_text(f"{line}\n{HEADLINE}\n{BODY}\n")
    assert [a.title for a in articles] == [HEADLINE]


@pytest.mark.parametrize("line", ["找回密码", "打开网易新闻 查看精彩图片", "图为项目建设现场", "测试", "网站首页 本网原创 政务公开 新闻中心 互动交流"])
def test_furniture_in_a_headline_element_is_never_the_title(line):
    page = f"<html><body><h1>{line}</h1><h1>{HEADLINE}</h1><p>{BODY}</p></body></html>"
    assert [a.title for a in articles_of_text(page, "data/raw/page.html")] == [HEADLINE]


@pytest.mark.parametrize(
    "line",
    [
        "测试项目开工仪式在兰州新区举行",  # a headline that starts with a furniture word
        "新区首页经济持续向好",
        "图书馆项目建设现场观摩会举行",
        "登录甘肃政务服务网即可办理",
        "招商引资 项目建设 双轮驱动",  # short phrases side by side, one of them a section's name: a headline
    ],
)
def test_headlines_that_contain_furniture_words_stay_titles(line):
    assert [a.title for a in articles_of_text(f"{line}\n2022-02-19 10:00 来源:新甘肃\n{BODY}\n")] == [line]


def test_page_of_several_articles_closed_by_their_signoffs():
    page = (
        "中卫:104个重大项目集中开工\n"
        "3月18日,中卫市沙坡头旅游新镇项目破土开工。今年中卫市计划实施项目383个,计划完成投资384亿元。\n"
        "当天集中开工重大项目104个,年内计划完成投资284亿元。(记者 蒲利宏)\n"
        "平罗:全年50个重点项目上马\n"
        "今年平罗计划实施重点建设项目50个,概算总投资337.8亿元。(记者 张向阳 孙莉华)\n"
        "海原:119个项目全年投资逾70亿\n"
        "3月18日上午,海原县119个项目集中开工。\n"
    )
    articles = articles_of_text(page)
    assert [a.title for a in articles] == ["中卫:104个重大项目集中开工", "平罗:全年50个重点项目上马", "海原:119个项目全年投资逾70亿"]
    tails = ["年内计划完成投资284亿元。", "概算总投资337.8亿元。", "海原县119个项目集中开工。"]
    assert [a.text.endswith(tail) for a, tail in zip(articles, tails)] == [True, True, True]
    assert "记者" not in "".join(a.text for a in articles)


def test_a_data_source_note_does_not_close_the_article():
    page = (
        "甘肃前三季度经济运行稳中向好\n2022-10-25 10:00 来源:甘肃日报\n"
        "前三季度全省地区生产总值8113.3亿元,同比增长4.4%。(来源:省统计局)\n"
        "工业生产稳步回升\n"
        "前三季度全省规上工业增加值增长6.4%。\n"
    )
    articles = articles_of_text(page)
    assert [a.title for a in articles] == ["甘肃前三季度经济运行稳中向好"]
    assert "工业生产稳步回升" in articles[0].text


def test_section_heading_after_a_paragraph_stays_in_the_article():
    page = f"{HEADLINE}\n2022-02-19 10:00 来源:新甘肃\n{BODY}\n项目建设快马加鞭\n一季度开工项目35个。\n"
    articles = articles_of_text(page)
    assert [a.title for a in articles] == [HEADLINE]
    assert "项目建设快马加鞭" in articles[0].text


@pytest.mark.parametrize(
    "lines, title",
    [
        # a kicker line (引题) right above the stamped headline: one title on two lines
        (["总投资243亿元", "嘉峪关市65个重点项目集中复工开工"], "总投资243亿元 嘉峪关市65个重点项目集中复工开工"),
        # a channel name or the site's banner above it is not part of the headline
        (["要闻", "嘉峪关市65个重点项目集中复工开工"], "嘉峪关市65个重点项目集中复工开工"),
        (["市州播报", "嘉峪关市65个重点项目集中复工开工"], "嘉峪关市65个重点项目集中复工开工"),
        # a longer line first is the headline, the line under it its subtitle
        (["嘉峪关市65个重点项目集中复工开工", "总投资243亿元"], "嘉峪关市65个重点项目集中复工开工"),
        (["西峰区15个重点项目集中开工", "贠建民 董建镇 卢小亨 李银等出席开工仪式"], "西峰区15个重点项目集中开工"),
        (["嘉峪关市人民政府", "嘉峪关市65个重点项目集中复工开工"], "嘉峪关市65个重点项目集中复工开工"),
    ],
)
def test_headline_on_two_lines_is_one_title(lines, title):
    page = "\n".join(lines) + f"\n2022-02-19 21:22 来源:新甘肃\n{BODY}\n"
    assert [a.title for a in articles_of_text(page)] == [title]


def test_subtitle_under_the_headline_is_not_part_of_the_title():
    page = f"{HEADLINE}\n投资总额达1053.14亿元\n\n{BODY}\n"
    assert [a.title for a in articles_of_text(page)] == [HEADLINE]


@pytest.mark.parametrize(
    "line",
    [
        # a record card's fields and a page's counters and buttons, with no date to give
        "信息来源:甘肃省发改委",
        "发布者:管理员",
        "索引号:11620000013925934N/2021-00123",
        "文号:甘政发〔2021〕12号",
        "主题分类:经济",
        "阅读 208",
        "208次浏览",
        "浏览:208次",
        "【字体:大 中 小】",
        "分享至:",
        "扫一扫在手机打开当前页",
        "【我要纠错】",
        "收藏",
        "【打印】 【关闭】",
    ],
)
def test_page_widgets_and_record_fields_are_neither_title_nor_text(line):
    articles = articles_of_text(f"{line}\n{HEADLINE}\n2022-02-19 21:22 来源:新甘肃\n{BODY}\n")
    assert [(a.title, a.text) for a in articles] == [(HEADLINE, BODY)]
