"""Extraction stays linear in the text on pathological pages, and a page that is still too slow becomes a
recorded `time_budget_exceeded` reject instead of holding its batch.

No timing is asserted except generous growth bounds that catch quadratic steps: each input is read at n
and 4n characters, and the larger must take less than 8 times the smaller (a quadratic step takes 16
times), plus a little slack for timer noise on tiny figures.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from econ_news.extract.article import extract_article
from econ_news.pipeline import extract_batch
from econ_news.records import Article, stable_id
from econ_news.segment import split_sentences

REPO = Path(__file__).resolve().parents[1]


def _article(text: str, name: str = "scaling") -> Article:
    return Article(
        article_id=stable_id(name, text[:50], str(len(text))), source_uri=f"file:///{name}.txt",
        doc_sha256=stable_id("sha", name, str(len(text))), ordinal=0, title="标题", published_date=None,
        date_source=None, byline=None, text=text, sentences=split_sentences(text),
    )


def _real_paragraphs() -> list[str]:
    """The body paragraphs of the bundled sample pages (real news text)."""
    paragraphs = []
    for page in sorted((REPO / "data" / "raw").glob("*.txt")):
        paragraphs += [p.strip() for p in page.read_text(encoding="utf-8").split("\n") if len(p.strip()) > 40]
    assert paragraphs
    return paragraphs


def _repeated_paragraphs(n: int) -> str:
    paragraphs = _real_paragraphs()
    out, size, i = [], 0, 0
    while size < n:
        out.append(paragraphs[i % len(paragraphs)])
        size += len(out[-1]) + 1
        i += 1
    return "\n".join(out)


PATHOLOGICAL = {
    # a run of digits after a project word: the list pattern re-read the run from every digit (n^2)
    "digit run": lambda n: "甘州区项目" + "1" * n + "个。",
    "numeral run": lambda n: "甘州区项目" + "十" * n + "个。",
    "run of 、": lambda n: "甲项目" + "、" * n + "等3个项目已开工。",
    "run of 等": lambda n: "项目" + "等" * n + "。",
    # one paragraph of figures whose subject (全市) stands for nothing: each figure walked back over all
    "metric sentences": lambda n: "".join(f"全市地区生产总值完成{i % 97 + 1}亿元,同比增长3%。" for i in range(n // 24)),
    "repeated real paragraphs": _repeated_paragraphs,
    # thousands of project names in one clause: each name was merged against every earlier one, and read
    # the clause up to it (leaders, count copula, investments, capacity, scope) from the clause start
    "enumeration of distinct names": lambda n: "、".join(f"甲{i}项目" for i in range(n // 5)) + "等项目已开工。",
    "one name repeated": lambda n: "、".join("甲乙项目" for _ in range(n // 5)) + "等项目已开工。",
    "names run together": lambda n: "".join(f"甲{i}项目" for i in range(n // 5)) + "已开工。",
    # no punctuation: every name's scope was the whole run, so it read every status word of the run
    "unpunctuated run": lambda n: "".join(f"甲{i}项目开工" for i in range(n // 7)) + "。",
    # each 该项目 scanned every mention for its antecedent
    "many anaphors": lambda n: "".join(f"甲{i}项目已开工,该项目总投资3亿元。" for i in range(n // 20)),
}
# Sizes that keep the quadratic versions failing in seconds (not minutes) and the linear ones well above
# timer noise.
SIZES = {"repeated real paragraphs": 50_000, "metric sentences": 20_000, "enumeration of distinct names": 2500,
         "names run together": 2500, "unpunctuated run": 2000}


def _cpu_seconds(text: str) -> float:
    article = _article(text)
    best = float("inf")
    for _ in range(2):
        started = time.thread_time()
        extract_article(article)
        best = min(best, time.thread_time() - started)
    return best


@pytest.mark.parametrize("kind", list(PATHOLOGICAL))
def test_extraction_time_grows_linearly(kind):
    build = PATHOLOGICAL[kind]
    n = SIZES.get(kind, 10_000)
    _cpu_seconds(build(1000))  # warm-up: reference data and compiled patterns load once per process
    small, large = _cpu_seconds(build(n)), _cpu_seconds(build(4 * n))
    assert large < 8 * small + 0.3, f"{kind}: {n} chars {small:.3f}s, {4 * n} chars {large:.3f}s"


def _many_project_names(n: int) -> str:
    """Thousands of project names in one clause: linear now, but still far slower than a small budget."""
    return "、".join(f"甲{i}项目" for i in range(n // 5)) + "等项目已开工。"


def test_article_over_its_time_budget_becomes_a_reject_and_the_batch_goes_on():
    slow = _article(_many_project_names(20_000), "slow")
    normal = _article("甘州区民乐县智慧物流园项目已经竣工,总投资3亿元。", "normal")
    started = time.monotonic()
    projects, metrics, rejects = extract_batch([slow, normal], budget_seconds=0.2)
    assert time.monotonic() - started < 30  # unbudgeted, the slow page alone takes minutes
    assert [(r.stage, r.reason, r.source_uri, r.sha256) for r in rejects] == [
        ("extract", "time_budget_exceeded", slow.source_uri, slow.doc_sha256)]
    assert slow.article_id in rejects[0].detail and "0.2 s" in rejects[0].detail
    assert {p.article_id for p in projects} == {normal.article_id}
    assert any(p.name.endswith("智慧物流园项目") for p in projects)


def test_default_budget_leaves_ordinary_articles_alone():
    text = _repeated_paragraphs(5_000)
    projects, metrics, rejects = extract_batch([_article(text)])
    assert rejects == []
    assert (projects, metrics, []) == tuple(extract_article(_article(text)))
