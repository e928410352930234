"""segment: blocks -> articles, and sentence offsets; checked on fixtures and on the real pages."""
from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from econ_news.normalize import normalize_document
from econ_news.records import Block, NormalizedDocument, RawDocument, stable_id
from econ_news.segment import segment_document, split_sentences

FIXTURES = Path(__file__).parent / "fixtures" / "normalize"


def articles_of_bytes(data: bytes, uri: str = "data/raw/test.txt"):
    doc = normalize_document(RawDocument.from_bytes(uri, data))
    assert isinstance(doc, NormalizedDocument), doc
    return segment_document(doc)


def articles_of(*blocks: Block):
    return segment_document(NormalizedDocument("data/raw/t.txt", "abc", "utf-8", False, tuple(blocks)))


def heading(text: str, level: int = 0) -> Block:
    return Block("heading", text, level)


def para(text: str) -> Block:
    return Block("paragraph", text)


def meta(text: str, stated: date | None = None) -> Block:
    return Block("meta", text, published_date=stated)


# --- sentences ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, sentences",
    [
        ("甲乙。丙丁!戊己?庚", [("甲乙。", 0), ("丙丁!", 0), ("戊己?", 0), ("庚", 0)]),
        ("他说:“项目已开工。”随后离开。", [("他说:“项目已开工。”", 0), ("随后离开。", 0)]),
        ("投资12亿元;年产值3.5亿元。", [("投资12亿元;年产值3.5亿元。", 0)]),
        ("第一段没有句号\n 第二段。 ", [("第一段没有句号", 0), ("第二段。", 1)]),
        ("惊人！！真的吗？是的", [("惊人！！", 0), ("真的吗？", 0), ("是的", 0)]),
        ("一。\n\n三。", [("一。", 0), ("三。", 2)]),
    ],
)
def test_split_sentences(text, sentences):
    got = split_sentences(text)
    assert [(text[s.start : s.end], s.paragraph) for s in got] == sentences


def test_sentence_offsets_cover_the_article_text():
    article = articles_of_bytes((FIXTURES / "two_articles.txt").read_bytes())[0]
    pieces = [article.sentence_text(s) for s in article.sentences]
    assert "".join(pieces) == article.text.replace("\n", "")
    assert all(p == p.strip() and p for p in pieces)


# --- grouping -----------------------------------------------------------------------------


def test_two_articles_in_one_file():
    first, second = articles_of_bytes((FIXTURES / "two_articles.txt").read_bytes())
    assert (first.title, first.published_date, first.date_source, first.byline) == (
        "酒泉市签约新能源项目12个 总投资86亿元", date(2024, 5, 20), "stated", "记者 李明",
    )
    assert first.text.endswith("计划年内开工建设。") and "分享到" not in first.text
    assert (second.title, second.published_date) == ("嘉峪关工业园区一季度完成产值45亿元", date(2024, 4, 12))
    assert second.text.startswith("一季度,嘉峪关工业园区")
    assert [a.ordinal for a in (first, second)] == [0, 1]
    assert not first.is_fragment and not second.is_fragment


def test_file_that_starts_with_the_tail_of_another_page():
    tail, article = articles_of_bytes((FIXTURES / "page_tail.txt").read_bytes())
    assert (tail.title, tail.is_fragment, tail.published_date) == (None, True, None)
    assert tail.text == "项目建成后可实现年产值3亿元,带动就业200余人。"  # the (编辑:...) line is furniture
    assert (article.title, article.is_fragment, article.published_date) == ("张掖市重点项目建设提速", False, date(2023, 9, 1))
    assert article.text.endswith("全市在建项目共计215个,较去年同期增加18个。")  # the wrapped line is rejoined


def test_article_ids_are_stable_and_follow_the_file_hash():
    data = (FIXTURES / "two_articles.txt").read_bytes()
    first_run = articles_of_bytes(data)
    second_run = articles_of_bytes(data, uri="s3://bucket/elsewhere/two_articles.txt")
    assert [a.article_id for a in first_run] == [a.article_id for a in second_run]
    assert first_run[0].article_id == stable_id(first_run[0].doc_sha256, 0)
    assert len({a.article_id for a in first_run}) == 2


