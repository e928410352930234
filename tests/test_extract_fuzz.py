"""Fuzzing the extractor with mutations of real pages: cut, splice, duplicate, swap and drop lines and clauses.

Generated characters (tests/test_properties.py) rarely reach the constructions a rule is written for; a
real page cut in the middle of a sentence, two pages spliced, a paragraph duplicated or lines swapped do,
and they put a rule's inputs in orders no page has shown it (a breakdown amount with no figure before it,
a list with no heading). Each mutation goes through normalize -> segment -> extract_article and must:
raise nothing, give evidence equal to text[evidence_start:evidence_end], and return any rule failure as a
recorded RuleFailure inside the article's span.

The seeds are the pages bundled in the repository (data/raw, tests/fixtures/holdout/raw). A longer local
campaign adds more pages and examples through the environment (the held-out dev2 d2_2xx pages stay out):

    FUZZ_EXAMPLES=2000 FUZZ_LOG=/tmp/fuzz.jsonl FUZZ_RAW_DIRS=/work/shared/corpus/seeds/raw:/work/shared/corpus/dev/raw:/work/wt/dev2_1xx/raw \
        .venv/bin/python -m pytest -q tests/test_extract_fuzz.py
"""
from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from econ_news.extract.article import extract_article
from econ_news.normalize import normalize_document
from econ_news.records import RawDocument, Reject
from econ_news.segment import segment_document

REPO = Path(__file__).resolve().parents[1]
SEED_DIRS = [REPO / "data" / "raw", REPO / "tests" / "fixtures" / "holdout" / "raw"]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "300"))
# a campaign's log: one JSON line per mutation tried, with the page and its rule failures when it has any
LOG = os.environ.get("FUZZ_LOG")


@cache
def seed_pages() -> tuple[str, ...]:
    dirs = SEED_DIRS + [Path(p) for p in os.environ.get("FUZZ_RAW_DIRS", "").split(":") if p]
    pages = []
    for directory in dirs:
        for path in sorted(directory.iterdir()):
            if path.is_file() and not path.name.startswith("d2_2"):  # dev2 d2_2xx pages are held out
                pages.append(path.read_bytes().decode("utf-8", errors="replace"))
    assert pages, "no seed pages found"
    return tuple(pages)


def _cut(lines: list[str], data: st.DataObject) -> list[str]:
    """The page cut at any character: the end of a page lost, or its beginning."""
    text = "\n".join(lines)
    at = data.draw(st.integers(0, len(text)))
    return (text[:at] if data.draw(st.booleans()) else text[at:]).split("\n")


def _splice(lines: list[str], data: st.DataObject) -> list[str]:
    """Lines of another page inserted at any line, possibly cut inside a line."""
    other = data.draw(st.sampled_from(seed_pages())).split("\n")
    a = data.draw(st.integers(0, len(other)))
    b = data.draw(st.integers(a, min(len(other), a + 12)))
    at = data.draw(st.integers(0, len(lines)))
    piece = other[a:b]
    if piece and data.draw(st.booleans()):
        piece[0] = piece[0][data.draw(st.integers(0, len(piece[0]))):]
    return lines[:at] + piece + lines[at:]


def _duplicate(lines: list[str], data: st.DataObject) -> list[str]:
    a = data.draw(st.integers(0, len(lines)))
    b = data.draw(st.integers(a, min(len(lines), a + 6)))
    return lines[:b] + lines[a:b] + lines[b:]


def _swap(lines: list[str], data: st.DataObject) -> list[str]:
    if len(lines) < 2:
        return lines
    i, j = data.draw(st.integers(0, len(lines) - 1)), data.draw(st.integers(0, len(lines) - 1))
    lines = list(lines)
    lines[i], lines[j] = lines[j], lines[i]
    return lines


def _drop(lines: list[str], data: st.DataObject) -> list[str]:
    a = data.draw(st.integers(0, len(lines)))
    b = data.draw(st.integers(a, min(len(lines), a + 4)))
    return lines[:a] + lines[b:]


def _cut_inside_line(lines: list[str], data: st.DataObject) -> list[str]:
    """One line cut at a character and joined to the next: a sentence that runs into another."""
    if len(lines) < 2:
        return lines
    i = data.draw(st.integers(0, len(lines) - 2))
    at = data.draw(st.integers(0, len(lines[i])))
    return lines[:i] + [lines[i][:at] + lines[i + 1]] + lines[i + 2:]


_CLAUSE_END = re.compile(r"[，,。；;：:、]")


def _clauses(line: str) -> list[str]:
    """The line cut after each clause mark, marks kept: joined again they give the line."""
    cuts = [m.end() for m in _CLAUSE_END.finditer(line)]
    return [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)]) if a < b]


def _splice_clauses(lines: list[str], data: st.DataObject) -> list[str]:
    """Clauses of another page inserted between two clauses of a line: a figure read after a wording,
    a list or a breakdown it has never followed (签约金额120亿元, + 其中工业项目(80亿元))."""
    if not lines:
        return lines
    other = [c for line in data.draw(st.sampled_from(seed_pages())).split("\n") for c in _clauses(line)]
    if not other:
        return lines
    a = data.draw(st.integers(0, len(other) - 1))
    piece = other[a:a + data.draw(st.integers(1, 3))]
    i = data.draw(st.integers(0, len(lines) - 1))
    clauses = _clauses(lines[i])
    at = data.draw(st.integers(0, len(clauses)))
    return lines[:i] + ["".join(clauses[:at] + piece + clauses[at:])] + lines[i + 1:]


def _swap_clauses(lines: list[str], data: st.DataObject) -> list[str]:
    if not lines:
        return lines
    i = data.draw(st.integers(0, len(lines) - 1))
    clauses = _clauses(lines[i])
    if len(clauses) < 2:
        return lines
    j, k = data.draw(st.integers(0, len(clauses) - 1)), data.draw(st.integers(0, len(clauses) - 1))
    clauses[j], clauses[k] = clauses[k], clauses[j]
    return lines[:i] + ["".join(clauses)] + lines[i + 1:]


MUTATIONS = [_cut, _splice, _duplicate, _swap, _drop, _cut_inside_line, _splice_clauses, _swap_clauses]


@st.composite
def mutated_pages(draw) -> str:
    data = draw(st.data())
    lines = draw(st.sampled_from(seed_pages())).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        lines = draw(st.sampled_from(MUTATIONS))(lines, data)
    return "\n".join(lines)


def check_page(text: str) -> list[str]:
    """Run one page through the stages and check the extract contract; returns the rule failures recorded."""
    doc = normalize_document(RawDocument.from_bytes("fuzz.txt", text.encode("utf-8")))
    if isinstance(doc, Reject):
        assert doc.reason
        return []
    failures = []
    for article in segment_document(doc):
        got = extract_article(article)
        for row in [*got.projects, *got.metrics]:
            assert article.text[row.evidence_start:row.evidence_end] == row.evidence
            assert row.article_id == article.article_id
        for failure in got.failures:
            assert failure.rule and failure.error
            assert 0 <= failure.start <= failure.end <= len(article.text)
        failures += [f"{failure.rule}: {failure.error}" for failure in got.failures]
    return failures


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_pages())
def test_mutated_real_pages_never_raise_and_keep_evidence(text):
    failures = check_page(text)
    if LOG:  # a campaign counts the failures over all its mutations
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"failures": failures, "page": text if failures else None},
                                 ensure_ascii=False) + "\n")
    else:  # recorded, not raised; but a recorded failure is still a bug of a rule, shown with its page
        assert not failures, failures
