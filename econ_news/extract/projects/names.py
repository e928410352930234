"""Where a name starts and ends, and whether a phrase only classifies (重点项目) rather than names.
"""
from __future__ import annotations

from functools import lru_cache

from econ_news.extract.entities import find_places
from econ_news.extract.projects.lexicon import CLAUSE_END, NAME_RUN, QUOTES, lexicon
from econ_news.extract.projects.text import ProjectText


def name_run_start(doc: ProjectText, head_start: int, floor: int) -> int:
    """Leftmost start of the characters a name can be made of, ending where its head noun starts. floor is
    at or after the start of the head noun's clause."""
    m = NAME_RUN.search(doc.text, floor, head_start)
    return m.start() if m else head_start


def cut_leaders(text: str, start: int, end: int) -> tuple[int, str]:
    """The name's start after the last leader word in text[start:end], and that leader ('' if none)."""
    last = None
    for last in lexicon().leader.finditer(text, start, end):
        pass
    return (last.end(), last.group()) if last else (start, "")


def strip_openers(text: str, start: int, end: int) -> int:
    """Skip leading dates, framing words (目前, 该市, 我省) and superlatives (全省首个)."""
    lex = lexicon()
    while start < end:
        m = lex.opener.match(text, start, end) or lex.superlative.match(text, start, end)
        if not m or m.end() == start:
            break
        start = m.end()
    return start


@lru_cache(maxsize=8192)
def is_generic(core: str) -> bool:
    """True when a name only classifies: 重点项目, 省列重点建设项目, 张掖市2020年第一季度重点项目."""
    lex = lexicon()
    places = [p for p in find_places(core) if p.start == 0]
    m = lex.place_prefix.match(core)
    cut = max([p.end for p in places] + [m.end() if m else 0])
    if len(core) > cut:
        core = core[cut:]
    while core:
        m = lex.generic_token.match(core)
        if not m or not m.group():
            break
        core = core[m.end() :]
    return not core


@lru_cache(maxsize=8192)
def head_core(name: str) -> str:
    """The name without its closing head nouns and phase words: what says which project it is."""
    lex = lexicon()
    last = None
    for last in lex.head.finditer(name):
        pass
    if last is not None and last.end() == len(name):
        name = name[: last.start()]
    return lex.phase.sub("", name)


def opens_clause(doc: ProjectText, pos: int) -> bool:
    """Nothing but quotes and dating words between the clause start and pos."""
    start = doc.clause_start(pos)
    while start < pos and doc.text[start] in QUOTES:
        start += 1
    return strip_openers(doc.text, start, pos) == pos


def is_classifying_predicate(doc: ProjectText, cut: int, end: int) -> bool:
    """甲项目是...的重点支撑项目, / 甲项目,是...民生工程; : a head-noun phrase after 是 that closes its clause
    classifies the subject. When the subject is only a count (最大的两个项目是甲项目和乙项目) it names it."""
    text = doc.text
    if end < len(text) and text[end] not in CLAUSE_END:
        return False
    clause_start = doc.clause_start(cut)
    copula = text.find("是", clause_start, cut)
    if copula < 0:
        return False
    subject_start = doc.clause_start(clause_start - 1) if copula == clause_start and clause_start else clause_start
    subject_end = copula if copula > clause_start else max(subject_start, clause_start - 1)
    subject = text[cut_leaders(text, subject_start, subject_end)[0] : subject_end]
    lex = lexicon()
    if lex.anaphor.match(subject):
        return True  # 该项目是...示范项目
    if lex.ordinal_subject.fullmatch(subject):
        return False  # 一是甲项目,总投资32亿元: the items of a numbered list
    return not (lex.quantifier.match(subject) or is_generic(head_core(subject)))
