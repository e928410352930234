"""One article's text with the indexes every project rule reads (sentences, paragraphs, clause breaks,
quantities, companies, captions), built once per article.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from econ_news.extract.amounts import Quantity
from econ_news.extract.doc import AnnotatedArticle
from econ_news.extract.entities import Place
from econ_news.extract.projects.lexicon import CLAUSE_BREAK, lexicon, words
from econ_news.records import Sentence
from econ_news.segment.sentences import split_sentences


@dataclass
class ProjectText:
    """An article's text with the indexes every rule uses, built once per article."""

    text: str
    sentence_starts: list[int]
    sentence_ends: list[int]
    paragraph_of_sentence: list[int]
    clause_breaks: list[int]  # positions of clause punctuation
    quantities: list[Quantity]
    quantity_starts: list[int]
    companies: list[Place]
    company_starts: list[int]
    caption_spans: list[tuple[int, int]]  # paragraphs that are only a bracketed photo caption
    in_company_name: bytearray  # 1 at every position inside a company name: one lookup instead of a scan
    pointers: list[re.Match[str]] | None = None  # find_anaphora's pointer words, found on its first call
    # The quantities a test keeps, with their starts, built on a test's first use: a long clause is read
    # by every name in it, and only the few kept quantities are walked then (see quantities_kept_in).
    # For a word list, at each position the least end of a listed word that starts there or later: whether
    # a word lies wholly inside a span is one lookup (has_word_within), not a search of the span.
    word_ends: dict[str, list[int]] = field(default_factory=dict)
    kept_quantities: dict[Callable, tuple[list[int], list[Quantity]]] = field(default_factory=dict)

    def sentence_index(self, pos: int) -> int:
        i = bisect_right(self.sentence_starts, pos) - 1
        return i if i > 0 else 0

    def sentence_span(self, pos: int) -> tuple[int, int]:
        i = self.sentence_index(pos)
        return self.sentence_starts[i], self.sentence_ends[i]

    def paragraph(self, pos: int) -> int:
        return self.paragraph_of_sentence[self.sentence_index(pos)]

    def clause_start(self, pos: int) -> int:
        i = bisect_left(self.clause_breaks, pos)
        return self.clause_breaks[i - 1] + 1 if i else 0

    def clause_end(self, pos: int) -> int:
        i = bisect_left(self.clause_breaks, pos)
        return self.clause_breaks[i] if i < len(self.clause_breaks) else len(self.text)

    def quantities_in(self, start: int, end: int) -> list[Quantity]:
        """The quantities that start at or after start and end by end (the starts are sorted)."""
        starts = self.quantity_starts
        return [q for q in self.quantities[bisect_left(starts, start) : bisect_left(starts, end)] if q.end <= end]

    def quantities_kept_in(self, test: Callable[[ProjectText, Quantity], bool], start: int, end: int
                           ) -> list[Quantity]:
        """quantities_in(start, end) that pass test, which reads only the quantity and the text."""
        if test not in self.kept_quantities:
            kept = [q for q in self.quantities if test(self, q)]
            self.kept_quantities[test] = ([q.start for q in kept], kept)
        starts, kept = self.kept_quantities[test]
        return [q for q in kept[bisect_left(starts, start) : bisect_left(starts, end)] if q.end <= end]

    def has_word_within(self, word_list: str, start: int, end: int) -> bool:
        """Whether a word of reference list word_list lies wholly inside text[start:end], as a search of the
        list's alternation between start and end would find."""
        if word_list not in self.word_ends:
            n = len(self.text)
            least = [n + 1] * (n + 2)
            for word in set(words()[word_list]):
                i = self.text.find(word)
                while i >= 0:
                    least[i] = min(least[i], i + len(word))
                    i = self.text.find(word, i + 1)
            for i in range(n - 1, -1, -1):
                least[i] = min(least[i], least[i + 1])
            self.word_ends[word_list] = least
        return start < end and self.word_ends[word_list][max(start, 0)] <= end

    def companies_in(self, start: int, end: int) -> list[Place]:
        """The companies that start at or after start and end by end (the starts are sorted)."""
        starts = self.company_starts
        return [c for c in self.companies[bisect_left(starts, start) : bisect_left(starts, end)] if c.end <= end]

    def in_company(self, pos: int) -> bool:
        return self.in_company_name[pos] == 1

    def in_caption(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.caption_spans)


def index_text(annotated: AnnotatedArticle) -> ProjectText:
    text = annotated.text
    sentences = list(annotated.sentences or split_sentences(text)) or [Sentence(0, len(text), 0)]
    quantities = sorted(annotated.quantities, key=lambda q: q.start)
    companies = sorted(annotated.companies, key=lambda c: c.start)
    caption = lexicon().caption
    captions = []
    pos = 0
    for line in text.split("\n"):
        if caption.match(line):
            captions.append((pos, pos + len(line)))
        pos += len(line) + 1
    in_company_name = bytearray(len(text))
    for c in companies:
        in_company_name[c.start : c.end] = b"\x01" * (c.end - c.start)
    return ProjectText(
        text=text,
        sentence_starts=[s.start for s in sentences],
        sentence_ends=[s.end for s in sentences],
        paragraph_of_sentence=[s.paragraph for s in sentences],
        clause_breaks=[m.start() for m in CLAUSE_BREAK.finditer(text)],
        quantities=quantities,
        quantity_starts=[q.start for q in quantities],
        companies=companies,
        company_starts=[c.start for c in companies],
        caption_spans=captions,
        in_company_name=in_company_name,
    )
