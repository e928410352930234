"""Whether a candidate is a project: is_project, a predicate of its own.

Quoted names closed by 项目/工程, list items, defined subjects and aliases are projects by their form;
a head-noun name needs evidence that it is one undertaking (a company, a capacity, an investment,
a site, a route, 是...重点项目, a status wording in its own clause or in a sentence pointing back).
"""
from __future__ import annotations

from econ_news.extract import budget
from econ_news.extract.projects.attributes import investment_in, mention_investment
from econ_news.extract.projects.lexicon import ROUTE, lexicon
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.status import Masked, has_status_hit
from econ_news.extract.projects.text import ProjectText


def is_project(doc: ProjectText, masked: Masked, m: Mention, pointed: list[tuple[int, int]]) -> bool:
    """Whether a candidate is a project (rule is_project.needs_evidence): by its form, or for a head-noun
    name by evidence (is_specific).
    pointed: spans of later sentences that point back to it explicitly (该项目...)."""
    return not needs_evidence(m) or is_specific(doc, masked, m, pointed)


def needs_evidence(m: Mention) -> bool:
    """Head-noun names need evidence; a quoted one only when its head is not 项目/工程 (灵活的“调节枢纽”)."""
    return m.rule == "named" or (m.rule == "quoted" and not lexicon().terminal_end.search(m.name))


def is_specific(doc: ProjectText, masked: Masked, m: Mention, pointed: list[tuple[int, int]]) -> bool:
    """Evidence that a head-noun name is one undertaking and not a kind of project. pointed: the spans of
    later sentences that point back to it with 该项目 and the like (目前该项目主体框架已基本完成)."""
    budget.check("projects: evidence")
    lex = lexicon()
    text = doc.text
    if m.company or m.counted or any(q.unit in lex.capacity_units for q in doc.quantities_in(m.start, m.end)):
        return True
    if lex.park_end.search(m.name) and not lex.site_after.match(text, m.end):
        after = text[m.end : doc.clause_end(m.end)]
        if ("项目" in after or "企业" in after) and any(
                q.kind == "count" and q.counter in lex.group_counters for q in doc.quantities_in(m.end, m.end + len(after))):
            return False  # 产业园区已累计落地算力项目21个: the place that hosts projects
    if lex.site_after.match(text, m.end) or ROUTE.search(m.name) or lex.key_project.match(text, m.end):
        return True
    if mention_investment(doc, m) is not None:
        return True
    own_clause = [(doc.clause_start(m.start), m.start), (m.end, doc.clause_end(m.end))]
    if any(has_status_hit(masked, a, b) for a, b in own_clause + pointed):
        return True
    return any(investment_in(doc, a, b) is not None for a, b in pointed)
