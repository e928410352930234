"""Finding project candidates: each rule a finder over the article text.

listed (find_lists), included (find_enumerations), quoted (find_quoted), named (find_named),
defined (find_defined), alias (find_aliases). A candidate is not yet a project: see predicate.py.
Each rule and each guard that rejects a candidate has a name; its examples (what it finds, what it keeps
out) are in reference/project_words.json rule_examples, run by tests/test_rules.py.
"""
from __future__ import annotations

import re
from functools import cache

from econ_news.extract import budget
from econ_news.extract.entities import find_places
from econ_news.extract.projects.attributes import investment_before_name
from econ_news.extract.projects.lexicon import BARE_AMOUNT, CLAUSE_END, NOT_NAME, STRAY_LETTER, lexicon, words
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.merge import name_key
from econ_news.extract.projects.names import (
    cut_leaders, head_core, is_classifying_predicate, is_generic, name_run_start, opens_clause, strip_openers,
)
from econ_news.extract.projects.status import combine, status_hits, unmasked
from econ_news.extract.projects.text import ProjectText


def find_aliases(doc: ProjectText, mentions: list[Mention]) -> dict[str, Mention]:
    """甲高纯镍钴新材料一体化项目(以下简称“镍钴一体化项目”): the short form's key -> the mention of the full
    name. A mention of the short form inside the brackets is marked rule 'alias' (never the row's name)."""
    out: dict[str, Mention] = {}
    for a in lexicon().alias.finditer(doc.text):
        full = next((m for m in mentions if m.end == a.start() and m.list_id is None), None)
        if full is None:
            continue
        out[name_key(a.group("alias"))] = full
        for m in mentions:
            if a.start() <= m.start and m.end <= a.end():
                m.rule = "alias"
    return out


def find_lists(doc: ProjectText) -> list[list[Mention]]:
    """甲、乙等N个...项目 / 甲、乙2个省列重点项目 / 甲等一批重点公路: each item a project."""
    lex = lexicon()
    text = doc.text
    found = []
    for m in lex.list_tail.finditer(text):
        budget.check("projects: lists")
        if m.group("count") is not None and (m.start() == 0 or text[m.start() - 1] in CLAUSE_END + "、的个项"):
            continue  # without 等 a count closes a list only right after an item (甲、乙2个项目)
        mods = m.group("mods")
        stop = lex.modifier_stop.search(mods)
        if stop and stop.end() != len(mods):
            continue  # 等龙头企业, 等多个领域: not a group of projects
        if mods and not is_generic(lex.head.sub("", mods)):
            continue  # 等制约项目: the words before the group noun say something else
        count_after = lex.count_after.match(text, m.end()) is not None
        pieces: list[tuple[int, int]] = []
        pos = doc.clause_start(m.start())
        for piece in text[pos : m.start()].split("、"):
            inner = lex.inner_deng.search(piece) is not None
            if ("等" in piece and not inner) or any(
                    x.group() not in ("的", "等") for x in lex.leader.finditer(piece)):
                pieces = []  # earlier items belong to an earlier phrase (甲、乙等龙头企业带动丙、丁等项目)
            pieces.append((pos, pos + len(piece)))
            pos += len(piece) + 1
        pieces = join_inner_lists(text, pieces)
        if m.group("count") is not None and len(pieces) < 2:
            continue
        first_cut = cut_leaders(text, *pieces[0])[0]
        if lex.activity_leader.search(text, pieces[0][0], first_cut):
            continue  # rule listed.pieces_of_work: 进行路基土石方、涵洞等工程施工
        items = [item for a, b in pieces if (item := list_item(doc, a, b)) is not None]
        if not items or 2 * sum(len(it.name) <= 2 for it in items) > len(items):
            continue  # rule listed.words_not_names: 土地、资金、能耗、环评等项目建设制约障碍
        if count_after and len(items) < 2:
            continue  # rule listed.category_count: 城市更新及公共服务等项目11个
        group = combine(status_hits(unmasked(doc), m.start("mods"), m.end("mods")))
        for it in items:
            it.tail_from = m.end()
            it.group_status = group.code if group else None
        found.append(items)
    return found


def list_item(doc: ProjectText, start: int, end: int, rule: str = "listed") -> Mention | None:
    """A list item's name after its leaders and 总投资X的 prefix (its own investment). The item is the name
    as the list writes it; a company it starts with is also its company (正泰集团增量配电网)."""
    lex = lexicon()
    text = doc.text
    sep = lex.separator_prefix.match(text, start, end)
    if sep:
        start = sep.end()
    lead_end = end
    if lex.inner_deng.search(text, start, end):  # leaders come before the item's inner list
        lead_end = min(i for i in (text.find("、", start, end), text.find("等", start, end)) if i >= 0)
    cut, _ = cut_leaders(text, start, lead_end)
    investment = investment_before_name(doc, start, cut)
    start = strip_openers(text, cut, end)
    name = text[start:end]
    if (len(name) < 2 or lex.quantifier.match(name) or BARE_AMOUNT.fullmatch(name)
            or STRAY_LETTER.search(name) or is_generic(head_core(name))):
        return None  # also 高速公路 in 甲、乙等高速公路、丙等项目: a kind, not an item
    company = next((c.name for c in doc.companies_in(start, end) if c.start == start and end - c.end >= 2), None)
    return Mention(start, end, name, rule, company=company, investment=investment)


