"""Places and companies named in article text, and whom a stated figure is about.

Pure functions over str; reference data comes from econ_news/reference/divisions.csv (China's
divisions), zones.csv (development zones and parks) and entity_words.json (anaphora words, short
names that are ordinary words, company boundaries), each loaded once.

Reading rules (what callers can rely on):

* find_places returns division and zone mentions, longest match first, non-overlapping, in text
  order. A zone is a listed zone, a place name + up to ten characters + a zone suffix
  (清水县红堡生态工业园区, 庆阳“东数西算”产业园区), or a park named after 的/个 (的国家玉米种子产业园).
  Such a zone named again without its place (红堡生态工业园区) is the same zone, under its full name.
* A short form of a county (甘州, 凉州) or an ambiguous short (黑河) counts only when the text
  also names its province in a stronger form; short forms that are ordinary words (合作, 高台)
  never count alone; a two-character name must not continue a word (建成县 is not 成县).
  A short form shared by several units goes to the one inside a province/prefecture the text
  names, else the higher level (吉林 -> 吉林省).
* A place is the *subject* of its clause when it starts the clause (after punctuation and
  optional openers such as 本次, 2023年), is not an item of a list (A、B等) and is not part of
  a company name; a zone also when it closes a 的/个 phrase (建成全省首个...专属园区,).
  Of adjacent places (武威市凉州区) the last one is the subject. A list of divisions that opens a
  clause (康县、徽县、两当县等6个县区) is a subject too: it stands for the items' common parent
  (陇南市), else for the article's main place.
* EntityContext.resolve names the entity of a figure: a subject place of the clause, else an
  anaphora word of the clause (全省, 全市, 经开区 ...), else the latest subject earlier in the
  paragraph, else the article's main place. Names are written as the article writes them most
  (张掖经开区, 临夏州), divisions otherwise by their official name.
"""
from __future__ import annotations

import bisect
import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any
from econ_news.reference import alternation, load_json, read_text

_CJK = re.compile(r"[\u4e00-\u9fff]")
# Characters after which a clause starts. Quotes closing and parentheses are not among them: a place
# right after “363” or inside (甘州段) / 稻盛云(武威)智算中心 is a modifier, not a subject.
_BOUNDARY = set("，,。；;：:！!？?\n“‘「『【】[《|")
_SENTENCE_END = "。！？!?；;\n"
_CLAUSE_END = set("，,。；;：:！!？?\n、")
_NUMERAL = re.compile(r"[0-9一二三四五六七八九十两百千]")
_NUM = "[0-9一二三四五六七八九十〇零两]+"
_TIME_OPENER = rf"{_NUM}(?:[-—~至到]{_NUM})?(?:年|月份|月|日|号|季度)(?:[-—~至到])?|[上下]半年|[上中下]旬|以来|上午|下午|晚上"
_HALFWIDTH_PARENS = str.maketrans("（）", "()")
_LEVEL_RANK = {"province": 3, "prefecture": 2, "county": 1}


@dataclass(frozen=True)
class Place:
    """A division, zone or company mention: text[start:end] is how the text writes it.

    name is the official name for a division (甘州区 for 甘州), the listed name for a listed zone,
    the text itself for a zone read by pattern and for a company. code is the division's code,
    for a zone the code of the division it lies in, None for a company or an unplaced park.
    """

    name: str
    code: str | None
    level: str  # province | prefecture | county | zone | company
    start: int
    end: int


# ---------------------------------------------------------------------------------------
# Reference data


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    short: str
    aliases: tuple[str, ...]
    level: str
    parent_code: str
    province_code: str


@dataclass(frozen=True)
class Zone:
    name: str
    aliases: tuple[str, ...]
    kind: str
    division_code: str


@dataclass(frozen=True)
class _Form:
    """One written form of a division or listed zone."""

    key: str  # division code, or listed zone name
    kind: str  # name | alias | short
    is_zone: bool
    # Facts of the division the form names (for a zone: the division it lies in), looked up once here
    # rather than for every mention that is weighed:
    province: str  # its province's code; "" when the division is unknown
    prefecture: str  # its prefecture's code (its own above county level); "" when unknown
    level: str  # province | prefecture | county; a zone ranks as a county


def _new_form(key: str, kind: str, is_zone: bool, divs: dict[str, Division], zone_list: dict[str, Zone]) -> _Form:
    code = zone_list[key].division_code if is_zone else key
    division = divs.get(code)
    if division is None:
        province = prefecture = ""
    else:
        province = division.province_code
        prefecture = division.code if division.level != "county" else division.parent_code
    return _Form(key, kind, is_zone, province, prefecture, "county" if is_zone else divs[key].level)


