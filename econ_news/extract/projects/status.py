"""Reading a project's status: scope -> hits -> precedence.

* hits: every status wording (reference/status_words.json status_wordings, soft_under_construction)
  in the text a mention reads (its scope, see scope.py), with the text's names blanked out
  (masked_text), each read through a future marker (预计/计划/将 + 投产 -> under_construction,
  + 开工 -> planned); 建成后将 is no state.
* precedence (combine): the most advanced hard status wins (STATUS_CODES order), with two named
  exceptions: trial_beats_finished_building and start_beats_expected_completion; progress-only
  wordings (推进, 进展顺利) mean under_construction for a project that started or states nothing
  else, and leave a planned or signed one as it is.

The sentence -> status table in tests/test_status_reading.py pins the whole reading.
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from econ_news.extract.periods import PeriodMention
from econ_news.extract.projects.lexicon import lexicon, status_words
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.text import ProjectText
from econ_news.records import STATUS_CODES


RANK = {code: i for i, code in enumerate(STATUS_CODES)}
STARTED = RANK["started"]


@dataclass(frozen=True)
class Masked:
    """The text status words are read in: the article's, with the names of projects blanked out (□) when
    read for a project, and where its clause punctuation is."""

    text: str
    clause_breaks: list[int]


def unmasked(doc: ProjectText) -> Masked:
    """The article's text as it is (a list's group noun is read before any name is known)."""
    return Masked(doc.text, doc.clause_breaks)


def masked_text(doc: ProjectText, mentions: list[Mention]) -> Masked:
    """The text with every name blanked out, so status words inside names (续建项目) are not read."""
    text = doc.text
    parts = []
    pos = 0
    for m in mentions:
        if m.start >= pos:
            parts += [text[pos : m.start], "□" * (m.end - m.start)]
            pos = m.end
    parts.append(text[pos:])
    masked = "".join(parts)
    return Masked(masked, [b for b in doc.clause_breaks if masked[b] != "□"])


@dataclass(frozen=True)
class StatusHit:
    code: str
    soft: bool  # progress only (推进, 进展顺利)
    start: int
    end: int
    future: bool = False  # read through a future marker (预计今年7月建成投产)
    word: str = ""


@lru_cache(maxsize=4096)
def status_kind(word: str) -> tuple[str, bool]:
    """(status code, soft) of a wording the status regex matched: the first (longest) kind that reads it
    whole. Cached: the same few wordings recur in every article."""
    return next((c, s) for r, c, s in lexicon().status_kinds if r.fullmatch(word))


@lru_cache(maxsize=4)
def future_marker_ends(text: str) -> list[int]:
    """At each position of text, the least end of a future marker that starts there or later and is not
    followed by (总)投资. Cached by text: the article's and its masked text are each read for every name."""
    lex = lexicon()
    least = [len(text) + 1] * (len(text) + 2)
    for word in set(status_words()["future_markers"]):
        i = text.find(word)
        while i >= 0:
            if not lex.future_marker_blocker.match(text, i + len(word)):
                least[i] = min(least[i], i + len(word))
            i = text.find(word, i + 1)
    for i in range(len(text) - 1, -1, -1):
        least[i] = min(least[i], least[i + 1])
    return least


def has_future_marker(text: str, start: int, end: int) -> bool:
    """Whether lexicon.future_marker finds a match in text[start:end], in constant time: a marker ending at
    least 3 characters before end is judged on the whole text (its look-ahead reads at most 总投资), one
    closer to end by the pattern itself, which sees the text cut at end."""
    if start >= end:
        return False
    if future_marker_ends(text)[start] <= end - 3:
        return True
    reach = max(map(len, status_words()["future_markers"])) + 3
    return lexicon().future_marker.search(text, max(start, end - reach), end) is not None


def status_hits(masked: Masked, start: int, end: int, future_until: int = -1) -> list[StatusHit]:
    """Status wordings in masked.text[start:end]. Wordings before future_until are read as future (the
    name's clause opened with 力争 / 计划: 力争甲、乙等32个项目竣工投产)."""
    lex = lexicon()
    hits = []
    breaks = masked.clause_breaks
    text = masked.text
    for m in lex.status.finditer(text, start, end):
        word = m.group()
        code, soft = status_kind(word)
        if lex.future_after.match(text, m.end(), min(len(text), m.end() + 6)):
            continue  # 建成后将...: what will follow completion, not a state
        i = bisect_left(breaks, m.start())
        clause_start = max(start, breaks[i - 1] + 1) if i else start
        future = m.start() < future_until or has_future_marker(text, clause_start, m.start())
        if future and lex.future_completion.search(word):
            code, soft = "under_construction", False
        elif future and lex.future_start.search(word):
            code, soft = "planned", False
        hits.append(StatusHit(code, soft, m.start(), m.end(), future, word))
    return hits


