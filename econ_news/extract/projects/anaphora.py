"""Later sentences that point back to a project (该项目, a clause-initial 项目).
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate

from econ_news.extract import budget
from econ_news.extract.projects.lexicon import BARE_ANAPHORS, CLAUSE_END, lexicon
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.text import ProjectText


def is_common_noun(text: str, a: re.Match[str]) -> bool:
    """A bare 项目 points back only at the start of a clause (the character before it is clause punctuation
    or an opening quote), and not in 项目建设 / 项目审批."""
    pos = a.start()
    return a.group() in BARE_ANAPHORS and (
        (pos > 0 and text[pos - 1] not in CLAUSE_END and text[pos - 1] != "“")
        or lexicon().compound_after_anaphor.match(text, a.end()) is not None)


def find_anaphora(doc: ProjectText, mentions: list[Mention]) -> dict[int, list[tuple[int, int, bool]]]:
    """Sentences that point back to a project (该项目总投资25亿元; “项目位于...”): the antecedent's start ->
    the spans to read, each marked explicit when the pointer is 该项目-like rather than a bare 项目. The
    antecedent is the last subject named earlier in the paragraph, else the last project named in it or in
    the paragraph before; items of lists are never antecedents."""
    lex = lexicon()
    text = doc.text
    # Indexes instead of scans (mentions are in text order, and so are their paragraphs): each pointer is
    # resolved by bisection, not by reading every mention.
    starts = [m.start for m in mentions]
    reach = list(accumulate((m.end for m in mentions), max))  # the furthest end of mentions[:k + 1]
    singles = [m for m in mentions if m.list_id is None]
    single_starts = [m.start for m in singles]
    single_paragraphs = [doc.paragraph(m.start) for m in singles]
    last_subject: list[int] = []  # the index of the last subject among singles[:k + 1], or -1
    for k, m in enumerate(singles):
        last_subject.append(k if m.subject else (last_subject[-1] if k else -1))
    out: dict[int, list[tuple[int, int, bool]]] = {}
    if doc.pointers is None:  # they depend on the text only, and the mentions are read twice
        doc.pointers = [a for a in lex.anaphor.finditer(text) if not is_common_noun(text, a)]
    for a in doc.pointers:
        budget.check("projects: anaphora")
        pos = a.start()
        k = bisect_right(starts, pos)
        if k and reach[k - 1] > pos:
            continue  # inside a name
        # Not inside a name, so every single starting before the pointer also ends before it.
        paragraph = doc.paragraph(pos)
        k = bisect_right(single_starts, pos) - 1
        if k < 0 or paragraph - single_paragraphs[k] > 1:
            continue
        subject = last_subject[k]
        if subject >= 0 and single_paragraphs[subject] == paragraph:
            antecedent = singles[subject]  # the last subject named earlier in the paragraph
        else:
            antecedent = singles[k]  # the last single named in it or in the paragraph before
        phase, own_phase = lex.phase.match(text, a.end()), lex.phase.search(antecedent.name)
        if phase and own_phase and phase.group() != own_phase.group():
            continue  # 甲项目二期...;项目一期已并网发电: another phase of it
        s_start, s_end = doc.sentence_span(a.start())
        named_here = mentions[bisect_left(starts, s_start) : bisect_left(starts, s_end)]
        start = a.end() if named_here else s_start
        end = min([s_end] + [doc.clause_start(m.start) for m in named_here if m.start > a.start()])
        for b in lex.anaphor.finditer(text, a.end(), end):
            if b.start() == doc.clause_start(b.start()):
                end = b.start()  # 该项目二期...;项目一期...: the next pointer reads its own clauses
                break
        explicit = a.group() not in BARE_ANAPHORS
        spans = out.setdefault(antecedent.start, [])
        spans.append((start, end, explicit))
        k = doc.sentence_index(a.start()) + 1
        if (end == s_end and text[s_end - 1] == "”" and k < len(doc.sentence_starts)
                and doc.paragraph_of_sentence[k] == paragraph
                and bisect_left(starts, doc.sentence_starts[k]) == bisect_left(starts, doc.sentence_ends[k])):
            spans.append((doc.sentence_starts[k], doc.sentence_ends[k], explicit))  # who speaks the quote
    return out