def join_inner_lists(text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """甲项目、年产1万吨钛、锆等稀有金属加工项目: an item with a 等 inside takes back the pieces before it that
    have no head noun of their own."""
    lex = lexicon()
    out: list[tuple[int, int]] = []
    for a, b in bounds:
        if lex.inner_deng.search(text, a, b):
            while out and text[out[-1][1] : a] == "、" and not lex.head_end.search(text, out[-1][0], out[-1][1]):
                a = out.pop()[0]
        out.append((a, b))
    return out


def find_enumerations(doc: ProjectText) -> list[list[Mention]]:
    """包括甲、乙,以及丙等。 about projects: each item a project, its status from the governing text."""
    lex = lexicon()
    text = doc.text
    found = []
    for m in lex.enumeration.finditer(text):
        budget.check("projects: enumerations")
        s_start, _ = doc.sentence_span(m.start())
        s_start = max(s_start, text.rfind(";", s_start, m.start()) + 1, text.rfind("；", s_start, m.start()) + 1)
        governing = (s_start, m.start())
        if "项目" not in text[s_start : m.start()]:
            i = doc.sentence_index(m.start())
            if i == 0 or doc.paragraph_of_sentence[i - 1] != doc.paragraph_of_sentence[i]:
                continue
            governing = (doc.sentence_starts[i - 1], doc.sentence_ends[i - 1])
            if "项目" not in text[governing[0] : governing[1]]:
                continue
        bounds = []
        last = m.start("body")
        for sep in lex.enumeration_split.finditer(text, last, m.end("body")):
            bounds.append((last, sep.start()))
            last = sep.end()
        bounds.append((last, m.end("body")))
        bounds = join_inner_lists(text, bounds)
        items = []
        for a, b in bounds:
            while a < b and text[a] in CLAUSE_END:
                a += 1
            item = list_item(doc, a, b, "included")
            if item is not None:
                item.tail_from, item.governing = m.end(), governing
                items.append(item)
        if len(items) >= 2:
            found.append(items)
    return found


def find_quoted(doc: ProjectText) -> list[Mention]:
    """海槿(张掖)生物燃料有限公司“10万吨绿色生物甲醇生产示范项目”."""
    lex = lexicon()
    out = []
    for m in lex.quoted.finditer(doc.text):
        name = m.group("name")
        if is_generic(head_core(name)) or lex.quantifier.match(name) or re.search(f"[{NOT_NAME}]", name):
            continue
        company = next((c.name for c in doc.companies if c.end == m.start()), None)
        out.append(Mention(m.start("name"), m.end("name"), name, "quoted", company=company, subject=True,
                            tail_from=m.end()))
    return out


COMPONENT_LEADERS = "component_leaders"  # the word list lexicon.component_leader alternates


@cache
def count_copula_reach() -> int:
    """How far back from a name lexicon.count_copula (N个项目分别是 + name) must be searched: a match ending
    at the name also matches from the last digit or numeral of its count on, so the search needs one
    numeral, a counter, 8 characters, a group head, 分别 and 是. Searching the whole clause instead reads
    it again for every name in it."""
    w = words()
    return 1 + max(map(len, w["list_counters"])) + 8 + max(map(len, w["list_group_heads"])) + len("分别是")


def find_named(doc: ProjectText) -> list[Mention]:
    """[company] name + head noun. Only the name's form is checked here; is_specific checks the evidence."""
    lex = lexicon()
    text = doc.text
    out: list[Mention] = []
    terminal_end = 0  # a name cannot run back through an earlier 项目/工程 (项目主体工程 is a part)
    for h in lex.head.finditer(text):
        budget.check("projects: named")
        head_start, head = h.start(), h.group()
        floor = terminal_end
        is_terminal = lex.terminal_end.search(head) is not None
        if is_terminal:
            terminal_end = h.end()
        # The tests below only read the text, so the cheap ones go first.
        if doc.in_company(head_start):
            continue  # 甘肃省公路航空旅游投资集团有限公司: a head noun inside a company name
        clause_start = doc.clause_start(head_start)
        run_start = name_run_start(doc, head_start, max(floor, clause_start))
        cut, leader = cut_leaders(text, run_start, head_start)
        if leader and (lex.rejecting_leader.search(text, run_start, cut) or (
                lex.location_leader.search(text, run_start, cut) and not is_terminal)):
            continue  # rules named.rejecting_leader, named.location_leader (but 引进落地甲项目 is a project)
        if leader == "的" and lex.designation_any.search(text, run_start, cut):
            continue  # rule named.designation: 成为关中西部首个投运的大型数据中心
        if (lex.location_preposition.search(text, run_start, cut) and lex.park_end.search(head)
                and not lex.site_after.match(text, h.end())):
            continue  # 甲项目一期在格尔木工业园正式投产: where it happens
        if doc.has_word_within(COMPONENT_LEADERS, clause_start, cut):
            continue  # rule named.component: 主要建设封装测试厂房、研发中心及配套设施
        start = strip_openers(text, cut, head_start)
        previous = out[-1] if out else None
        if text[start] in "和及与" and previous is not None and previous.end == start:
            start += 1  # 甲项目和乙项目: the conjunction is no part of the name
        company = max(doc.companies_in(start, h.start()), key=lambda c: c.end, default=None)
        name_start = company.end if company is not None else start
        name = text[name_start : h.end()]
        core = head_core(name)
        if not core or lex.quantifier.match(name) or is_generic(core) or core[-1] in "及和与或":
            continue
        if STRAY_LETTER.search(name) or (h.group() == "项目" and len(core) < 3):
            continue  # 制约项目, 从项目: 项目 as a common noun after a verb
        if not lex.terminal_end.search(name) and lex.coordinated.search(name, 0, len(name) - len(h.group())):
            continue  # 特色养生小镇和特色文化小镇: two things (甲基地及乙配套建设项目 is one)
        if lex.count_after.match(text, h.end()) or text.startswith("——", h.end()):
            continue  # rule named.category_count: 房地产项目8个; 全省首个...项目——甲项目: a description
        if is_classifying_predicate(doc, cut, h.end()):
            continue  # rule named.classifying_predicate
        if name.startswith("“") and (text[h.start() - 1] == "”" or is_generic(core[core.find("”") + 1 :])):
            continue  # rule named.slogan: 实施“培大育强”工程, “聚力中心化”重大项目
        counted = (previous is not None and previous.counted and previous.end == start - 1
                   and text[start - 1] in "和及与、")  # ...是甲项目和乙项目: the second of the named pair
        if not counted and lex.count_copula.search(text, max(clause_start, start - count_copula_reach()), start):
            counted = True
        out.append(Mention(name_start, h.end(), name, "named", company=company.name if company else None,
                            outer_start=start, tail_from=h.end(),
                            subject=not leader and opens_clause(doc, start), counted=counted))
        if counted:  # the text before the count says what the counted projects are (本次开工项目中,...)
            out[-1].governing = (doc.sentence_span(start)[0], doc.clause_start(start))
    # A name inside a longer one (风电基地 in 风电基地30万千瓦风电项目) is part of it. Names end where their
    # head nouns end, which come in text order, so only a later name can end after m: m is inside one when
    # the smallest outer start of the later names is at or before m's start.
    later_outer_start = [0] * len(out)
    smallest = len(text) + 1
    for i in range(len(out) - 1, -1, -1):
        later_outer_start[i] = smallest
        smallest = min(smallest, out[i].outer_start)
    return [m for i, m in enumerate(out) if not later_outer_start[i] <= m.start]


DEFINED_SUBJECT_STOPS = ",，;；:：。!！?？\n“”、"  # characters a subject before 是 cannot hold
DEFINED_SUBJECT_LENGTH = (2, 30)


def defined_subjects(text: str) -> list[tuple[int, int]]:
    """Spans of 甲 in 甲是...重点项目: the subjects (2 to 30 characters of one clause, no quotes or 、) that the
    pattern [^stops]{2,30}?是 + defined_tail would find scanning the text left to right. Tried at every
    position, that pattern re-reads the same 是... tail for each of the 30 starts before a 是; instead the
    tail is read once per 是, and a subject is the earliest start that reaches a 是 whose tail matches,
    from the end of the previous match on (the pattern's own leftmost, non-overlapping order)."""
    tail = lexicon().defined_tail
    shortest, longest = DEFINED_SUBJECT_LENGTH
    found = []
    pos = 0  # where the scan for the next match starts: the end of the previous one
    k = text.find("是", shortest)
    while k != -1:
        m = tail.match(text, k)
        if m is not None:
            window = max(pos, k - longest)
            stop = max(text.rfind(ch, window, k) for ch in DEFINED_SUBJECT_STOPS)
            start = max(window, stop + 1)
            if start <= k - shortest:
                found.append((start, k))
                pos = m.end()
        k = text.find("是", max(k + 1, pos + shortest))
    return found


def find_defined(doc: ProjectText) -> list[Mention]:
    """平山湖一号煤矿是...重点项目: the subject is a project although its name has no head noun."""
    lex = lexicon()
    text = doc.text
    out = []
    for start, end in defined_subjects(text):
        if start != doc.clause_start(start) and text[start - 1] not in "“”":
            continue
        if cut_leaders(text, start, end)[0] != start:
            continue
        start = strip_openers(text, start, end)
        name = text[start:end]
        if (len(name) < 3 or lex.quantifier.match(name) or lex.anaphor.fullmatch(name) or lex.head.search(name)
                or is_generic(name) or any(c.start <= start and c.end >= end for c in doc.companies)
                or any(p.start == 0 and p.end == len(name) for p in find_places(name))):
            continue  # also 张掖经开区是...: a place
        out.append(Mention(start, end, name, "defined", subject=True, tail_from=end))
    return out