def has_status_hit(masked: Masked, start: int, end: int) -> bool:
    """Whether status_hits(masked, start, end) finds any hit, reading only up to the first."""
    lex = lexicon()
    text = masked.text
    for m in lex.status.finditer(text, start, end):
        status_kind(m.group())
        if not lex.future_after.match(text, m.end(), min(len(text), m.end() + 6)):
            return True
    return False


def read_status(masked: Masked, group: list[Mention], pointed: list[tuple[int, int]]) -> StatusHit | None:
    """A project's status from all its mentions: the hits in each mention's scope (status words before
    future_until read as future), in the sentences pointing back to it, and in the text governing it (a
    heading, a list's lead), with a list's group noun (35项已签约项目), then combine's precedence."""
    hits = [h for m in group for a, b in m.scope for h in status_hits(masked, a, b, m.future_until)]
    hits += [h for a, b in pointed for h in status_hits(masked, a, b)]
    hits += [h for m in group if m.governing for h in status_hits(masked, *m.governing)]
    return combine(hits, max((m.group_status for m in group if m.group_status), key=RANK.get, default=None))


def combine(hits: list[StatusHit], group_status: str | None = None) -> StatusHit | None:
    """The one precedence of status hits, in three steps:

    1. the most advanced hard status wins (STATUS_CODES order; a list's group noun counts as a hard hit);
    2. two exceptions to it, each a named rule: trial_beats_finished_building and
       start_beats_expected_completion;
    3. progress_only: a progress-only wording (推进, 进展顺利) means under construction for a project that
       has started or states nothing else, and leaves a planned or signed one as it is
       (已签约项目正有序推进 stays signed, 已开工项目进展顺利 is under construction).
    """
    hard = [h for h in hits if not h.soft]
    if group_status:
        hard.append(StatusHit(group_status, False, -1, -1))
    best = max(hard, key=lambda h: RANK[h.code], default=None)
    best = trial_beats_finished_building(best, hard)
    best = start_beats_expected_completion(best, hard)
    return progress_only(best, [h for h in hits if h.soft])


def trial_beats_finished_building(best: StatusHit | None, hard: list[StatusHit]) -> StatusHit | None:
    """新建成的甲项目正在调试: building is finished (only completion_only_words say in_operation), the trial
    going on is the later state."""
    if best is None or best.code != "in_operation":
        return best
    done = [h for h in hard if h.code == "in_operation"]
    trial = [h for h in hard if h.code == "trial_operation" and not h.future]
    if trial and all(h.word in lexicon().completion_only for h in done):
        return trial[0]
    return best


def start_beats_expected_completion(best: StatusHit | None, hard: list[StatusHit]) -> StatusHit | None:
    """甲项目正式开工建设。该项目预计2026年建成投产: the start is the news, the completion only expected (a
    future completion reads as under_construction, which the start stated as done beats)."""
    if best is None or best.code != "under_construction" or best.start < 0:
        return best
    ahead = [h for h in hard if RANK[h.code] > STARTED]
    started = [h for h in hard if h.code == "started" and not h.future]
    if started and all(h.future for h in ahead):
        return started[0]
    return best


def progress_only(best: StatusHit | None, soft: list[StatusHit]) -> StatusHit | None:
    """The first progress-only wording, when nothing beyond started is stated."""
    if soft and (best is None or RANK[best.code] == STARTED):
        return soft[0]
    return best


def status_date(doc: ProjectText, status: StatusHit | None, periods: list[PeriodMention]) -> date | None:
    """于2024年8月全面投产 -> 2024-08-01: a month or day right before the status wording, in its clause."""
    if status is None or status.start < 0 or status.future:
        return None
    for p in periods:
        if (p.granularity in ("day", "month") and p.period_start is not None and p.end <= status.start
                and status.start - p.end <= 8 and doc.clause_start(p.start) == doc.clause_start(status.start)):
            return p.period_start
    return None
