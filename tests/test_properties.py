"""Property-based tests: normalize, segment and extract never raise on arbitrary input, and every offset
they produce is valid (evidence == article text[start:end])."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econ_news.extract.article import extract_article
from econ_news.normalize import normalize_document
from econ_news.records import Article, NormalizedDocument, RawDocument, Reject, stable_id
from econ_news.segment import segment_document, split_sentences

# Tokens that steer generated text into the constructions the extractors look for.
TOKENS = ["亿元", "万元", "元", "同比增长", "下降", "%", "项目", "个", "项", "家", "户", "企业", "2023年", "1-6月",
          "1月—9月", "上半年", "今年以来", "去年", ",", "，", "。", "、", ";", "\n", "\n\n", "经开区", "全市", "全省",
          "有限公司", "签约", "开工", "建成投产", "总投资", "约", "近", "逾", "等", "“", "”", "(", ")", "甘州区",
          "张掖市", "甘肃省", "地区生产总值", "到位资金", "工业总产值", "亿", "万", "一", "二十", "两千", "▲",
          "<p>", "</p>", "&nbsp;", "經(jīng)", "來源:", "日期:2024-10-15", "# ", "ICP备"]
chinese_text = st.lists(st.one_of(st.sampled_from(TOKENS), st.integers(0, 99999).map(str),
                                  st.decimals(0, 10000, places=2).map(str), st.text(max_size=6)),
                        max_size=80).map("".join)
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_article(article: Article) -> None:
    for s in article.sentences:
        assert 0 <= s.start <= s.end <= len(article.text)
    projects, metrics, failures = extract_article(article)
    assert failures == []  # no rule raises on any input
    for row in [*projects, *metrics]:
        assert article.text[row.evidence_start:row.evidence_end] == row.evidence
        assert row.article_id == article.article_id


@PROPERTY_SETTINGS
@given(st.binary(max_size=2000))
def test_normalize_never_raises_on_bytes(data):
    got = normalize_document(RawDocument.from_bytes("x.bin", data))
    assert isinstance(got, (NormalizedDocument, Reject))


@PROPERTY_SETTINGS
@given(chinese_text, st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_pipeline_stages_never_raise_and_keep_offsets_valid(text, encoding):
    got = normalize_document(RawDocument.from_bytes("page.txt", text.encode(encoding, errors="ignore")))
    if isinstance(got, Reject):
        assert got.reason
        return
    for article in segment_document(got):
        _check_article(article)


@PROPERTY_SETTINGS
@given(chinese_text)
def test_extract_never_raises_on_any_body(text):
    article = Article(stable_id(text), "x.txt", "sha", 0, None, None, None, None, text, split_sentences(text))
    _check_article(article)


@PROPERTY_SETTINGS
@given(chinese_text)
def test_sentences_cover_the_text_in_order(text):
    sentences = split_sentences(text)
    ends = [0] + [s.end for s in sentences]
    assert all(a <= s.start for a, s in zip(ends, sentences))
    for s in sentences:
        assert text[s.start:s.end] == text[s.start:s.end].strip()
        assert "\n" not in text[s.start:s.end]
