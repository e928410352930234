"""Markup read as a browser reads it: markup in, the page's text blocks out.

Each case is a construction that HTML allows (or that a cut capture produces) and that a tag tokenizer
gets wrong; the expected blocks are what a reader of the rendered page sees.
"""
from __future__ import annotations

import pytest

from econ_news.normalize import normalize_document
from econ_news.normalize.markup import strip_markup
from econ_news.records import NormalizedDocument, RawDocument

BODY = "今年以来,全市签约项目23个,总投资140亿元。"


def blocks_of(page: str) -> list[tuple[str, str]]:
    doc = normalize_document(RawDocument.from_bytes("data/raw/page.html", page.encode("utf-8")))
    assert isinstance(doc, NormalizedDocument), doc
    return [(b.kind, b.text) for b in doc.blocks]


@pytest.mark.parametrize(
    "page, expected",
    [
        # an attribute value may hold > (and <): it is still the attribute, not text
        ('<p title="增长>10%">' + BODY + "</p>", [("paragraph", BODY)]),
        ("<p><a href=\"/x\" onclick=\"if(a>b){go()}\">" + BODY + "</a></p>", [("paragraph", BODY)]),
        ('<div><img alt="图片>项目现场" src="a.jpg"><p>' + BODY + "</p></div>", [("paragraph", BODY)]),
        ("<p data-x='<b>粗体</b>'>" + BODY + "</p>", [("paragraph", BODY)]),
        # a tag cut by the end of the capture is not text
        ("<p>" + BODY + "</p><di", [("paragraph", BODY)]),
        ("<p>" + BODY + '</p><a href="/news/2023', [("paragraph", BODY)]),
        ("<p>" + BODY + "</p><!-- 广告位", [("paragraph", BODY)]),
        # a comment may hold tags and text
        ("<!-- <p>旧版正文不显示。</p> --><p>" + BODY + "</p>", [("paragraph", BODY)]),
        # a script that holds markup in a string, and one cut off by the end of the capture
        ('<script>document.write("<p>广告文字</p>");</script><p>' + BODY + "</p>", [("paragraph", BODY)]),
        ("<p>" + BODY + "</p><script>var a = '<div>", [("paragraph", BODY)]),
        # entities, named and numeric, in text
        ("<p>凉州区&middot;古浪县&#x4E00;期项目投资&nbsp;12亿元。</p>", [("paragraph", "凉州区·古浪县一期项目投资12亿元。")]),
        # a navigation element the page never closes does not swallow the article
        ("<nav><a href='/'>首页</a><div><p>" + BODY + "</p></div>", [("paragraph", BODY)]),
        # a photo's caption is not article text, whatever it says
        ("<figure><img src='a.jpg'><figcaption>项目建设现场</figcaption></figure><p>" + BODY + "</p>", [("paragraph", BODY)]),
        # a navigation element it closes is dropped with its content
        ("<nav><a href='/'>首页</a><a href='/n'>新闻中心</a></nav><p>" + BODY + "</p>", [("paragraph", BODY)]),
    ],
)
def test_markup_constructions(page, expected):
    assert blocks_of(page) == expected


@pytest.mark.parametrize(
    "headline",
    [
        "<h1>总投资243亿元<br>嘉峪关市65个重点项目集中复工开工</h1>",
        "<h1>总投资243亿元<br/>\n  嘉峪关市65个重点项目集中复工开工</h1>",
        "<h1><span>总投资243亿元</span><br><span>嘉峪关市65个重点项目集中复工开工</span></h1>",
    ],
)
def test_headline_set_on_two_lines_is_one_title(headline):
    page = f"<html><body>{headline}<p>2022-02-19 21:22 来源:新甘肃</p><p>{BODY}</p></body></html>"
    assert blocks_of(page)[0] == ("heading", "总投资243亿元 嘉峪关市65个重点项目集中复工开工")


def test_headline_split_into_inline_pieces_stays_one_word():
    page = f"<h1><span>甘肃</span><span>天祝</span>重大工程集中开建</h1><p>{BODY}</p>"
    assert blocks_of(page)[0] == ("heading", "甘肃天祝重大工程集中开建")


def test_page_title_attribute_holding_markup_characters():
    page = '<html><head><title>项目&gt;集中开工 - 武威新闻网</title></head><body><p>' + BODY + "</p></body></html>"
    stripped = strip_markup(page)
    assert stripped.page_title == "项目>集中开工 - 武威新闻网"
    assert not stripped.has_headline


@pytest.mark.parametrize("charset", ["gbk", "big5", "iso-8859-1", "utf-16"])
def test_declared_charset_of_an_already_decoded_page_is_not_applied_again(charset):
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}"><meta charset="{charset}"></head><body><p>{BODY}</p></body></html>'
    assert blocks_of(page) == [("paragraph", BODY)]


def test_deeply_nested_markup_is_read_without_recursion_limits():
    page = "<div>" * 5000 + BODY + "</div>" * 5000
    assert BODY in strip_markup(page).text


@pytest.mark.parametrize(
    "page",
    ["<!-- only a comment -->", "<html></html>", "<p></p><br/>", '<?xml version="1.0" encoding="gbk"?><wml></wml>', "<p>\x00\x01</p>"],
)
def test_markup_with_no_text_gives_no_text(page):
    assert strip_markup(page).text.strip() in ("", "<!-- only a comment -->")