def test_section_heading_stays_in_the_body_and_does_not_split():
    articles = articles_of(
        heading("甘州:招商引资交出“硬核”答卷"), meta("2023-07-11 来源:甘州区融媒体中心", date(2023, 7, 11)),
        para("上半年,全区落实到位资金47.59亿元。"), heading("项目建设快马加鞭"), para("连日来,项目现场一派繁忙。"),
    )
    assert len(articles) == 1
    assert articles[0].text == "上半年,全区落实到位资金47.59亿元。\n项目建设快马加鞭\n连日来,项目现场一派繁忙。"


def test_file_without_title_is_one_untitled_article_even_with_a_mid_text_heading():
    articles = articles_of(para("今年以来,一批央地合作项目取得积极进展。"), heading("200多个央地合作项目建设快马加鞭"), para("近年来,合作不断深化。"))
    assert [(a.title, a.is_fragment) for a in articles] == [(None, False)]
    assert "200多个央地合作项目建设快马加鞭" in articles[0].text


def test_level_one_heading_and_heading_with_stamp_open_articles():
    articles = articles_of(
        heading("第一篇", level=1), para("正文一。"), heading("第二篇", level=1), para("正文二。"),
        heading("第三篇"), meta("来源:某某日报"), para("正文三。"),
    )
    assert [(a.title, a.text) for a in articles] == [("第一篇", "正文一。"), ("第二篇", "正文二。"), ("第三篇", "正文三。")]


def test_subtitle_under_title_is_not_body_and_banner_yields_to_headline():
    articles = articles_of(
        heading("甘肃日报", level=1), heading("金昌12个项目开工", level=1), heading("——总投资24亿元"),
        meta("来源:甘肃日报", date(2020, 8, 24)), para("8月21日,金昌市重点项目开工。"),
    )
    assert [(a.title, a.text, a.published_date) for a in articles] == [("金昌12个项目开工", "8月21日,金昌市重点项目开工。", date(2020, 8, 24))]


# A government or media site prints its own name above the breadcrumb and the headline; normalize drops the
# breadcrumb, so the banner and the headline reach segment as two headings with a stamp under the second.
SITE_BANNERS = [
    ("张掖市人民政府", "甘州区一季度新签约项目23个"),
    ("酒泉市人民政府门户网站", "敦煌光热电站并网发电"),
    ("平凉市发展和改革委员会", "静宁苹果产业园二期开工"),
    ("白银区融媒体中心", "白银区上半年经济运行稳中有进"),
    ("金昌新闻网", "金昌经开区再添新能源材料项目"),
]


@pytest.mark.parametrize("banner, headline", SITE_BANNERS)
def test_site_banner_yields_to_the_headline_after_it(banner, headline):
    articles = articles_of(heading(banner), heading(headline), meta("发布时间:2024-05-06 来源:本站", date(2024, 5, 6)),
                           para("5月5日,项目现场一派繁忙。"))
    assert [(a.title, a.published_date) for a in articles] == [(headline, date(2024, 5, 6))]


def test_site_banner_with_breadcrumb_on_a_raw_page():
    page = (
        "首页 | 政务公开 | 政务服务 | 互动交流\n嘉峪关市人民政府\n当前位置:首页 > 新闻中心 > 部门动态\n"
        "嘉峪关工业园区新签约项目12个\n发布时间:2024-06-18 09:00  来源:市工信局\n\n"
        "今年以来,嘉峪关工业园区新签约项目12个,签约金额35亿元。\n"
    ).encode("utf-8")
    [article] = articles_of_bytes(page)
    assert (article.title, article.published_date) == ("嘉峪关工业园区新签约项目12个", date(2024, 6, 18))


def test_a_banner_alone_stays_the_title_and_a_headline_is_never_a_banner():
    assert articles_of(heading("天水市人民政府"), para("正文。"))[0].title == "天水市人民政府"
    articles = articles_of(heading("兰州新区管委会召开项目推进会"), heading("——部署下半年工作"),
                           meta("来源:兰州新区", date(2024, 7, 2)), para("正文。"))
    assert articles[0].title == "兰州新区管委会召开项目推进会"


def test_date_above_the_title_is_page_chrome_not_the_stamp():
    articles = articles_of(meta("2025-03-28", date(2025, 3, 28)), heading("甘州:招商引资交出“硬核”答卷"), para("今年以来,全区成效明显。"))
    assert (articles[0].title, articles[0].published_date) == ("甘州:招商引资交出“硬核”答卷", None)


