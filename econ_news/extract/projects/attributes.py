"""A project's attributes read around its mentions: investment, land area, capacity, company.
"""
from __future__ import annotations

from econ_news.extract.amounts import Quantity
from econ_news.extract.entities import Place
from econ_news.extract.projects.lexicon import BRANCH, CLAUSE_END, lexicon
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.merge import name_key
from econ_news.extract.projects.names import head_core
from econ_news.extract.projects.text import ProjectText


def is_investment_amount(doc: ProjectText, q: Quantity) -> bool:
    """总投资/计划投资 right before the amount, and not 完成投资 or 年度计划投资."""
    lex = lexicon()
    if not lex.investment_before.search(doc.text, max(0, q.start - 8), q.start):
        return False
    return not lex.not_investment_before.search(doc.text, max(0, q.start - 12), q.start)


def is_stated_investment(doc: ProjectText, q: Quantity) -> bool:
    return q.kind == "money" and q.value is not None and is_investment_amount(doc, q)


def investment_before_name(doc: ProjectText, start: int, end: int) -> Quantity | None:
    """总投资8.7亿元的 / 投资10亿元建设的 right before a name: that name's own investment."""
    for q in reversed(doc.quantities_kept_in(is_stated_investment, start, end)):
        if lexicon().amount_of_name.fullmatch(doc.text, q.end, end):
            return q
    return None


def investment_in(doc: ProjectText, start: int, end: int, before_name: bool = False) -> Quantity | None:
    """A project's total investment stated in text[start:end] (总投资13亿元): not a group total (a count of
    projects in its clause or the one before), a threshold (投资5亿元以上的), another name's prefix, or a
    completed or yearly amount."""
    text = doc.text
    for q in doc.quantities_kept_in(is_stated_investment, start, end):
        following = text[q.end : q.end + 1]
        if following == "的" or (q.qualifier == "以上" and following and following not in CLAUSE_END):
            continue
        if before_name and following not in CLAUSE_END + "、":
            continue
        clause_start = doc.clause_start(q.start)
        around = (doc.clause_start(clause_start - 1) if clause_start else 0, doc.clause_end(q.start))
        if any(c.kind == "count" and c.counter in lexicon().group_counters for c in doc.quantities_in(*around)):
            continue
        return q
    return None


def mention_investment(doc: ProjectText, m: Mention) -> Quantity | None:
    if m.investment is not None or m.list_id is not None:
        return m.investment
    outer_start = m.outer_start if m.outer_start is not None else m.start
    clause_start = doc.clause_start(outer_start)
    own = investment_before_name(doc, clause_start, outer_start)
    if own is not None:
        return own
    for a, b in m.scope[1:]:
        found = investment_in(doc, a, b)
        if found is not None:
            return found
    s_start, _ = doc.sentence_span(outer_start)
    if m.lead_from > s_start:
        return None  # an amount before an earlier name in the sentence is that name's
    return investment_in(doc, s_start, clause_start, before_name=True)


def land_area(doc: ProjectText, spans: list[tuple[int, int]]) -> Quantity | None:
    """占地面积100亩 -> 100 mu."""
    for a, b in spans:
        for q in doc.quantities_kept_in(is_land_area, a, b):
            return q
    return None


def is_land_area(doc: ProjectText, q: Quantity) -> bool:
    return (q.unit == "mu" and q.value is not None
            and lexicon().land_before.search(doc.text, max(0, q.start - 6), q.start) is not None)


def capacity(doc: ProjectText, name_start: int, name_end: int, spans: list[tuple[int, int]]) -> str | None:
    """A capacity as written: in the name (300MW/1200MWh, 年产8600吨) or after 规模/产能 in the text."""
    lex = lexicon()
    text = doc.text

    def written(qs: list[Quantity]) -> str | None:
        qs = [q for q in qs if q.kind == "quantity" and q.unit in lex.capacity_units]
        if not qs:
            return None
        start, end = qs[0].start, qs[0].end
        for q in qs[1:]:
            if text[end : q.start] in ("/", "、"):
                end = q.end
        prefix = lex.capacity_prefix.search(text, max(0, start - 4), start)
        return text[prefix.start() if prefix else start : end]

    from_name = written(doc.quantities_in(name_start, name_end))
    if from_name:
        return from_name
    for a, b in spans:
        for q in doc.quantities_kept_in(is_stated_capacity, a, b):
            return written([q])
    return None


