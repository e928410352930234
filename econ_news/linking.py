"""Projects across articles: the rows of the projects table that name the same real-world project, linked.

Pure: project rows and what is known of their articles in, ``project_master`` rows (one per real project)
and ``project_events`` rows (one per project row, i.e. per article that reports it) out. Nothing here reads
or writes files; econ_news/catalog.py feeds it the published tables.

Linking is conservative: a false merge hides a project, a missed one only shows it twice. Two rows are the
same project only when they are in the same place (province, and prefecture where both know it), name
compatible companies and investments (a row whose place is unknown links to nothing), have the same phase and the same figures in their names (8吉瓦时 is
not 2吉瓦时), come from different articles, and their names agree once the place, phase and generic ending
are removed (equal, one the start of the other, or near-equal by rapidfuzz). Rules and thresholds live in
reference/linking.json.

Master ids are stable: a master's id is derived from the first row that founded it, and rows that were
already assigned (``previous``: project_id -> master_id, read from the last published project_events) keep
their master. Rows are taken in publication order, so linking the same articles from scratch gives the
same ids, and a later article only extends the histories of the masters it joins.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Iterable

from rapidfuzz import fuzz

from econ_news.extract.entities import divisions, find_places
from econ_news.records import stable_id
from econ_news.reference import load_json

_QUOTES = str.maketrans("", "", "“”\"'‘’『』「」《》【】")
_PARENS = str.maketrans("（）", "()")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_PAREN_GROUP = re.compile(r"\(([^()]*)\)")


@cache
def _rules() -> dict:
    return load_json("linking.json")


@cache
def _phase_re() -> re.Pattern:
    return re.compile(_rules()["phase_pattern"])


@cache
def _place_prefixes() -> tuple[str, ...]:
    """Written forms of divisions that may open a name (甘肃, 张掖市, 甘州区), longest first; short forms that
    are ordinary words (合作, 黑河) are left out, so 黑河水电 keeps its head."""
    words = load_json("entity_words.json")
    skip = set(words["common_word_shorts"]) | set(words["ambiguous_shorts"]) | set(words["common_word_names"])
    forms: set[str] = set()
    for d in divisions().values():
        forms.add(d.name)
        forms.update(a for a in d.aliases if len(a) >= 2)
        if len(d.short) >= 2 and d.short not in skip:
            forms.add(d.short)
    return tuple(sorted(forms, key=len, reverse=True))


# ---------------------------------------------------------------------------------------------------------
# Inputs and outputs


@dataclass(frozen=True)
class ProjectMention:
    """One row of the projects table with what linking needs of it and of its article."""

    project_id: str
    article_id: str
    name: str
    company: str | None = None
    investment_cny: float | None = None
    status: str | None = None
    status_date: date | None = None
    phase: str | None = None
    capacity: str | None = None
    evidence: str = ""
    published_date: date | None = None  # the article's
    article_place: str | None = None  # division code of the place the article is about (article_place())


MASTER_COLUMNS = (
    "master_id", "canonical_name", "aliases", "company", "place_code", "place_name", "investment_cny",
    "status", "status_date", "first_seen", "last_seen", "article_ids", "n_articles",
)
EVENT_COLUMNS = (
    "master_id", "project_id", "article_id", "published_date", "name", "company", "investment_cny", "status",
    "status_date", "evidence",
)


def article_place(title: str | None, metric_codes: Iterable[str | None] = ()) -> str | None:
    """The division an article is about: the first division or zone its title names (甘州:招商引资… is
    甘州区), else the division code most of its metrics are about, else None."""
    for place in find_places(title or ""):
        if place.code:
            return place.code
    codes = Counter(c for c in metric_codes if c)
    if codes:
        return sorted(codes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return None


# ---------------------------------------------------------------------------------------------------------
# What of a row is compared


@dataclass(frozen=True)
class _Key:
    core: str  # the name without place, phase, quotes and generic ending
    phase: str
    numbers: frozenset[str]
    company: str  # normalised; "" when unknown
    province: str  # "" when unknown
    prefecture: str  # "" when unknown or province-level only
    investment: float | None


def _strip_places(text: str) -> str:
    forms, longest = _place_set(), len(_place_prefixes()[0])
    changed = True
    while changed and text:
        changed = False
        for size in range(min(longest, len(text) - 1), 1, -1):  # the longest written form first
            if text[:size] in forms:
                text, changed = text[size:], True
                break
    # A place in parentheses is a qualifier (稻盛云(武威)智算中心); other parenthesised text (甘州段) stays.
    return _PAREN_GROUP.sub(lambda m: "" if _strip_places_whole(m.group(1)) else m.group(0), text)


def _strip_places_whole(text: str) -> bool:
    return text in _place_set()


@cache
def _place_set() -> frozenset[str]:
    return frozenset(_place_prefixes())


@lru_cache(maxsize=1 << 16)  # names repeat across articles
def _core_and_phase(name: str, phase: str | None) -> tuple[str, str]:
    text = name.translate(_QUOTES).translate(_PARENS).replace(" ", "")
    phases = _phase_re().findall(text)
    text = _phase_re().sub("", text).replace("()", "")
    written_phase = phase or (phases[0] if phases else "")
    suffixes = sorted(_rules()["name_suffixes"], key=len, reverse=True)
    text = _strip_prefixes(_strip_places(text))
    changed = True
    while changed:
        changed = False
        for suffix in suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)], True
                break
    return text, written_phase


def _strip_prefixes(text: str) -> str:
    for prefix in sorted(_rules()["name_prefixes"], key=len, reverse=True):
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix):]
    return text


def _without_company(core: str, company: str) -> str:
    """The core with a company's name taken off its head (恒晟硅业年产5万吨高纯硅材料 of 恒晟硅业 ->
    5万吨高纯硅材料); the core itself when it does not start with it."""
    if company and core.startswith(company) and len(core) > len(company):
        return _strip_prefixes(core[len(company):])
    return core


def _company_key(company: str | None) -> str:
    if not company:
        return ""
    text = _strip_places(company.translate(_QUOTES).translate(_PARENS).replace(" ", ""))
    for suffix in _rules()["company_suffixes"]:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
    return text


def _place_of(code: str | None) -> tuple[str, str]:
    """(province, prefecture) of a division code; a zone's code is its division's."""
    division = divisions().get(code or "")
    if division is None:
        return "", ""
    if division.level == "province":
        return division.code, ""
    if division.level == "prefecture":
        return division.province_code, division.code
    parent = divisions().get(division.parent_code)
    if parent is not None and parent.level == "prefecture":
        return division.province_code, parent.code
    return division.province_code, division.code  # a county under its province (济源市) stands for itself


@lru_cache(maxsize=1 << 16)
def _name_place(name: str) -> str | None:
    """The most specific division the name itself states (稻盛云(武威)智算中心 is in 武威)."""
    best = None
    for place in find_places(name):
        if place.code and (best is None or len(place.code.rstrip("0")) > len(best.rstrip("0"))):
            best = place.code
    return best


def _key(m: ProjectMention) -> _Key:
    core, phase = _core_and_phase(m.name, m.phase)
    numbers = frozenset(_NUMBER.findall(m.name) + _NUMBER.findall(m.capacity or ""))
    province, prefecture = _place_of(_name_place(m.name) or m.article_place)
    return _Key(core, phase, numbers, _company_key(m.company), province, prefecture, m.investment_cny)


def _key_score(a: _Key, b: _Key) -> float:
    """The best agreement of two rows' names, each also read without either row's company at its head."""
    a_forms = {a.core, _without_company(a.core, a.company), _without_company(a.core, b.company)}
    b_forms = {b.core, _without_company(b.core, b.company), _without_company(b.core, a.company)}
    return max(_name_score(x, y) for x in a_forms for y in b_forms)


def _name_score(a: str, b: str) -> float:
    """How well two cores agree (0: not the same name). Equal beats a prefix beats near-equal."""
    if a == b:
        return 300.0
    rules = _rules()
    short, long_ = sorted((a, b), key=len)
    if len(short) < rules["min_core_chars"]:
        return 0.0
    if long_.startswith(short) and len(short) / len(long_) >= rules["prefix_share"]:
        return 200.0 + 100.0 * len(short) / len(long_)
    ratio = fuzz.ratio(a, b)
    return ratio if ratio >= rules["min_ratio"] else 0.0


def _compatible(a: _Key, b: _Key) -> bool:
    # A row with no known place (none in its name, its article's title or figures) links to nothing:
    # 高端装备制造产业园 alone could be anywhere.
    if not a.province or a.province != b.province:
        return False
    if a.prefecture and b.prefecture and a.prefecture != b.prefecture:
        return False
    if a.phase != b.phase:
        return False
    if a.numbers and b.numbers and a.numbers != b.numbers:
        return False
    if a.company and b.company and a.company != b.company and not (
        a.company.startswith(b.company) or b.company.startswith(a.company)
    ):
        return False
    if a.investment and b.investment:
        high, low = max(a.investment, b.investment), min(a.investment, b.investment)
        if high > low * _rules()["max_investment_ratio"]:
            return False
    return True


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


# ---------------------------------------------------------------------------------------------------------
# Linking


@dataclass
class _Master:
    master_id: str
    keys: list[_Key] = field(default_factory=list)
    articles: set[str] = field(default_factory=set)


def _order(m: ProjectMention) -> tuple:
    # Publication order; undated articles after dated ones; then ids, so the order is total.
    return (m.published_date is None, m.published_date or date.min, m.article_id, m.project_id)


def assign(mentions: Iterable[ProjectMention], previous: dict[str, str] | None = None) -> dict[str, str]:
    """project_id -> master_id for every mention. Mentions in ``previous`` keep their master; the others
    join the best compatible master in publication order, or found a new one."""
    previous = previous or {}
    rules = _rules()
    mentions = sorted(mentions, key=_order)
    masters: dict[str, _Master] = {}
    postings: dict[tuple[str, str], dict[str, None]] = defaultdict(dict)  # (province, bigram) -> master ids
    result: dict[str, str] = {}

    def add(master: _Master, key: _Key, article_id: str) -> None:
        if key not in master.keys:
            master.keys.append(key)
            for gram in _bigrams(key.core) | _bigrams(_without_company(key.core, key.company)):
                postings[(key.province, gram)][master.master_id] = None
        master.articles.add(article_id)

    keys = {m.project_id: _key(m) for m in mentions}
    for m in mentions:  # assignments already published come first: later rows may join them
        if m.project_id in previous:
            master = masters.setdefault(previous[m.project_id], _Master(previous[m.project_id]))
            add(master, keys[m.project_id], m.article_id)
            result[m.project_id] = master.master_id
    for m in mentions:
        if m.project_id in result:
            continue
        key = keys[m.project_id]
        grams = _bigrams(key.core) | _bigrams(_without_company(key.core, key.company))
        shared: Counter = Counter()
        for gram in grams:
            ids = postings.get((key.province, gram), {})
            if len(ids) <= rules["max_bigram_postings"]:
                shared.update(ids.keys())
        best, best_score = None, 0.0
        for master_id, count in shared.items():
            master = masters[master_id]
            if m.article_id in master.articles or count < max(1, len(grams) // 2):
                continue
            # Compatible with every row the master has, not just the nearest: no chains (company A, no
            # company, company B) that join what no two rows of it would.
            if not all(_compatible(key, k) for k in master.keys):
                continue
            score = max(_key_score(key, k) for k in master.keys)
            if score > best_score or (score == best_score and score > 0 and master_id < best.master_id):
                best, best_score = master, score
        if best is None:
            best = masters.setdefault(_new_id(m.project_id), _Master(_new_id(m.project_id)))
        add(best, key, m.article_id)
        result[m.project_id] = best.master_id
    return result


def _new_id(project_id: str) -> str:
    return "pm_" + stable_id("project_master", project_id)


def link(mentions: Iterable[ProjectMention], previous: dict[str, str] | None = None
         ) -> tuple[list[dict], list[dict]]:
    """(project_master rows, project_events rows), as dicts with MASTER_COLUMNS / EVENT_COLUMNS."""
    mentions = list(mentions)
    assignment = assign(mentions, previous)
    members: dict[str, list[ProjectMention]] = defaultdict(list)
    for m in sorted(mentions, key=_order):
        members[assignment[m.project_id]].append(m)
    events = [
        {"master_id": assignment[m.project_id], "project_id": m.project_id, "article_id": m.article_id,
         "published_date": m.published_date, "name": m.name, "company": m.company,
         "investment_cny": m.investment_cny, "status": m.status, "status_date": m.status_date,
         "evidence": m.evidence}
        for master_id in sorted(members) for m in members[master_id]
    ]
    return [_master_row(master_id, members[master_id]) for master_id in sorted(members)], events


def _master_row(master_id: str, rows: list[ProjectMention]) -> dict:
    rank = {code: i for i, code in enumerate(_rules()["status_rank"])}
    names = Counter(r.name for r in rows)
    first_at = {}
    for i, r in enumerate(rows):
        first_at.setdefault(r.name, i)
    canonical = min(names, key=lambda n: (-names[n], -len(n), first_at[n]))
    companies = Counter(r.company for r in rows if r.company)
    company = min(companies, key=lambda c: (-companies[c], c)) if companies else None

    def recency(r: ProjectMention) -> tuple:
        # The latest report: the latest date (status date, else publication), then the most advanced status.
        when = r.status_date or r.published_date
        return (when is not None, when or date.min, rank.get(r.status or "", -1))

    with_status = [r for r in rows if r.status]
    latest = max(with_status, key=recency) if with_status else None
    with_investment = [r for r in rows if r.investment_cny is not None]
    investment = max(with_investment, key=recency).investment_cny if with_investment else None
    place_code = next((c for c in (_name_place(r.name) or r.article_place for r in rows) if c), None)
    place = divisions().get(place_code or "")
    dates = [r.published_date for r in rows if r.published_date]
    article_ids = list(dict.fromkeys(r.article_id for r in rows))
    return {
        "master_id": master_id,
        "canonical_name": canonical,
        "aliases": sorted(n for n in names if n != canonical),
        "company": company,
        "place_code": place_code,
        "place_name": place.name if place else None,
        "investment_cny": investment,
        "status": latest.status if latest else None,
        "status_date": (latest.status_date or latest.published_date) if latest else None,
        "first_seen": min(dates) if dates else None,
        "last_seen": max(dates) if dates else None,
        "article_ids": article_ids,
        "n_articles": len(article_ids),
    }