@dataclass(frozen=True)
class _Lexicon:
    divisions: dict[str, Division]
    zones: dict[str, Zone]
    forms: dict[str, tuple[_Form, ...]]  # written form (half-width parentheses) -> what it may name
    zone_forms: dict[str, tuple[_Form, ...]]  # written form -> its forms that name a listed zone
    division_forms: dict[str, tuple[_Form, ...]]  # written form -> its forms that name a division
    # Matching ~6,400 forms: every form is at least two characters long, so a position can start a
    # form only if its two characters start one; lengths lists those forms' lengths, longest first.
    lengths: dict[str, tuple[int, ...]]
    # Where a form may start: its first character, followed by a second character of some form. Lets the
    # scan visit only these positions (about one in ten) instead of every character in Python.
    form_start: re.Pattern[str]
    zone_tail: re.Pattern[str]  # what follows a place name in a zone name: middle + zone suffix
    zone_middle_verbs: re.Pattern[str]  # a middle containing one of these is a clause, not a name
    bare_park: re.Pattern[str]
    anaphora: re.Pattern[str]
    company_suffix: re.Pattern[str]
    opener_head: re.Pattern[str]  # openers at the start of a string (本次, 2023年, 今年1月至5月)
    opener_tail: re.Pattern[str]  # openers at the end of a string
    weak_forms: frozenset[str]  # forms that never tell which province a text is about
    common_word_names: frozenset[str]  # the word lists _viable asks about for every candidate, as sets
    common_word_shorts: frozenset[str]
    ambiguous_shorts: frozenset[str]
    media_heads: tuple[str, ...]
    enumeration_openers: tuple[str, ...]
    left_chars: frozenset[str]  # one-character words a two-character name may follow (在成县)
    # Zero-width, at every position where a stop word before a company name starts; the group holds the
    # longest one there (alternation is longest first), which is the one that ends furthest right.
    company_left_stop: re.Pattern[str]


@cache
def _words() -> dict[str, Any]:
    return load_json("entity_words.json")


@cache
def divisions() -> dict[str, Division]:
    """Every division by code, from divisions.csv."""
    rows = csv.DictReader(read_text("divisions.csv").splitlines())
    return {
        r["code"]: Division(
            r["code"], r["name"], r["short"], tuple(a for a in r["alias"].split("|") if a),
            r["level"], r["parent_code"], r["province_code"],
        )
        for r in rows
    }


@cache
def zones() -> dict[str, Zone]:
    """Every listed zone by name, from zones.csv."""
    rows = csv.DictReader(read_text("zones.csv").splitlines())
    return {
        r["name"]: Zone(r["name"], tuple(a for a in r["aliases"].split("|") if a), r["kind"], r["division_code"])
        for r in rows
    }



def _char_class(chars: Any) -> str:
    return "[" + re.escape("".join(sorted(set(chars)))) + "]"


def _half_width_parens(text: str) -> str:
    """（） as (): one character for one, so offsets stay valid. str.translate is slow on CJK text, and
    normalized text rarely holds full-width parentheses, so it runs only when there are some."""
    return text.translate(_HALFWIDTH_PARENS) if "（" in text or "）" in text else text


@cache
def _lexicon() -> _Lexicon:
    words = _words()
    divs, zone_list = divisions(), zones()
    forms: dict[str, list[_Form]] = {}
    for d in divs.values():
        forms.setdefault(d.name, []).append(_new_form(d.code, "name", False, divs, zone_list))
        for alias in d.aliases:
            forms.setdefault(alias, []).append(_new_form(d.code, "alias", False, divs, zone_list))
        if d.short:
            forms.setdefault(d.short, []).append(_new_form(d.code, "short", False, divs, zone_list))
    for z in zone_list.values():
        for i, text in enumerate((z.name, *z.aliases)):
            form = _new_form(z.name, "name" if i == 0 else "alias", True, divs, zone_list)
            forms.setdefault(text.translate(_HALFWIDTH_PARENS), []).append(form)
    stops = "".join(words["zone_middle_stops"])
    middle_char = rf"(?:(?![{stops}])[\u4e00-\u9fff]|[(（][\u4e00-\u9fff]{{1,8}}[)）]|“[\u4e00-\u9fff]{{1,8}}”)"
    suffixes = alternation(words["zone_suffixes"])
    zone_tail = rf"(?P<middle>{middle_char}{{0,{int(words['zone_middle_max'])}}}?)(?P<suffix>{suffixes})"
    lengths: dict[str, set[int]] = {}
    for text in forms:
        lengths.setdefault(text[:2], set()).add(len(text))
    rank = alternation(words["bare_park_rank_words"])
    bare_park = (
        rf"(?<=[{''.join(words['bare_park_left'])}])(?!{rank})"
        rf"(?:{middle_char}){{{int(words['bare_park_min_middle'])},{int(words['zone_middle_max'])}}}?"
        rf"(?:{alternation(words['bare_park_suffixes'])})"
    )
    anaphora_words = list(words["province_anaphora"]) + list(words["zone_anaphora"])
    for group in words["division_anaphora"].values():
        anaphora_words += group
    opener = rf"(?:{alternation(words['subject_openers'])}|{_TIME_OPENER})+"
    return _Lexicon(
        divisions=divs,
        zones=zone_list,
        forms={k: tuple(v) for k, v in forms.items()},
        zone_forms={k: tuple(f for f in v if f.is_zone) for k, v in forms.items()},
        division_forms={k: tuple(f for f in v if not f.is_zone) for k, v in forms.items()},
        lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
        form_start=re.compile(f"{_char_class(k[0] for k in lengths)}(?={_char_class(k[1] for k in lengths)})"),
        zone_tail=re.compile(zone_tail),
        zone_middle_verbs=re.compile(alternation(words["zone_middle_verbs"])),
        bare_park=re.compile(bare_park),
        anaphora=re.compile(alternation(anaphora_words)),
        company_suffix=re.compile(alternation(words["company_suffixes"])),
        opener_head=re.compile(opener),
        opener_tail=re.compile(opener + "$"),
        weak_forms=frozenset(words["common_word_shorts"] + words["ambiguous_shorts"] + words["common_word_names"]),
        common_word_names=frozenset(words["common_word_names"]),
        common_word_shorts=frozenset(words["common_word_shorts"]),
        ambiguous_shorts=frozenset(words["ambiguous_shorts"]),
        left_chars=frozenset(w for w in words["location_prepositions"] if len(w) == 1),
        media_heads=tuple(words["media_heads"]),
        enumeration_openers=tuple(words["enumeration_openers"]),
        company_left_stop=re.compile(
            f"(?=(?P<word>{alternation(words['company_left_stops'] + words['location_prepositions'])}))"
        ),
    )


