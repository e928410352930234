"""Investment projects an article names: one row per distinct project.

How a project is found (Project.rule is the rule of the project's first mention):

* ``quoted``   a quoted name ending in a project head noun:
               海槿(张掖)生物燃料有限公司“10万吨绿色生物甲醇生产示范项目”.
* ``named``    [company] name + head noun (项目, 工程, 铁路, 水库, 产业园 ...) that the text marks as one
               undertaking: a status wording in its clause, an investment, a company prefix, a capacity in
               the name, a route (甲至乙公路), 现场 right after it, or 是...重点项目 after it.
* ``listed``   甲、乙等N个...项目 + status: each item is a project, with its own 总投资X的 prefix as its
               investment. Lists of 企业 and the count itself are not projects.
* ``included`` 包括甲、乙,以及丙等。 in or after a sentence about projects (当天集中开工的项目...).
* ``defined``  甲是...重点项目: 甲 is a project although its name has no head noun.
* ``alias``    甲项目(以下简称“乙”): the short form joins 甲's row and is never its name.

Numbered lines under a heading that ends in a colon (...的项目有6个:\n一是甲项目,总投资32亿元;) take their
status from the heading; 最大的两个项目是甲项目和乙项目 names both. A start stated for a project stays its
status when its completion is only expected (正式开工建设。该项目预计2026年建成投产), and a trial going on beats
a finished-building participle (新建成的甲项目正在调试).

A mention's status is the most advanced wording in its clause and the rest of its sentence (预计/计划/将
+ 投产 means still under construction; 建成后将 is no state); a list item's status also comes from its
group noun (35项已签约项目). Later sentences that point back with 该项目 / 项目 / 该电站 (same or next
paragraph) add investment, land area, status and a company whose officer speaks. Mentions of one project
(with and without company prefix or 项目, a short form, an abbreviation) become one row.

Word lists live in econ_news/reference/project_words.json and status_words.json; the regexes are built
from them once (lexicon.py). The package, one module per concern, in the order extract_projects runs them:

    text.py        the article's text indexed once (sentences, clauses, quantities, companies, captions)
    candidates.py  the finders: listed, included, quoted, named, defined, alias
    names.py       where a name starts and ends; whether a phrase only classifies (重点项目)
    scope.py       the text each mention reads its status and figures from, and its governing heading
    anaphora.py    later sentences pointing back (该项目)
    predicate.py   is_project: whether a candidate is a project
    status.py      status reading: hits in a scope, then one precedence (combine)
    attributes.py  investment, land area, capacity, company
    merge.py       mentions of one project grouped into one row
    rows.py        the Project row of a group
"""
from __future__ import annotations

from econ_news.extract.doc import AnnotatedArticle
from econ_news.extract.failures import apply_rule
from econ_news.extract.projects.anaphora import find_anaphora
from econ_news.extract.projects.candidates import (
    find_aliases, find_defined, find_enumerations, find_lists, find_named, find_quoted,
)
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.merge import merge_mentions
from econ_news.extract.projects.predicate import is_project
from econ_news.extract.projects.rows import project_row
from econ_news.extract.projects.scope import set_scopes
from econ_news.extract.projects.status import masked_text
from econ_news.extract.projects.text import index_text
from econ_news.records import Project

# The finders run after lists, in order; a mention overlapping an earlier one is dropped. A finder that
# raises loses its own mentions only (extract/failures.py).
FINDERS = [find_quoted, find_named, find_defined]


def extract_projects(annotated: AnnotatedArticle) -> list[Project]:
    """The projects the article names, one row per distinct project."""
    article = annotated.article
    if not article.text:
        return []
    doc = index_text(annotated)
    whole = (0, len(article.text))

    def apply(rule, span, fallback, step):
        return apply_rule(annotated.failures, rule, span, fallback, step)

    mentions: list[Mention] = []
    lists = apply("find_lists", whole, [], lambda: find_lists(doc))
    listed = [(m.start, m.end) for items in lists for m in items]
    lists += [items for items in apply("find_enumerations", whole, [], lambda: find_enumerations(doc))
              if not any(m.start < b and a < m.end for m in items for a, b in listed)]
    for list_id, items in enumerate(lists, 1):
        for m in items:
            m.list_id = list_id
        mentions.extend(items)
    for finder in FINDERS:
        taken = [(m.start, m.end) for m in mentions]
        found = apply(finder.__name__, whole, [], lambda: finder(doc))
        mentions.extend(m for m in found if not any(m.start < b and a < m.end for a, b in taken))
    mentions = sorted((m for m in mentions if not doc.in_caption(m.start)), key=lambda m: m.start)
    aliases = find_aliases(doc, mentions)
    set_scopes(doc, mentions)
    masked = masked_text(doc, mentions)
    anaphora = find_anaphora(doc, mentions)
    kept = [m for m in mentions
            if is_project(doc, masked, m, [(a, b) for a, b, explicit in anaphora.get(m.start, []) if explicit])]
    if len(kept) < len(mentions):
        mentions = kept
        set_scopes(doc, mentions)
        masked = masked_text(doc, mentions)
        anaphora = find_anaphora(doc, mentions)
    periods = list(annotated.periods)
    rows = (apply("project_row", doc.sentence_span(group[0].start) if doc.sentence_starts else whole, None,
                  lambda: project_row(article, doc, masked, group, anaphora, periods, mentions))
            for group in merge_mentions(mentions, aliases))
    return [row for row in rows if row is not None]
