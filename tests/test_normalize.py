"""normalize: bytes -> typed blocks, on short inputs of our own and on the real pages."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from econ_news.normalize import normalize_document
from econ_news.normalize.script import strip_pinyin, to_simplified, unify_punctuation
from econ_news.records import NormalizedDocument, RawDocument, Reject

FIXTURES = Path(__file__).parent / "fixtures" / "normalize"
SAMPLE = "张掖经开区完成工业总产值67.5亿元,同比增长2%。\n"


def normalize(data: bytes, **kwargs) -> NormalizedDocument | Reject:
    return normalize_document(RawDocument.from_bytes("data/raw/test.txt", data), **kwargs)


def blocks_of(text: str) -> list[tuple[str, str]]:
    doc = normalize(text.encode("utf-8"))
    assert isinstance(doc, NormalizedDocument), doc
    return [(b.kind, b.text) for b in doc.blocks]


def texts_of(text: str) -> list[str]:
    return [t for _, t in blocks_of(text)]


# --- decoding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, encoding",
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("utf-16"), "utf-16"),  # with its BOM
        (b"\xfe\xff" + SAMPLE.encode("utf-16-be"), "utf-16"),
        (SAMPLE.encode("gbk"), "gb18030"),
        (SAMPLE.encode("gb2312"), "gb18030"),
        (SAMPLE.encode("gb18030"), "gb18030"),
    ],
)
def test_decodes_common_encodings(data, encoding):
    doc = normalize(data)
    assert isinstance(doc, NormalizedDocument)
    assert doc.encoding == encoding
    assert doc.blocks[0].text == SAMPLE.strip()


def test_pages_in_two_encodings_glued_together_are_decoded_line_by_line():
    data = "甘州区成功签约招商引资项目23个。\n".encode("utf-8") + SAMPLE.encode("gbk")
    doc = normalize(data)
    assert doc.encoding == "utf-8+gb18030"
    assert [b.text for b in doc.blocks] == ["甘州区成功签约招商引资项目23个。", SAMPLE.strip()]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected_not_called_binary(codec):
    doc = normalize((SAMPLE * 4).encode(codec))
    assert isinstance(doc, NormalizedDocument)
    assert doc.encoding == codec
    assert doc.blocks[0].text.startswith(SAMPLE.strip())


def test_page_declaring_big5_is_read_as_big5():
    text = "<html><head><meta charset=big5></head><body><p>遼寧大連項目集中開工建設,總投資910.1億元。</p></body></html>"
    doc = normalize(text.encode("big5"))
    assert doc.encoding == "big5"
    assert doc.converted_script
    assert doc.blocks[0].text == "辽宁大连项目集中开工建设,总投资910.1亿元。"


@pytest.mark.parametrize("codec", ["utf-8", "gbk"])
def test_truncated_multibyte_tail_loses_only_the_cut_character(codec):
    data = (SAMPLE.strip() + "张掖").encode(codec)[:-1]
    doc = normalize(data)
    assert isinstance(doc, NormalizedDocument)
    assert doc.blocks[0].text == SAMPLE.strip() + "张"


@pytest.mark.parametrize(
    "data, kwargs, reason",
    [
        (b"", {}, "empty_file"),
        (b" \r\n\t \n", {}, "empty_file"),
        (b"\xef\xbb\xbf", {}, "empty_file"),
        (SAMPLE.encode("utf-8") * 10, {"max_bytes": 100}, "oversized"),
        (bytes(range(256)) * 8, {}, "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), {}, "binary"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 40 + b"abc", {}, "binary"),
        (b"\x80\xff" * 50, {}, "undecodable"),
        (b"<html><head><script>var x = 1;</script></head><body><script>alert(1)</script></body></html>", {}, "no_text"),
        ("<div>版权所有:某某日报社 陇ICP备05003420号</div>".encode("utf-8"), {}, "no_text"),
    ],
)
def test_rejects_say_why(data, kwargs, reason):
    got = normalize(data, **kwargs)
    assert isinstance(got, Reject)
    assert (got.stage, got.reason) == ("normalize", reason)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_never_raises_on_arbitrary_bytes(data):
    assert isinstance(normalize(data), (NormalizedDocument, Reject))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_arbitrary_text(text):
    got = normalize(text.encode("utf-8"))
    assert isinstance(got, (NormalizedDocument, Reject))


# --- character level ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("張掖經(jīng)開區(qū)", "張掖經開區"),
        ("產(chǎn)業(yè)體系", "產業體系"),
        ("鏈?zhǔn)桨l(fā)展", "鏈桨l展"),  # a damaged capture: "?" for "(", "l" for 發
        ("海槿(张掖)生物燃料", "海槿(张掖)生物燃料"),
        ("风电项目(甘州段)现场", "风电项目(甘州段)现场"),
        ("“2+6”产业(2+6)", "“2+6”产业(2+6)"),
        ("关注(sinafinance)", "关注(sinafinance)"),
        ("国内生产总值(GDP)", "国内生产总值(GDP)"),
    ],
)
def test_strip_pinyin_only_removes_tone_marked_syllables(text, expected):
    assert strip_pinyin(text) == expected


@pytest.mark.parametrize(
    "text, expected, converted",
    [
        ("張掖經開區聚力打造現代產業體系", "张掖经开区聚力打造现代产业体系", True),
        ("遼寧大連:257個項目集中開工建設", "辽宁大连:257个项目集中开工建设", True),
        ("张掖经开区聚力打造现代产业体系", "张掖经开区聚力打造现代产业体系", False),
        ("乾隆年间的干部于是著书", "乾隆年间的干部于是著书", False),  # simplified text that uses 乾 and 著
    ],
)
def test_to_simplified_runs_only_on_traditional_text(text, expected, converted):
    assert to_simplified(text) == (expected, converted)


def test_unify_punctuation_keeps_chinese_marks():
    text = "总投资１２．５亿元，同比增长３％！（含一期）：“项目”、《规划》【一】——……。"
    assert unify_punctuation(text) == "总投资12.5亿元,同比增长3%!(含一期):“项目”、《规划》【一】——……。"


def test_traditional_page_is_converted_after_pinyin_removal():
    doc = normalize("張掖經(jīng)開區(qū)產(chǎn)業(yè)加快發(fā)展。".encode("utf-8"))
    assert doc.converted_script
    assert doc.blocks[0].text == "张掖经开区产业加快发展。"


# --- markup -------------------------------------------------------------------------------


def test_html_page_keeps_headline_stamp_and_paragraphs_only():
    doc = normalize((FIXTURES / "html_page.html").read_bytes())
    assert [(b.kind, b.level) for b in doc.blocks] == [
        ("heading", 1), ("meta", 0), ("paragraph", 0), ("paragraph", 0), ("paragraph", 0),
    ]
    assert doc.blocks[0].text == "武威市举行重点项目观摩活动"
    assert doc.blocks[1].published_date == date(2022, 6, 8)
    assert doc.blocks[2].text.endswith("总投资96.5亿元。")  # &nbsp; before a number goes
    assert "凉州区·古浪县" in doc.blocks[3].text  # &middot;
    everything = "\n".join(b.text for b in doc.blocks)
    for leftover in ("<", ">", "&", "不是正文", "color", "首页", "分享到", "ICP"):
        assert leftover not in everything


def test_wml_card_headline_and_page_title_fallback():
    wml = (
        '<?xml version="1.0"?><wml><card title="甘肃项目开工_CmsTop"><p><big>甘肃一季度重大项目集中开工</big></p>'
        '<p align="right">2023-02-13 09:36</p><p>今天上午,集中开工活动举行。<br/>'
        '<a href="x">查看原图</a></p></card></wml>'
    )
    doc = normalize(wml.encode("utf-8"))
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "甘肃一季度重大项目集中开工"), ("meta", "2023-02-13 09:36"), ("paragraph", "今天上午,集中开工活动举行。"),
    ]
    no_headline = "<html><head><title>武威市重点项目观摩活动 - 武威新闻网</title></head><body><p>观摩项目18个。</p></body></html>"
    doc = normalize(no_headline.encode("utf-8"))
    assert (doc.blocks[0].kind, doc.blocks[0].text) == ("heading", "武威市重点项目观摩活动")


# --- furniture, captions, metadata --------------------------------------------------------

BODY = "今年以来,全市签约项目23个,总投资140亿元。"


@pytest.mark.parametrize(
    "furniture_line",
    [
        "陇ICP备05003420号-1 甘肃省互联网新闻信息服务许可证",
        "版权所有:中共张掖市委 张掖市人民政府",
        "甘公网安备 62070202000150号 网络视听许可证2811617号",
        "主管单位:中共甘州区委宣传部 主办单位:甘州区融媒体中心",
        "联系我们 | 关于我们 | 版权申明 | 网站地图",
        "技术支持:甘肃新媒体集团九色鹿技术公司",
        "分享到微博",
        "分享到:",
        "打印本页",
        "查看原图",
        "责任编辑:何凡",
        "(编辑:王芳)",
        "附件:",
        "您所在的位置:首页>>新闻中心>>甘肃新闻>>张掖>>正文",
        "首页 > 资讯 > 甘肃 >",
        "公元 月 农历 年 [ 年 ]",
        "2025年03月28日 () ~",
        "VIP课程推荐",
        "APP专享直播",
        "收起24小时滚动播报最新的财经资讯和视频,更多粉丝福利扫描二维码关注(sinafinance)",
        '0 w; _- G2 b+ P$ b( ]6 t2 y',
        "8 T. _! e. n S1 U |",
        "|",
        "……",
        "▲绿色已成为凉州高质量发展的鲜明底色。",
        "▼凉州区农特产品亮相节会。",
        "(武漳公路)",
        "(年产5000吨",
        "张掖市2020年第一季度重点项目集中开工仪式 杨艳敏 摄",
        "兰州新区北站物流园。兰州新区报记者 丁凯",
    ],
)
def test_furniture_and_caption_lines_are_dropped(furniture_line):
    assert texts_of(f"{BODY}\n\n{furniture_line}\n\n{BODY}") == [BODY, BODY]


@pytest.mark.parametrize(
    "line",
    [
        "企业取得排污许可证后正式开工建设。",  # 许可证 in a sentence is not a licence footer
        "项目采用3D打印技术,年产值达1.5亿元。",
        "老字号企业焕发新活力,销售额增长12%。",
        "当天,记者从省发改委获悉,全省新开工项目41个。",
    ],
)
def test_sentences_that_mention_furniture_words_stay(line):
    assert texts_of(f"{BODY}\n\n{line}") == [BODY, line]


def test_noise_after_a_sentence_is_cut():
    assert texts_of(f'{BODY} " w" \\0 }}( B6 T% K; i') == [BODY]


@pytest.mark.parametrize(
    "line, kind, stated",
    [
        ("2023-07-11 22:08:06 编辑:宋子飞 责任编辑:王睿 审核:李晓霞 来源:甘州区融媒体中心", "meta", date(2023, 7, 11)),
        ("來源:日期:2024-10-15", "meta", date(2024, 10, 15)),
        ("(2020/3/24 9:57:32)  来源:凤凰网甘肃综合  打印本页", "meta", date(2020, 3, 24)),
        ("來源:中國新聞網 ? 2021-09-23 13:00:38", "meta", date(2021, 9, 23)),
        ("来源:咸宁日报 日期:2020-05-23 字号: 分享到:", "meta", date(2020, 5, 23)),
        ("2023-02-13 09:36", "meta", date(2023, 2, 13)),
        ("2023年7月11日 星期二", "meta", date(2023, 7, 11)),
        ("转自:中工网", "meta", None),
        ("陈海 李鑫 王瑾", "byline", None),
        ("记者 张玲", "byline", None),
        ("兰州日报社全媒体记者 赵万山", "byline", None),
    ],
)
def test_stamp_and_byline_lines_under_a_title(line, kind, stated):
    doc = normalize(f"项目建设快马加鞭\n{line}\n{BODY}".encode("utf-8"))
    block = doc.blocks[1]
    assert (block.kind, block.published_date) == (kind, stated)
    assert "打印本页" not in block.text and "分享到" not in block.text and "字号" not in block.text


def test_byline_split_over_two_lines_is_one_byline():
    assert blocks_of(f"园区招商 打造发展新高地\n\n新甘肃·甘肃日报记者\n谢晓玲 彭莹 徐俊勇\n\n{BODY}")[:2] == [
        ("heading", "园区招商 打造发展新高地"), ("byline", "新甘肃·甘肃日报记者 谢晓玲 彭莹 徐俊勇"),
    ]


def test_original_title_gives_the_headline_and_subtitle_is_metadata():
    kinds = blocks_of(f"原标题:1至9月全省签约招商引资项目3989个(主题)\n签约金额9433.27亿元 同比增长29.84%(副题)\n{BODY}")
    assert kinds[:2] == [("heading", "1至9月全省签约招商引资项目3989个"), ("meta", "签约金额9433.27亿元 同比增长29.84%")]
    under_headline = blocks_of(f"金昌市重点项目开工 12个项目总投资24亿元\n原标题:金昌市重点项目开工\n12个项目总投资24亿元\n{BODY}")
    assert [k for k, _ in under_headline] == ["heading", "meta", "meta", "paragraph"]


def test_related_news_list_is_dropped():
    text = f"{BODY}\n相关新闻\n- 2020-08-20金昌市测评大会侧记\n- 2020-08-21金昌市年中测评大会召开\n金昌市举行"
    assert texts_of(text) == [BODY]


@pytest.mark.parametrize(
    "line, kind",
    [
        ("## “走出去”到“引进来”", "heading"),
        ("一、聚焦“2+6”产业定位,标注产业培育新航标", "heading"),
        ("加强要素保障,不断提升发展能级", "heading"),
        ("平凉:招商引资“势如虹” 项目建设“春潮涌”", "heading"),
        ("冬日,走进位于白银西区经济开发区的产业园。", "paragraph"),
        ("营商环境“优”无止境。", "paragraph"),
    ],
)
def test_heading_or_paragraph(line, kind):
    assert blocks_of(f"{BODY}\n\n{line}\n\n{BODY}")[1][0] == kind


# --- rejoining ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, joined",
    [
        ("车间内机声隆隆,发酵罐不停运行,中控室员工\n\n各司其职紧盯电脑。", "车间内机声隆隆,发酵罐不停运行,中控室员工各司其职紧盯电脑。"),
        ("企业安心投资,持续生产,加快\n\n发展。", "企业安心投资,持续生产,加快发展。"),
        ("冬日,走进位于白银西区经济开发区银西\n\n产业园的甘肃银高储能科技有限公司。", "冬日,走进位于白银西区经济开发区银西产业园的甘肃银高储能科技有限公司。"),
        ("5月下旬,储能电站项目正\n\n式破土动工。", "5月下旬,储能电站项目正式破土动工。"),
        ("全力打造“办\n\n事效率最高”的营商环境。", "全力打造“办事效率最高”的营商环境。"),
        ("嘉峪关工业园区新型储能电池Pack\nline项目开工。", "嘉峪关工业园区新型储能电池Pack line项目开工。"),
    ],
)
def test_broken_paragraph_is_rejoined(text, joined):
    assert texts_of(f"{BODY}\n\n{text}") == [BODY, joined]


def test_caption_and_credit_between_two_halves_are_dropped_and_halves_joined():
    text = (
        f"{BODY}\n\n采取银团贷款、股权投资等方式,有效激发社会资本的投资\n\n\n\n"
        "平凉市泾河川现代农业产业园的工人采摘无土栽培技术种植的乳瓜、串西红柿。该园区引进省水省肥、节省人工的无土栽培技术种植蔬菜,取得良好效果。\n\n"
        "新甘肃·甘肃日报通讯员 黄蔚林\n\n活力,形成多元化投融资机制。"
    )
    assert texts_of(text) == [BODY, "采取银团贷款、股权投资等方式,有效激发社会资本的投资活力,形成多元化投融资机制。"]


def test_photo_credit_at_the_end_keeps_the_full_paragraph_before_it():
    last = "该项目总投资25亿元、规划面积1.2万亩,是该县“一区四园”规划布局的重要组成部分。目前,已有100亩孵化园厂房封顶,20多家企业等待进驻。"
    text = f"{BODY}\n\n{last}\n\n咸宁日报全媒体记者 陈红菊   通讯员 杨清 刘雯 摄\n\n责任编辑:何凡"
    assert texts_of(text) == [BODY, last]


def test_headings_and_finished_sentences_are_not_joined():
    assert texts_of(f"{BODY}\n\n项目建设快马加鞭\n\n连日来,项目现场一派繁忙。") == [BODY, "项目建设快马加鞭", "连日来,项目现场一派繁忙。"]


# --- the real pages -----------------------------------------------------------------------

_TRADITIONAL_SAMPLE = re.compile("[經開區產業發這個項設資與為國來]")
_FURNITURE_WORDS = ("ICP", "版权", "许可证", "分享到", "编辑:", "责任编辑", "查看原图", "打印本页", "&nbsp;", "<", ">")
_PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]+\)")


def real_pages() -> list[Path]:
    from tests.conftest import shared_corpus

    return sorted((shared_corpus("seeds") / "raw").glob("*.txt")) + sorted((shared_corpus("dev") / "raw").glob("*.txt"))


def test_real_pages_come_out_clean():
    for path in real_pages():
        doc = normalize_document(RawDocument.from_bytes(str(path), path.read_bytes()))
        assert isinstance(doc, NormalizedDocument), (path.name, doc)
        text = "\n".join(b.text for b in doc.blocks if b.kind in ("heading", "paragraph"))
        assert not _PINYIN.search(text), path.name
        assert not _TRADITIONAL_SAMPLE.search(text), path.name
        assert not any(word in text for word in _FURNITURE_WORDS), path.name
        assert "▲" not in text and "▼" not in text, path.name
        assert " 摄" not in text and "日报记者 田璞" not in text, path.name


def test_short_last_paragraph_before_a_closing_photo_credit_is_kept():
    text = f"{BODY}\n\n20多家企业等待进驻,重点发展绿色制造业。\n\n记者 陈红菊 摄"
    assert texts_of(text) == [BODY, "20多家企业等待进驻,重点发展绿色制造业。"]


def test_short_caption_with_credit_inside_the_article_is_dropped():
    text = f"{BODY}\n\n甘肃富地日用玻璃生产项目生产现场。\n\n新甘肃·甘肃日报记者 田璞\n\n{BODY}"
    assert texts_of(text) == [BODY, BODY]


@pytest.mark.parametrize("separator", ["\n", "\n\n"])
def test_hard_wrapped_text_is_put_back_together(separator):
    paragraphs = [
        "张掖市2020年第一季度重点项目集中开工仪式23日在该市华为大数据中心二期项目现场举行。通过前期扎实的工作和充分准备,当天集中开工项目371个,总投资677.2亿元。",
        "据了解,当天集中开工的项目涉及农业及生态、基础设施、生态工业、文化旅游、社会民生、商贸物流等多个领域,包括“华为张掖云计算大数据中心二期”等。",
        "就项目规模而言,总投资10亿元以上项目16项,5亿至10亿元项目19项,1亿至5亿元项目116项,5000万至1亿元项目60项。",
    ]
    width = 24
    wrapped = separator.join("\n".join(p[i : i + width] for i in range(0, len(p), width)) for p in paragraphs)
    title = "张掖371个重点项目集中开工 总投资677.2亿元"  # as long as a wrapped line: still the title
    doc = normalize(f"{title}\n{wrapped}".encode("utf-8"))
    assert [b.text for b in doc.blocks] == [title] + paragraphs