# ---------------------------------------------------------------------------------------
# Finding places


# The private records below are made dozens of times per article and never changed once made; they are
# not frozen because a frozen dataclass takes four times as long to build.


@dataclass
class _Mention:
    """A place mention with what resolution needs beyond Place."""

    place: Place
    key: str  # what the mention names: division code, listed zone name, or the zone's own text
    zone_kind: str | None  # for zones: etdz | hitech | new_area | industrial_park | agri_park
    written: str  # text[start:end] with half-width parentheses


@dataclass
class _Candidate:
    start: int
    end: int
    forms: tuple[_Form, ...]  # lexicon forms; for a pattern zone, those of its place prefix
    source: int  # 0 listed zone, 1 division, 2 pattern zone, 3 bare park: lower wins a tie
    prefix_end: int = 0
    zone_kind: str | None = None


@dataclass
class _Context:
    """Provinces and prefectures the text names in unambiguous forms."""

    provinces: Counter[str] = field(default_factory=Counter)
    prefectures: set[str] = field(default_factory=set)


def _form_matches(text: str) -> list[tuple[int, list[int]]]:
    """(start, lengths of the forms written there, longest first) for every position starting one.

    text must have half-width parentheses, as the forms have."""
    lex = _lexicon()
    forms, lengths_at = lex.forms, lex.lengths
    found = []
    for start in lex.form_start.finditer(text):
        i = start.start()
        lengths = lengths_at.get(text[i : i + 2])
        if lengths:
            here = [n for n in lengths if text[i : i + n] in forms]
            if here:
                found.append((i, here))
    return found


def _candidates(text: str) -> list[_Candidate]:
    lex, words = _lexicon(), _words()
    plain = _half_width_parens(text)
    matches = _form_matches(plain)
    found: list[_Candidate] = []
    division_forms_of = lex.division_forms
    division_starts = {i for i, ns in matches if any(division_forms_of[plain[i : i + n]] for n in ns)}
    for start, lengths in matches:
        longest = plain[start : start + lengths[0]]
        zone_forms, division_forms = lex.zone_forms[longest], division_forms_of[longest]
        if zone_forms:
            found.append(_Candidate(start, start + lengths[0], zone_forms, 0))
        if division_forms:
            found.append(_Candidate(start, start + lengths[0], division_forms, 1))
        for n in lengths:
            prefix = division_forms_of[plain[start : start + n]]
            tail = lex.zone_tail.match(plain, start + n) if prefix else None
            if tail is None or lex.zone_middle_verbs.search(tail.group("middle")):
                continue
            if tail.start("middle") < tail.end("middle") and tail.start("middle") in division_starts:
                break  # 天水市清水县红堡...: the zone starts at the inner place
            kind = words["zone_suffixes"][tail.group("suffix")]
            found.append(_Candidate(start, tail.end(), prefix, 2, start + n, kind))
            break
    for m in lex.bare_park.finditer(plain):
        if m.start() not in division_starts:
            found.append(_Candidate(m.start(), m.end(), (), 3, m.start(), "industrial_park"))
    return found


