"""What text each mention reads its status and figures from (its scope) and which heading governs it.
"""
from __future__ import annotations

from bisect import bisect_right, insort

from econ_news.extract import budget
from econ_news.extract.projects.lexicon import lexicon
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.status import has_future_marker
from econ_news.extract.projects.text import ProjectText


# How far a name reads its status and figures, either side: a clause or sentence of news text is far
# shorter, so this only bounds an unpunctuated run of thousands of characters, where each name would read
# the whole run (and every name in it: n^2).
SCOPE_REACH = 500


def set_scopes(doc: ProjectText, mentions: list[Mention]) -> None:
    """What each mention reads status and figures from: its clause before the name (before a list's first
    item) and the text after it to the end of the sentence (of a list: of the clause), skipping a 是...
    clause that only classifies it, up to a semicolon or the next project named in a later clause."""
    text = doc.text
    list_starts: dict[int, int] = {}
    for m in mentions:
        if m.list_id is not None:
            list_starts.setdefault(m.list_id, m.start)
    # Indexes instead of scans, so that a clause naming thousands of projects is read in n log n: the
    # starts (mentions are in text order), for each list item the next mention not of its list, and the
    # ends of the mentions before the current one, sorted.
    starts = [m.start for m in mentions]
    past_list = [len(mentions)] * len(mentions)
    for j in range(len(mentions) - 2, -1, -1):
        same = mentions[j + 1].list_id is not None and mentions[j + 1].list_id == mentions[j].list_id
        past_list[j] = past_list[j + 1] if same else j + 1
    earlier_ends: list[int] = []
    for i, m in enumerate(mentions):
        budget.check("projects: scopes")
        if m.list_id is not None:
            start = list_starts[m.list_id]
        else:
            start = m.outer_start if m.outer_start is not None else m.start
        s_start, s_end = doc.sentence_span(start)
        tail_start = m.tail_from if m.tail_from is not None else m.end
        rest = text[tail_start:s_end].lstrip(",，")
        if rest.startswith("是"):
            tail_start = doc.clause_end(s_end - len(rest) + 1)
        tail_end = doc.clause_end(tail_start) if m.list_id is not None else s_end
        # The next project named in a later clause: the first mention past the clause break after
        # tail_start that is not an item of this mention's own list.
        j = bisect_right(starts, doc.clause_end(tail_start), i + 1)
        while j < len(mentions) and m.list_id is not None and mentions[j].list_id == m.list_id:
            j = past_list[j]
        if j < len(mentions) and mentions[j].start < tail_end:
            tail_end = doc.clause_start(mentions[j].start)
        for semicolon in ";；":
            cut = text.find(semicolon, tail_start, tail_end)
            if cut >= 0:
                tail_end = cut
        clause_start = doc.clause_start(start)
        if m.list_id is None:  # a list's items all read the one clause that states the list's status
            m.scope = [(max(clause_start, start - SCOPE_REACH), start),
                       (tail_start, max(tail_start, min(tail_end, tail_start + SCOPE_REACH)))]
        else:
            m.scope = [(clause_start, start), (tail_start, max(tail_start, tail_end))]
        future = has_future_marker(text, clause_start, start)
        m.future_until = doc.clause_end(tail_start) if future else -1
        k = bisect_right(earlier_ends, start)
        m.lead_from = max(s_start, earlier_ends[k - 1]) if k else s_start
        insort(earlier_ends, m.end)
        if m.governing is None:
            colon = max(text.rfind(":", s_start, start), text.rfind("：", s_start, start))
            if colon >= 0:
                m.governing = (s_start, colon)  # 在此次开工的重点项目中:投资5亿多元的韩家峡水库项目...
            else:
                m.governing = heading_of_item(doc, start)  # ...的项目有6个:\n一是甲项目,总投资32亿元;


def heading_of_item(doc: ProjectText, pos: int) -> tuple[int, int] | None:
    """A numbered line (一是, 1., (1), ①) under a line that ends in a colon, with only numbered lines between:
    the heading's text governs the item."""
    text = doc.text
    marker = lexicon().item_marker
    line_start = text.rfind("\n", 0, pos) + 1
    if not marker.match(text, line_start + len(text[line_start:pos]) - len(text[line_start:pos].lstrip())):
        return None
    end = line_start - 1
    for _ in range(30):
        if end < 0:
            return None
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line.endswith((":", "：")):
            return (start, start + text[start:end].rstrip().rfind(line[-1]))
        if line and not marker.match(line):
            return None
        end = start - 1
    return None
