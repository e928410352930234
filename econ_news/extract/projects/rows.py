"""One Project row from a group of mentions.
"""
from __future__ import annotations

from econ_news.extract import budget
from econ_news.extract.periods import PeriodMention
from econ_news.extract.projects.attributes import (
    capacity, company_from_stem, company_near, investment_in, land_area, mention_investment, speaker_company,
)
from econ_news.extract.projects.lexicon import RULE_ORDER, lexicon
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.merge import name_key
from econ_news.extract.projects.status import Masked, read_status, status_date
from econ_news.extract.projects.text import ProjectText
from econ_news.records import Article, Project, stable_id


def project_row(
    article: Article,
    doc: ProjectText,
    masked: Masked,
    group: list[Mention],
    anaphora: dict[int, list[tuple[int, int, bool]]],
    periods: list[PeriodMention],
    mentions: list[Mention],
) -> Project:
    budget.check("projects: rows")
    text = doc.text
    first = group[0]
    # The fullest formal name: the best rule, a name closed by 项目/工程, the longest.
    best = min(group, key=lambda m: (RULE_ORDER[m.rule], not lexicon().terminal_end.search(m.name), -len(m.name)))
    name = best.name.strip()
    spans = [span for m in group for span in m.scope]
    pointed = [(a, b) for m in group for a, b, _ in anaphora.get(m.start, [])]
    status = read_status(masked, group, pointed)
    investment = next((q for m in group if (q := mention_investment(doc, m)) is not None), None)
    if investment is None:
        investment = next((q for a, b in pointed if (q := investment_in(doc, a, b)) is not None), None)
    company = next((m.company for m in group if m.company), None) or company_from_stem(doc, group)
    if company is None:
        singles = [m for m in group if m.list_id is None]
        company = (company_near(doc, [span for m in singles for span in m.scope])
                   or company_near(doc, [doc.sentence_span(m.start) for m in singles])
                   or company_near(doc, pointed)
                   or speaker_company(doc, group, mentions))
    land = land_area(doc, spans + pointed)
    phase = lexicon().phase.search(name)
    e_start, e_end = doc.sentence_span(first.start)
    e_end = max(e_end, doc.sentence_span(first.end - 1)[1])  # a name broken across sentences
    return Project(
        project_id=stable_id(article.article_id, name_key(name)),
        article_id=article.article_id,
        name=name,
        company=company,
        investment_cny=investment.value if investment is not None and investment.unit == "CNY" else None,
        status=status.code if status else None,
        evidence=text[e_start:e_end],
        evidence_start=e_start,
        evidence_end=e_end,
        investment_qualifier=investment.qualifier if investment is not None else None,
        investment_currency=investment.unit if investment is not None and investment.unit != "CNY" else None,
        capacity=capacity(doc, best.start, best.end, spans + pointed),
        land_area_mu=land.value if land is not None else None,
        status_date=status_date(doc, status, periods),
        phase=phase.group() if phase else None,
        rule=first.rule,
    )