def is_stated_capacity(doc: ProjectText, q: Quantity) -> bool:
    """A quantity after 规模/产能 (and a prefix such as 年产)."""
    lex = lexicon()
    lead_end = q.start
    prefix = lex.capacity_prefix.search(doc.text, max(0, q.start - 4), q.start)
    if prefix:
        lead_end = prefix.start()
    return lex.capacity_before.search(doc.text, max(0, lead_end - 6), lead_end) is not None


def company_near(doc: ProjectText, spans: list[tuple[int, int]]) -> str | None:
    """A company that builds the project (由中核集团投资建设的, 甲公司投资建设的), that it was agreed with
    (与徐州矿务集团进行了签约, 甘肃电投集团与庆阳市签约了) or whose officer speaks of it
    (武威华景领航电力有限公司总经理李民介绍说)."""
    lex = lexicon()
    text = doc.text
    for a, b in spans:
        for c in doc.companies_in(a, b):
            name, end = with_branch(doc, c)
            clause_before = text[doc.clause_start(c.start) : c.start]
            developer = lex.developer_after.match(text, end)
            if developer and (clause_before.endswith("由") or developer.group().endswith("的")):
                return name
            if lex.deal_after.match(text, end) and "与" in clause_before:
                return name
            if text.startswith("与", end) and lex.deal_verb.search(text, end, doc.clause_end(end)):
                return name
    for a, b in spans:
        for c in doc.companies_in(a, b):
            name, end = with_branch(doc, c)
            if lex.title_after.match(text, end) and not lex.builder_title.match(text, end):
                return name  # 中建八局西北公司项目经理: the builder, not the developer
    return None


def with_branch(doc: ProjectText, c: Place) -> tuple[str, int]:
    """中国电信股份有限公司 + 甘肃分公司: the company as written, with a branch that follows it."""
    branch = BRANCH.match(doc.text, c.end)
    return (doc.text[c.start : branch.end()], branch.end()) if branch else (c.name, c.end)


def speaker_company(doc: ProjectText, group: list[Mention], mentions: list[Mention]) -> str | None:
    """The sentence after a project's sentence is a quote in which the speaker calls the project theirs
    (“我们计划明年一季度上线首批算力。”甘肃陇原云智科技有限公司副总经理何文斌说): the speaker's company."""
    lex = lexicon()
    text = doc.text
    for m in group:
        if m.list_id is not None:
            continue
        k = doc.sentence_index(m.start) + 1
        if k >= len(doc.sentence_starts) or doc.paragraph_of_sentence[k] - doc.paragraph(m.start) > 1:
            continue
        start, end = doc.sentence_starts[k], doc.sentence_ends[k]
        lead = text[start:end].lstrip()
        close = text.find("”", start, end)
        if not lead.startswith("“") or close < 0 or any(start <= n.start < end for n in mentions):
            continue
        if not lex.first_person.search(text, start, close):
            continue
        speaker = (close + 1, end)
        if close + 1 >= end and k + 1 < len(doc.sentence_starts):
            speaker = (doc.sentence_starts[k + 1], doc.sentence_ends[k + 1])
        for c in doc.companies_in(*speaker):
            name, c_end = with_branch(doc, c)
            if lex.title_after.match(text, c_end) and not lex.builder_title.match(text, c_end):
                return name
    return None


def company_from_stem(doc: ProjectText, group: list[Mention]) -> str | None:
    """The company named after the project: 雅洁食品项目 -> 甘肃雅洁食品有限公司."""
    for m in group:
        stem = head_core(name_key(m.name))
        if len(stem) >= 3:
            for c in doc.companies:
                if stem in c.name and "项目" not in c.name:
                    return c.name
    return None