def _context(text: str, candidates: list[_Candidate], into: _Context | None = None) -> _Context:
    """Count the provinces named by forms that cannot mean anything else."""
    lex, ctx = _lexicon(), into or _Context()
    for c in candidates:
        if c.source > 1:
            continue
        written = text[c.start : c.end]
        provinces, strong, prefectures = _naming_facts(_half_width_parens(written), c.source)
        if len(provinces) == 1 and strong and written not in lex.weak_forms:
            ctx.provinces.update(provinces)
            ctx.prefectures.update(prefectures)
    return ctx


@lru_cache(maxsize=8192)
def _naming_facts(written: str, source: int) -> tuple[frozenset[str], bool, tuple[str, ...]]:
    """For a listed zone (source 0) or division (source 1) candidate written so (half-width parentheses):
    the provinces its forms lie in, whether some form names its unit strongly (not a county's short form),
    and the prefectures of its division forms. They depend on the written form only, so they are cached."""
    lex = _lexicon()
    forms = (lex.zone_forms if source == 0 else lex.division_forms)[written]
    strong = any(
        f.is_zone or (f.kind != "short" and len(written) >= 3)
        or (f.kind == "short" and f.level != "county")
        for f in forms
    )
    return frozenset(f.province for f in forms), strong, tuple(f.prefecture for f in forms if not f.is_zone)


def _left_ok(text: str, start: int, ends: set[int]) -> bool:
    """A two-character name must not continue a word: 建成县 is no 成县, 广东乡 no 东乡."""
    if start == 0 or start in ends:
        return True
    prev = text[start - 1]
    return not _CJK.match(prev) or prev in _lexicon().left_chars


def _viable(form: _Form, written: str, ok_left: bool, ctx: _Context) -> bool:
    if form.is_zone:
        return True
    lex = _lexicon()
    if written in lex.common_word_names or (len(written) == 2 and not ok_left):
        return False
    if form.kind != "short":
        return True
    if written in lex.common_word_shorts:
        return False
    needs_context = form.level == "county" or written in lex.ambiguous_shorts
    return not needs_context or ctx.provinces[form.province] > 0


def _best_form(forms: tuple[_Form, ...], written: str, ok_left: bool, ctx: _Context) -> _Form | None:
    viable = [f for f in forms if _viable(f, written, ok_left, ctx)]
    if len(viable) <= 1:
        return viable[0] if viable else None

    def score(f: _Form) -> tuple:
        return (
            f.prefecture in ctx.prefectures,
            f.kind != "short",
            ctx.provinces[f.province],
            _LEVEL_RANK[f.level],
            f.kind == "name",
        )

    return max(viable, key=score)


def _mention_of(c: _Candidate, text: str, ctx: _Context, ends: set[int]) -> _Mention | None:
    lex = _lexicon()
    written = _half_width_parens(text[c.start : c.end])
    if c.source == 3:
        return _Mention(Place(text[c.start : c.end], None, "zone", c.start, c.end), written, c.zone_kind, written)
    prefix = written[: c.prefix_end - c.start] if c.source == 2 else written
    form = _best_form(c.forms, prefix, _left_ok(text, c.start, ends), ctx)
    if form is None:
        return None
    if c.source == 2:
        place = Place(text[c.start : c.end], form.key if not form.is_zone else lex.zones[form.key].division_code,
                      "zone", c.start, c.end)
        return _Mention(place, written, c.zone_kind, written)
    if form.is_zone:
        z = lex.zones[form.key]
        return _Mention(Place(z.name, z.division_code, "zone", c.start, c.end), z.name, z.kind, written)
    d = lex.divisions[form.key]
    return _Mention(Place(d.name, d.code, d.level, c.start, c.end), d.code, None, written)


def _mentions(text: str, extra_context: _Context | None = None) -> tuple[list[_Mention], _Context]:
    candidates = _candidates(text)
    ctx = _context(text, candidates, _Context(Counter(extra_context.provinces), set(extra_context.prefectures))
                   if extra_context else None)
    ends = {c.end for c in candidates if c.source <= 1}
    # Longest first, then by source and position; a candidate overlapping one already chosen is out
    # whatever it names, so it is resolved only when it does not.
    candidates.sort(key=lambda c: (c.start - c.end, c.source, c.start))
    taken = bytearray(len(text))
    chosen: list[_Mention] = []
    for c in candidates:
        if taken.find(1, c.start, c.end) == -1 and (m := _mention_of(c, text, ctx, ends)) is not None:
            taken[c.start : c.end] = b"\x01" * (c.end - c.start)
            chosen.append(m)
    chosen += _short_zone_mentions(text, candidates, chosen, taken)
    chosen.sort(key=lambda m: m.place.start)
    return chosen, ctx