def test_title_site_suffix_is_stripped():
    assert articles_of(heading("2512亿元!甘肃一季度重大项目集中开工_CmsTop"), para("正文。"))[0].title == "2512亿元!甘肃一季度重大项目集中开工"


def test_blocks_without_body_give_no_article():
    assert articles_of(heading("只有标题"), meta("来源:某某")) == []


@pytest.mark.parametrize(
    "title, lead, rest, expected",
    [
        ("金昌市2020年第四批重点项目开工", "中国甘肃网8月24日讯 据甘肃经济日报报道,项目开工。", "", date(2020, 8, 24)),
        (None, "3月11日上午,耒阳市举行2022年重大项目集中签约仪式。", "", date(2022, 3, 11)),
        ("甘州招商成效显著", "7月5日,签约仪式在兰州举行。", "全区2023年上半年落实到位资金47.59亿元。", date(2023, 7, 5)),
        ("甘州招商成效显著", "7月5日,签约仪式在兰州举行。", "2022年增长10%,2023年增长12%。", None),  # two years: not certain
        ("甘州招商成效显著", "7月5日,签约仪式在兰州举行。", "", None),  # no year anywhere
        ("2020年项目建设综述", "今年以来,全市项目建设成效明显。", "", None),  # no dateline
        ("2021年项目建设综述", "2月30日,项目开工。", "", None),  # no such day
    ],
)
def test_date_inferred_from_dateline_and_a_single_stated_year(title, lead, rest, expected):
    blocks = ([heading(title)] if title else []) + [para(lead)] + ([para(rest)] if rest else [])
    article = articles_of(*blocks)[0]
    assert article.published_date == expected
    assert article.date_source == ("inferred" if expected else None)


# --- the real pages -----------------------------------------------------------------------


def _nfkc(text: str | None) -> str:
    return unicodedata.normalize("NFKC", text or "")


def _gold_articles(split: str) -> list[tuple[Path, dict]]:
    from tests.conftest import shared_corpus

    folder = shared_corpus(split)
    rows = [json.loads(line) for line in (folder / "gold" / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(folder / "raw" / row["doc"], row) for row in rows]


@pytest.mark.parametrize("split", ["seeds", "dev"])
def test_real_pages_give_one_article_with_the_gold_title_and_date(split):
    for path, gold in _gold_articles(split):
        articles = articles_of_bytes(path.read_bytes(), uri=str(path))
        assert len(articles) == 1, path.name
        article = articles[0]
        assert _nfkc(article.title) == _nfkc(gold["title"]), path.name  # full-width ！ is unified to !
        if gold.get("published_date"):
            assert str(article.published_date) == gold["published_date"], path.name
        assert article.text and article.sentences, path.name


@pytest.mark.parametrize(
    "doc, fragments",
    [
        ("000_", ["中控室员工各司其职", "加快发展。"]),
        ("002_", ["银西产业园的甘肃银高储能", "全力打造“办事效率最高"]),
        ("004_", ["中小企业12户", "正式破土动工", "酪蛋白酸钠等产品"]),
        ("001_", ["张掖经开区立足发展基础", "经开区排名131位"]),
    ],
)
def test_real_pages_broken_words_are_rejoined(doc, fragments):
    path = next(p for p, _ in _gold_articles("seeds") if p.name.startswith(doc))
    text = articles_of_bytes(path.read_bytes())[0].text
    for fragment in fragments:
        assert fragment in text


def test_real_page_widget_date_is_not_the_publication_date():
    path = next(p for p, _ in _gold_articles("seeds") if p.name.startswith("003_"))
    article = articles_of_bytes(path.read_bytes())[0]
    assert (article.published_date, article.date_source, article.byline) == (date(2023, 7, 11), "stated", "记者 张玲")


def test_menu_lines_above_an_h1_headline_do_not_become_the_title():
    page = (
        "<html><body><ul><li><a href='/'>首页</a></li><li><a href='/n'>新闻中心</a></li></ul>"
        "<div>首页 | 新闻 | 政务公开 | 专题</div><h1>武威市重点项目观摩活动举行</h1>"
        "<p>观摩项目共计18个,总投资96.5亿元。</p></body></html>"
    )
    articles = articles_of_bytes(page.encode("utf-8"))
    assert [(a.title, a.text) for a in articles] == [("武威市重点项目观摩活动举行", "观摩项目共计18个,总投资96.5亿元。")]