def _short_zone_mentions(text: str, candidates: list[_Candidate], chosen: list[_Mention], taken: bytearray
                         ) -> list[_Mention]:
    """A zone read by pattern (古浪县黄花滩产业园区) named again without its place (黄花滩产业园区): the same zone.
    The rest must keep at least two characters before the suffix, so a bare suffix word (产业园区) never counts."""
    by_span = {(m.place.start, m.place.end): m for m in chosen if m.place.level == "zone"}
    found: list[_Mention] = []
    seen: set[str] = set()
    for c in candidates:
        full = by_span.get((c.start, c.end))
        if c.source != 2 or full is None or full.key in seen:
            continue
        seen.add(full.key)
        short = text[c.prefix_end : c.end]
        tail = _lexicon().zone_tail.fullmatch(_half_width_parens(short))
        if tail is None or len(tail.group("middle")) < 2:
            continue
        pos = text.find(short)
        while pos != -1:
            end = pos + len(short)
            if taken.find(1, pos, end) == -1:
                taken[pos:end] = b"\x01" * (end - pos)
                place = Place(full.place.name, full.place.code, "zone", pos, end)
                found.append(_Mention(place, full.key, full.zone_kind, _half_width_parens(short)))
            pos = text.find(short, end)
    return found


@lru_cache(maxsize=16)
def _scan(text: str) -> tuple[tuple[_Mention, ...], tuple[Place, ...], _Context]:
    """Place mentions, companies and naming context of one text, computed once per text."""
    mentions, ctx = _mentions(text)
    return tuple(mentions), tuple(_companies(text, mentions)), ctx


def find_places(text: str) -> list[Place]:
    """Division and zone mentions, longest match first, non-overlapping, in text order."""
    return [m.place for m in _scan(text)[0]]


# ---------------------------------------------------------------------------------------
# Finding companies


def _name_start(text: str, span_start: int, suffix_start: int) -> int:
    """Where a company name begins: after the last stop word that is not inside the name itself.

    A one-character stop right after the span's first character belongs to the name (协和新能源)
    unless it is 的, which never sits inside a name (500强的徐州矿务集团)."""
    best = span_start
    # One scan for all stop words; the end position bounds the words to the span as str.find would.
    for m in _lexicon().company_left_stop.finditer(text, span_start, suffix_start):
        pos, word = m.start(), m.group("word")
        inside_name = pos - span_start == 1 and word != "的"  # no other stop word starts with 的
        if not inside_name and pos + len(word) > best:
            best = pos + len(word)
    return best


def _closes(text: str, open_at: int, end: int) -> bool:
    """The parenthesis opened at open_at is closed before end."""
    return any(ch in ")）" for ch in text[open_at + 1 : end])


def _is_name_char(ch: str) -> bool:
    return bool(_CJK.match(ch)) or ch in "()（）" or (ch.isascii() and ch.isalnum())


def _companies(text: str, mentions: list[_Mention]) -> list[Place]:
    words, lex = _words(), _lexicon()
    zone_ends = {m.place.start: m.place.end for m in mentions if m.place.level == "zone"}
    branch = tuple(words["branch_suffixes"])
    generic_ends, generic_names = tuple(words["company_generic_endings"]), set(words["company_generic_names"])
    companies: list[Place] = []
    for m in lex.company_suffix.finditer(text):
        previous = companies[-1] if companies else None
        floor = previous.end if previous else 0
        span_start = m.start()
        while span_start > floor and _is_name_char(text[span_start - 1]):
            span_start -= 1
        adjacent = previous is not None and span_start == floor
        start = _name_start(text, span_start, m.start())
        while start < m.start() and (text[start] in ")）" or text[start] in "(（" and not _closes(text, start, m.start())):
            start += 1
        if zone_ends.get(start, m.start()) < m.start():
            start = zone_ends[start]  # 张掖经开区海槿(张掖)生物燃料有限公司: the zone is not part of the name
        core, name = text[start : m.start()], text[start : m.end()]
        if adjacent and name.endswith(branch):
            if start == floor:  # 中国电信股份有限公司甘肃分公司: the branch, named after its parent, is one company
                companies[-1] = Place(text[previous.start : m.end()], None, "company", previous.start, m.end())
            continue
        bare = m.group(0) == "公司"
        if len(core) < 2 or core[0].isdigit() or len(core) > 30 or core in generic_names:
            continue
        if bare and core.endswith(generic_ends):
            continue  # 招商引资项目公司, 上市公司: a kind of company, not a name
        if adjacent and start == floor and previous.name.endswith("集团"):
            companies[-1] = Place(text[previous.start : m.end()], None, "company", previous.start, m.end())
            continue  # 酒钢集团宏晟热电公司: one company
        companies.append(Place(name, None, "company", start, m.end()))
    return companies


def find_companies(text: str) -> list[Place]:
    """Company names ending in 有限公司/股份有限公司/有限责任公司/集团/公司, level "company". A branch written
    right after its parent (中国电信股份有限公司甘肃分公司) is part of the one name."""
    return list(_scan(text)[1])


# ---------------------------------------------------------------------------------------
# Whom a figure is about


@dataclass(frozen=True)
class _Entity:
    name: str
    code: str | None
    level: str
    key: str
    zone_kind: str | None


def _inferred_place(entity: _Entity) -> Place:
    """A Place for an entity the article implies rather than writes (start = end = -1)."""
    return Place(entity.name, entity.code, entity.level, -1, -1)


@dataclass
class _Anaphor:
    start: int
    end: int
    word: str


class EntityContext:
    """One article's places, main place and province; resolves the entity of each figure.

    ``main`` and ``province`` are Places whose start/end are offsets in the title when the title
    named them, in the text otherwise (-1 when inferred, e.g. the province of the main place).
    """

    def __init__(self, title: str | None, text: str) -> None:
        self.title = title or ""
        self.text = text
        self._names: dict[tuple[str, str, str | None], tuple[str, str | None]] = {}  # _named's answers
        mentions, companies, ctx = _scan(text)
        self.companies = companies  # find_companies(text), for the extractors that share this context
        self._mentions = list(mentions)
        self._companies = [(c.start, c.end) for c in companies]  # in text order, non-overlapping
        self._company_starts = [s for s, _ in self._companies]
        self._sentence_breaks = [m.start() for m in re.finditer(f"[{_SENTENCE_END}]", text)]
        self._mention_ends = [m.place.end for m in self._mentions]
        self._title_mentions = _mentions(self.title, ctx)[0] if self.title else []
        self._anaphora = self._find_anaphora()
        self._usage = Counter((m.key, m.written) for m in [*self._mentions, *self._title_mentions])
        self._subjects = self._find_subjects()
        self._subject_starts = [pos for pos, _ in self._subjects]
        self.main, self._main_entity = self._find_main()
        province = self._province_entity(self._main_entity)
        self.province = _inferred_place(province) if province else None
        lists = self._division_list_subjects()
        if lists:
            self._subjects = sorted(self._subjects + lists, key=lambda x: x[0])
            self._subject_starts = [pos for pos, _ in self._subjects]
        # subject index -> (index, entity) of the nearest subject at or before it, in its paragraph, that
        # stands for an entity ((-1, None) when none does); filled by _last_resolved as figures ask
        self._nearest: dict[int, tuple[int, _Entity | None]] = {}

    # ----------------------------------------------------------------- public

    def resolve(self, offset: int, clause: str) -> tuple[str, str | None]:
        """(entity name, division code) for a figure stated in clause, which starts at offset."""
        start, end = self._clause_span(offset, clause)
        starts = self._subject_starts
        in_clause = self._subjects[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]
        for _, item in in_clause:
            if isinstance(item, _Mention):
                return self._named(self._entity(item))
        for pos, item in in_clause:
            entity = self._resolve_anaphor(item, pos)
            if entity is not None:
                return self._named(entity)
        paragraph_start = self.text.rfind("\n", 0, start) + 1
        first = bisect.bisect_left(self._subject_starts, paragraph_start)
        entity = self._last_resolved(first, bisect.bisect_left(self._subject_starts, start))
        if entity is not None:
            return self._named(entity)
        fallback = self._main_entity or self._province_entity(None)
        return self._named(fallback) if fallback else ("", None)

    def _last_resolved(self, first: int, end: int) -> _Entity | None:
        """The entity of the last subject of self._subjects[first:end] that stands for one (the subjects of
        a figure's paragraph before its clause; first is the paragraph's first subject). Each subject's
        answer is kept: a paragraph of n figures whose subjects resolve to nothing costs n steps, not n^2."""
        found: tuple[int, _Entity | None] = (-1, None)
        walked = []
        k = end - 1
        while k >= first:
            if k in self._nearest:
                found = self._nearest[k]
                break
            pos, item = self._subjects[k]
            entity = self._entity(item) if isinstance(item, _Mention) else self._resolve_anaphor(item, pos)
            if entity is not None:
                found = (k, entity)
                self._nearest[k] = found
                break
            walked.append(k)
            k -= 1
        for k in walked:
            self._nearest[k] = found
        return found[1]

    # ----------------------------------------------------------------- building

    def _find_anaphora(self) -> list[_Anaphor]:
        taken = bytearray(len(self.text))
        for m in self._mentions:
            taken[m.place.start : m.place.end] = b"\x01" * (m.place.end - m.place.start)
        return [
            _Anaphor(m.start(), m.end(), m.group(0))
            for m in _lexicon().anaphora.finditer(self.text)
            if not any(taken[m.start() : m.end()])
        ]

    def _find_subjects(self) -> list[tuple[int, _Mention | _Anaphor]]:
        items: list[tuple[int, int, _Mention | _Anaphor]] = [(m.place.start, m.place.end, m) for m in self._mentions]
        items += [(a.start, a.end, a) for a in self._anaphora]
        items.sort(key=lambda x: x[0])
        subjects: list[tuple[int, _Mention | _Anaphor]] = []
        clause_initial_ends: dict[int, bool] = {}  # end offset of an item -> that item starts its clause
        for start, end, item in items:
            chained = clause_initial_ends.get(start, False)  # 武威市凉州区: right after a clause-initial place
            at_start = chained or self._starts_clause(start)
            clause_initial_ends[end] = at_start
            topic = isinstance(item, _Mention) and item.place.level == "zone" and self._closes_phrase(start, end)
            if not (at_start or topic) or not self._is_free(start, end):
                continue
            if chained and subjects and self._ends_at(subjects[-1][1], start):
                subjects.pop()  # of adjacent places the last one is the subject
            subjects.append((start, item))
        return subjects

    def _division_list_subjects(self) -> list[tuple[int, _Mention]]:
        """Lists of two or more divisions that open a clause (康县、徽县、两当县等6个县区集中签约...), each as a
        subject standing for the items' common parent division, else for the main place."""
        text, seps = self.text, _words()["division_list_separators"]
        divisions = [m for m in self._mentions if m.place.level in _LEVEL_RANK]
        found: list[tuple[int, _Mention]] = []
        i = 0
        while i < len(divisions):
            first = divisions[i]
            j = i
            while j + 1 < len(divisions) and text[divisions[j].place.end : divisions[j + 1].place.start] in seps:
                j += 1
            if j > i and self._starts_clause(first.place.start) and self._is_free_company(first):
                items = divisions[i : j + 1]
                entity = self._common_parent(items) or self._main_entity
                if entity is not None:
                    place = Place(entity.name, entity.code, entity.level, first.place.start, items[-1].place.end)
                    found.append((first.place.start, _Mention(place, entity.key, entity.zone_kind, entity.name)))
            i = j + 1
        return found

    def _is_free_company(self, mention: _Mention) -> bool:
        """The mention is not inside a company name."""
        i = bisect.bisect_right(self._company_starts, mention.place.start) - 1
        return i < 0 or mention.place.end > self._companies[i][1]

    def _common_parent(self, items: list[_Mention]) -> _Entity | None:
        """The nearest division above every item (陇南市 for 康县、徽县), if they share one."""
        chains = [[e.key for e in self._ancestry(self._entity(m))[1:]] for m in items]
        if not all(chains):
            return None
        for code in chains[0]:
            if all(code in chain for chain in chains[1:]):
                d = _lexicon().divisions[code]
                return _Entity(d.name, d.code, d.level, d.code, None)
        return None

    @staticmethod
    def _ends_at(item: _Mention | _Anaphor, pos: int) -> bool:
        return (item.place.end if isinstance(item, _Mention) else item.end) == pos

    def _starts_clause(self, start: int) -> bool:
        text, lex = self.text, _lexicon()
        i = start
        while i > 0 and text[i - 1].isspace() and text[i - 1] != "\n":
            i -= 1
        head = lex.opener_tail.search(text, max(0, i - 24), i)
        if head is not None and head.start() < i:
            i = head.start()
        return i == 0 or text[i - 1] in _BOUNDARY

    def _closes_phrase(self, start: int, end: int) -> bool:
        """A zone closing a 的/个 phrase: 规划面积4656亩的国家玉米种子产业园,..."""
        words = _words()
        if start == 0 or self.text[start - 1] not in words["bare_park_left"]:
            return False
        return end == len(self.text) or self.text[end] in _CLAUSE_END

    def _is_free(self, start: int, end: int) -> bool:
        """Not part of a company or media name and not an item of a list."""
        text = self.text
        i = bisect.bisect_right(self._company_starts, start) - 1
        if i >= 0 and end <= self._companies[i][1]:
            return False
        lex = _lexicon()
        if text.startswith(lex.media_heads, end):
            return False  # 兰州日报讯, 甘州区融媒体中心: the outlet, not the place
        if start > 0 and text[start - 1] == "、":
            return False
        tail = text[end : end + 13]
        for i, ch in enumerate(tail):  # 甘肃纳塔新材料、... / 卓尼洮河文化风情线等9个: a list item
            if ch == "、" or ch == "等" and _NUMERAL.match(tail[i + 1 : i + 2] or " "):
                return False
            if ch in _CLAUSE_END or ch == "的" or ch.isdigit():
                break  # 签约项目23个、总投资...: the list is of figures, the place is their subject
        i = bisect.bisect_left(self._sentence_breaks, start) - 1
        sentence_start = self._sentence_breaks[i] + 1 if i >= 0 else 0
        head = text[sentence_start : min(start, sentence_start + 32)].lstrip()  # openers sit at the head
        opener = lex.opener_head.match(head)
        head = head[opener.end() :].lstrip("，,") if opener else head
        return not head.startswith(lex.enumeration_openers)

    def _find_main(self) -> tuple[Place | None, _Entity | None]:
        if self._title_mentions:
            chosen = self._title_mentions[0]
            for m in self._title_mentions[1:]:
                if m.place.start != chosen.place.end:
                    break
                chosen = m  # 辽宁大连: the last place of a chain
            return chosen.place, self._entity(chosen)
        if any(w in self.title for w in _words()["province_anaphora"]):
            province = self._province_entity(None)
            return (_inferred_place(province), province) if province else (None, None)
        first_paragraphs = self._first_paragraphs_end(3)
        for pos, item in self._subjects:
            if pos >= first_paragraphs:
                break
            if isinstance(item, _Mention):
                return item.place, self._entity(item)
            if item.word in _words()["province_anaphora"]:
                province = self._province_entity(None)
                if province:
                    return _inferred_place(province), province
        counts = Counter(m.key for m in self._mentions)
        if counts:
            key = counts.most_common(1)[0][0]
            first = next(m for m in self._mentions if m.key == key)
            return first.place, self._entity(first)
        return None, None

    def _first_paragraphs_end(self, n: int) -> int:
        seen, pos = 0, 0
        for line in self.text.split("\n"):
            pos += len(line) + 1
            if line.strip():
                seen += 1
                if seen == n:
                    return pos
        return len(self.text)

    def _province_entity(self, main: _Entity | None) -> _Entity | None:
        """The province of the main place, else the one the article names most."""
        divs = _lexicon().divisions
        code = self._division_code(main) if main else None
        if code is None:
            counts = Counter(
                divs[c].province_code for m in [*self._mentions, *self._title_mentions] if (c := m.place.code) in divs
            )
            if not counts:
                return None
            code = counts.most_common(1)[0][0]
        province = divs[divs[code].province_code]
        return _Entity(province.name, province.code, "province", province.code, None)

    # ----------------------------------------------------------------- resolving

    def _clause_span(self, offset: int, clause: str) -> tuple[int, int]:
        """Where clause sits in the text: at offset, else the occurrence that covers offset."""
        if self.text.startswith(clause, offset):
            return offset, offset + len(clause)
        found = self.text.rfind(clause, max(0, offset - len(clause)), offset + len(clause))
        start = found if found != -1 else offset
        return start, start + len(clause)

    @staticmethod
    def _entity(mention: _Mention) -> _Entity:
        p = mention.place
        return _Entity(p.name, p.code, p.level, mention.key, mention.zone_kind)

    @staticmethod
    def _division_code(entity: _Entity) -> str | None:
        return entity.code if entity.code in _lexicon().divisions else None

    def _ancestry(self, entity: _Entity) -> list[_Entity]:
        divs = _lexicon().divisions
        chain = [entity]
        code = entity.code if entity.level == "zone" else (divs[entity.code].parent_code if entity.code in divs else "")
        while code in divs:
            d = divs[code]
            chain.append(_Entity(d.name, d.code, d.level, d.code, None))
            code = d.parent_code
        return chain

    def _resolve_anaphor(self, anaphor: _Anaphor, pos: int) -> _Entity | None:
        words = _words()
        if anaphor.word in words["province_anaphora"]:
            return self._province_entity(self._main_entity)
        for suffix, group in words["division_anaphora"].items():
            if anaphor.word in group:
                if self._main_entity is None:
                    return None
                names = [(e, self._named(e)[0]) for e in self._ancestry(self._main_entity)]
                return next((e for e, name in names if e.name.endswith(suffix) or name.endswith(suffix)), None)
        kinds = words["zone_anaphora"].get(anaphor.word, [])
        for m in reversed(self._mentions[: bisect.bisect_right(self._mention_ends, pos)]):
            if m.place.level == "zone" and m.zone_kind in kinds:
                return self._entity(m)
        main = self._main_entity
        return main if main is not None and main.level == "zone" else None

    def _named(self, entity: _Entity) -> tuple[str, str | None]:
        """The entity as the article writes it most, else its official name. Kept per entity: an article's
        figures name the same few entities, and the usage counts are fixed once the context is built."""
        key = (entity.key, entity.name, entity.code)
        named = self._names.get(key)
        if named is None:
            named = self._names[key] = self._count_named(entity)
        return named

    def _count_named(self, entity: _Entity) -> tuple[str, str | None]:
        lex = _lexicon()
        if entity.key in lex.divisions:
            d = lex.divisions[entity.key]
            forms = [d.name, *d.aliases]
        elif entity.key in lex.zones:
            z = lex.zones[entity.key]
            forms = [z.name, *z.aliases]
        else:
            forms = [entity.name]
        used = {form: self._usage[(entity.key, _half_width_parens(form))] for form in forms}
        best = max(forms, key=lambda f: used[f])  # max keeps the first (official) form on a tie
        return best, entity.code
