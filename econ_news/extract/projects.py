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

Word lists live in econ_news/reference/project_words.json; the regexes are built from them once.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

from econ_news.extract import budget
from econ_news.extract.amounts import Quantity, find_quantities
from econ_news.extract.entities import EntityContext, Place, find_companies, find_places
from econ_news.extract.periods import PeriodMention, find_periods
from econ_news.records import STATUS_CODES, Article, Project, Sentence, stable_id
from econ_news.segment.sentences import split_sentences
from econ_news.reference import alternation, load_json

_RANK = {code: i for i, code in enumerate(STATUS_CODES)}
_STARTED = _RANK["started"]

_CLAUSE_END = ",，;；:：。!！?？\n"
_CLAUSE_BREAK = re.compile(r"[,，;；:：。!！?？\n]")
_QUOTES = "“”\"‘’《》「」"
_NOT_NAME = re.escape(_CLAUSE_END + _QUOTES + "、—…()　 \t")
_GAP = "[^,，;；:：。!！?？\\n]{0,6}"  # "…" in a wording: a short gap inside one clause
_CN_NUMERAL = "[两三四五六七八九十百千几多数]+"
_AMOUNT = r"[0-9.]+(?:万|亿)+元?(?:以上|以下)?|亿元以上|万元以上"
# The characters a name is made of, ending where its head noun starts: a short bracketed part (稻盛云(武威))
# and a short quoted word (庆阳“东数西算”产业园区) belong to it.
_NAME_RUN = re.compile(
    rf"(?:[^{_NOT_NAME}]|\([^{_NOT_NAME}]{{1,10}}\)|“[^{_NOT_NAME}]{{1,10}}”)+$"
)
# A lone lowercase Latin letter between Chinese characters is residue of pinyin or a broken encoding.
_STRAY_LETTER = re.compile(r"[\u4e00-\u9fff][a-z][\u4e00-\u9fff]")
# 兰州至永靖沿黄河快速通道: a route between two places is one road or railway.
_ROUTE = re.compile(r"[\u4e00-\u9fff]{2,}至[\u4e00-\u9fff]{2,}")
_BARE_AMOUNT = re.compile(rf"{_AMOUNT}|[0-9.]+")
_DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_BARE_ANAPHORS = ("项目", "工程")  # point back only at the start of a clause
_RULE_ORDER = {"quoted": 0, "named": 1, "listed": 2, "included": 3, "defined": 4, "alias": 5}
# 中国电信股份有限公司甘肃分公司: a branch written after a company name belongs to it.
_BRANCH = re.compile(r"[\u4e00-\u9fff]{2,6}?分公司")


# ------------------------------------------------------------------ reference words and regexes


@cache
def _words() -> dict[str, Any]:
    return load_json("project_words.json")



@dataclass(frozen=True)
class _Lexicon:
    head: re.Pattern[str]  # head noun sequence closing a name: 产业园项目, 中心二期项目, 项目(甘州段)
    terminal_end: re.Pattern[str]
    coordinated: re.Pattern[str]
    place_end: re.Pattern[str]  # a text ending like a place or a park: 静宁工业园区, 甘州区
    phase: re.Pattern[str]
    leader: re.Pattern[str]
    rejecting_leader: re.Pattern[str]  # 入选 / 促进 / 进行 before a name: a title, an aim, a piece of work
    location_leader: re.Pattern[str]  # 位于 / 入驻 before a park or base: where something is
    activity_leader: re.Pattern[str]
    opener: re.Pattern[str]
    superlative: re.Pattern[str]
    quantifier: re.Pattern[str]
    generic_token: re.Pattern[str]
    place_prefix: re.Pattern[str]
    status: re.Pattern[str]
    status_kinds: tuple[tuple[re.Pattern[str], str, bool], ...]
    future_marker: re.Pattern[str]
    future_completion: re.Pattern[str]
    future_start: re.Pattern[str]
    future_after: re.Pattern[str]
    list_tail: re.Pattern[str]
    count_after: re.Pattern[str]
    modifier_stop: re.Pattern[str]
    enumeration: re.Pattern[str]
    enumeration_split: re.Pattern[str]
    separator_prefix: re.Pattern[str]
    quoted: re.Pattern[str]
    defined_tail: re.Pattern[str]  # 是...重点项目 closing a clause, matched at the 是 (see _defined_subjects)
    anaphor: re.Pattern[str]
    compound_after_anaphor: re.Pattern[str]
    investment_before: re.Pattern[str]
    not_investment_before: re.Pattern[str]
    land_before: re.Pattern[str]
    capacity_before: re.Pattern[str]
    capacity_prefix: re.Pattern[str]
    capacity_units: frozenset[str]
    title_after: re.Pattern[str]
    deal_after: re.Pattern[str]
    deal_verb: re.Pattern[str]
    developer_after: re.Pattern[str]
    amount_of_name: re.Pattern[str]
    key_project: re.Pattern[str]
    group_counters: frozenset[str]
    site_after: re.Pattern[str]
    caption: re.Pattern[str]
    completion_only: frozenset[str]
    component_leader: re.Pattern[str]
    location_preposition: re.Pattern[str]
    park_end: re.Pattern[str]
    builder_title: re.Pattern[str]
    first_person: re.Pattern[str]
    ordinal_subject: re.Pattern[str]
    item_marker: re.Pattern[str]
    alias: re.Pattern[str]
    designation_any: re.Pattern[str]
    count_copula: re.Pattern[str]
    head_end: re.Pattern[str]
    inner_deng: re.Pattern[str]


@cache
def _lexicon() -> _Lexicon:
    w = _words()
    heads = alternation(w["head_nouns"])
    phase = w["phase_pattern"]
    section = rf"\((?:[^()\n,，。;；、]{{1,8}}段|{phase})\)"
    head_seq = rf"(?>(?:{heads})(?:(?:{phase})?(?:{heads}))*(?:{phase})?(?:{section})?)"
    count = rf"(?:[0-9]+|{_CN_NUMERAL}|一)(?:{alternation(w['list_counters'])})"
    # The same count for a pattern searched through the whole text: its numeral starts where the run of
    # numerals starts. A match cannot begin inside a run anyway (the run's end, and so what follows it, is
    # the same from every start), but without the look-behind each start re-reads the run to its end: a run
    # of n digits cost n^2 steps.
    count_at_run_start = (
        rf"(?:(?<![0-9])[0-9]+|(?<!{_CN_NUMERAL[:-1]}){_CN_NUMERAL}|一)(?:{alternation(w['list_counters'])})"
    )
    group_heads = alternation(w["list_group_heads"])
    kinds = [(item, code, False) for code, items in w["status_wordings"].items() for item in items]
    kinds += [(item, "under_construction", True) for item in w["soft_under_construction"]]
    kinds.sort(key=lambda k: len(k[0].replace("…", "")), reverse=True)
    wordings = [_GAP.join(re.escape(part) for part in k[0].split("…")) for k in kinds]
    time_expr = (
        r"(?:[0-9]{4}年)?(?:[0-9]{1,2}月)?(?:[0-9]{1,2}日)?(?:上旬|中旬|下旬|初|底|末)?"
        r"(?:第?[一二三四1-4]季度|[上下]半年)?"
    )
    not_clause = "[^,，;；:：。!！?？\\n]"
    key = alternation(w["key_project_words"])
    terminal = alternation(w["terminal_heads"])
    rejecting = w["designation_leaders"] + w["purpose_leaders"] + w["activity_leaders"]
    return _Lexicon(
        head=re.compile(rf"{head_seq}(?!(?:\([^()]{{1,8}}\))?(?:{alternation(w['head_stops'])}))"),
        terminal_end=re.compile(rf"(?:{terminal})(?:{phase})?(?:{section})?$"),
        coordinated=re.compile(rf"(?:{heads})[和及与、]"),
        place_end=re.compile(rf"(?:{heads}|[省市县区州镇乡村])$"),
        phase=re.compile(phase),
        leader=re.compile(alternation(w["leaders"] + rejecting + w["location_leaders"])),
        rejecting_leader=re.compile(rf"(?:{alternation(rejecting)})$"),
        location_leader=re.compile(rf"(?:{alternation(w['location_leaders'])})$"),
        activity_leader=re.compile(rf"(?:{alternation(w['activity_leaders'])})$"),
        opener=re.compile(rf"(?:{time_expr}(?:{alternation(w['time_words'])})?)+"),
        superlative=re.compile(alternation(w["superlatives"])),
        quantifier=re.compile(rf"{alternation(w['quantifier_openers'])}|{count}|(?:[0-9]+|{_CN_NUMERAL}|一)大"),
        generic_token=re.compile(
            rf"{alternation(w['generic_words'] + w['time_words'])}|{_AMOUNT}|{count}|[0-9]{{4}}年"
            r"|第?[一二三四1-4]季度|第[一二三四五六七八九十0-9]+(?:批|次|届)|[一二三四五六七八九十0-9]+标段|[0-9]+|[，,、]"
        ),
        place_prefix=re.compile(r"[\u4e00-\u9fff]{2,4}?(?:省|市|县|州|盟|旗)|[\u4e00-\u9fff]{1,3}?区"),
        status=re.compile(rf"(?:{'|'.join(wordings)})(?!{alternation(w['status_not_followed_by'])})"),
        status_kinds=tuple((re.compile(r), code, soft) for r, (_, code, soft) in zip(wordings, kinds)),
        future_marker=re.compile(rf"(?:{alternation(w['future_markers'])})(?!总?投资)"),
        future_completion=re.compile(alternation(w["future_completion_words"])),
        future_start=re.compile(alternation(w["future_start_words"])),
        future_after=re.compile(rf"{not_clause}{{0,4}}?后[,，]?(?:{alternation(w['future_after_words'])})"),
        list_tail=re.compile(
            rf"(?:等(?:{count}|一批|一大批)?|(?P<count>{count_at_run_start}))"
            rf"(?P<mods>[^,，;；:：。!！?？\n、“”]{{0,20}}?)(?:{group_heads})"
        ),
        count_after=re.compile(rf"(?:有|共|达|约)?(?:{count}|库|有限公司|公司)"),
        modifier_stop=re.compile(alternation(w["list_modifier_stops"])),
        enumeration=re.compile(
            rf"(?:{alternation(w['enumeration_openers'])})(?P<body>[^。;；!！?？\n]+?)等"
            rf"(?![^{_NOT_NAME}等]{{1,12}}?(?:{heads})(?:{phase})?(?:、|以及|及|等))"
            rf"(?=[。;；!！?？\n]|$|(?:{count})?{not_clause}{{0,6}}(?:{group_heads}))"
        ),
        enumeration_split=re.compile(alternation(w["enumeration_separators"])),
        separator_prefix=re.compile(alternation(w["separator_words"])),
        quoted=re.compile(rf"“(?P<name>[^“”\n]{{2,40}}?{head_seq})”"),
        defined_tail=re.compile(
            rf"是{not_clause}{{0,40}}?(?:{key}){not_clause}{{0,8}}?(?:{terminal})(?=[,，;；。!！?？\n]|$)"
        ),
        anaphor=re.compile(alternation(w["anaphors"])),
        compound_after_anaphor=re.compile(alternation(w["anaphor_not_followed_by"])),
        investment_before=re.compile(rf"(?:{alternation(w['investment_words'])})(?:为|达|共|合计|约为)?$"),
        not_investment_before=re.compile(
            rf"(?:{alternation(w['investment_not_after'])})(?:[\u4e00-\u9fff]{{0,4}}?)(?:计划)?(?:总)?投资"
        ),  # 完成投资, 完成固定资产投资, 累计完成项目投资
        land_before=re.compile(rf"(?:{alternation(w['land_words'])})(?:约|为|达|共)?$"),
        capacity_before=re.compile(rf"(?:{alternation(w['capacity_words'])})(?:为|达|约)?$"),
        capacity_prefix=re.compile(rf"(?:{alternation(w['capacity_prefixes'])})$"),
        capacity_units=frozenset(w["capacity_units"]),
        title_after=re.compile(rf"[\u4e00-\u9fff()]{{0,12}}?(?:{alternation(w['person_titles'])})"),
        deal_after=re.compile(rf"(?:进行了?|正式|成功|顺利)?(?:{alternation(w['deal_verbs'])})"),
        deal_verb=re.compile(alternation(w["deal_verbs"])),
        developer_after=re.compile(rf"(?:{alternation(w['developer_verbs'])})的?"),
        amount_of_name=re.compile(rf"(?:(?:{alternation(w['developer_verbs'])})?的)?"),
        key_project=re.compile(rf"[,，]?是{not_clause}{{0,20}}(?:{key}){not_clause}{{0,6}}(?:{terminal})"),
        group_counters=frozenset(w["list_counters"]),
        site_after=re.compile(r"[^,，;；:：。!！?？\n的]{0,8}?(?:施工|建设|生产)?现场"),  # 甲项目三标段工程建设现场
        caption=re.compile(r"\s*\([^()]*\)\s*$"),
        completion_only=frozenset(w["completion_only_words"]),
        component_leader=re.compile(alternation(w["component_leaders"])),
        location_preposition=re.compile(rf"(?:{alternation(w['location_prepositions'])})$"),
        park_end=re.compile(rf"(?:{alternation(w['park_heads'])})$"),
        builder_title=re.compile(rf"[\u4e00-\u9fff()]{{0,12}}?(?:{alternation(w['builder_titles'])})"),
        first_person=re.compile(alternation(w["first_person"])),
        ordinal_subject=re.compile(w["ordinal_subjects"]),
        item_marker=re.compile(w["item_markers"]),
        designation_any=re.compile(alternation(w["designation_leaders"])),
        count_copula=re.compile(rf"(?:{count}){not_clause}{{0,8}}?(?:{group_heads})(?:分别)?是$"),
        head_end=re.compile(rf"(?:{heads})(?:{phase})?(?:{section})?$"),
        # 钛、锆等稀有金属加工项目: a 等 inside an item, followed by the rest of its name and its head noun
        inner_deng=re.compile(rf"[^{_NOT_NAME}]等[^{_NOT_NAME}等]{{1,12}}?(?:{heads})(?:{phase})?$"),
        alias=re.compile(
            rf"\((?:{alternation(w['alias_openers'])})[:：]?[“\"]?(?P<alias>[^()“”\"\n,，。]{{2,24}}?)[”\"]?\)"
        ),
    )


# ------------------------------------------------------------------ one article's text, indexed


@dataclass
class _Doc:
    """An article's text with the indexes every rule uses, built once per article."""

    text: str
    sentence_starts: list[int]
    sentence_ends: list[int]
    paragraph_of_sentence: list[int]
    clause_breaks: list[int]  # positions of clause punctuation
    quantities: list[Quantity]
    quantity_starts: list[int]
    companies: list[Place]
    company_starts: list[int]
    caption_spans: list[tuple[int, int]]  # paragraphs that are only a bracketed photo caption
    in_company_name: bytearray  # 1 at every position inside a company name: one lookup instead of a scan
    pointers: list[re.Match[str]] | None = None  # _anaphora's pointer words, found on its first call

    def sentence_index(self, pos: int) -> int:
        i = bisect_right(self.sentence_starts, pos) - 1
        return i if i > 0 else 0

    def sentence_span(self, pos: int) -> tuple[int, int]:
        i = self.sentence_index(pos)
        return self.sentence_starts[i], self.sentence_ends[i]

    def paragraph(self, pos: int) -> int:
        return self.paragraph_of_sentence[self.sentence_index(pos)]

    def clause_start(self, pos: int) -> int:
        i = bisect_left(self.clause_breaks, pos)
        return self.clause_breaks[i - 1] + 1 if i else 0

    def clause_end(self, pos: int) -> int:
        i = bisect_left(self.clause_breaks, pos)
        return self.clause_breaks[i] if i < len(self.clause_breaks) else len(self.text)

    def quantities_in(self, start: int, end: int) -> list[Quantity]:
        """The quantities that start at or after start and end by end (the starts are sorted)."""
        starts = self.quantity_starts
        return [q for q in self.quantities[bisect_left(starts, start) : bisect_left(starts, end)] if q.end <= end]

    def companies_in(self, start: int, end: int) -> list[Place]:
        """The companies that start at or after start and end by end (the starts are sorted)."""
        starts = self.company_starts
        return [c for c in self.companies[bisect_left(starts, start) : bisect_left(starts, end)] if c.end <= end]

    def in_company(self, pos: int) -> bool:
        return self.in_company_name[pos] == 1

    def in_caption(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.caption_spans)


def _index(article: Article) -> _Doc:
    text = article.text
    sentences = list(article.sentences or split_sentences(text)) or [Sentence(0, len(text), 0)]
    quantities = sorted(find_quantities(text), key=lambda q: q.start)
    companies = sorted(find_companies(text), key=lambda c: c.start)
    caption = _lexicon().caption
    captions = []
    pos = 0
    for line in text.split("\n"):
        if caption.match(line):
            captions.append((pos, pos + len(line)))
        pos += len(line) + 1
    in_company_name = bytearray(len(text))
    for c in companies:
        in_company_name[c.start : c.end] = b"\x01" * (c.end - c.start)
    return _Doc(
        text=text,
        sentence_starts=[s.start for s in sentences],
        sentence_ends=[s.end for s in sentences],
        paragraph_of_sentence=[s.paragraph for s in sentences],
        clause_breaks=_clause_breaks(text),
        quantities=quantities,
        quantity_starts=[q.start for q in quantities],
        companies=companies,
        company_starts=[c.start for c in companies],
        caption_spans=captions,
        in_company_name=in_company_name,
    )


# ------------------------------------------------------------------ mentions


@dataclass
class _Mention:
    """One place where the article names a project."""

    start: int  # the name's span in the text (without a company prefix)
    end: int
    name: str
    rule: str
    company: str | None = None
    investment: Quantity | None = None
    outer_start: int | None = None  # start of the name with its company prefix
    list_id: int | None = None  # items of one list are distinct projects
    tail_from: int | None = None  # where the text after the name (after a list's group noun) starts
    subject: bool = False  # the name opens its clause: an antecedent for a later 项目 / 该项目
    group_status: str | None = None  # status words inside a list's group noun (35项已签约项目)
    governing: tuple[int, int] | None = None  # text whose status applies when the mention's own states none
    scope: list[tuple[int, int]] = field(default_factory=list)  # [clause before the name, text after it]
    future_until: int = -1  # the clause before the name says 力争/计划: its status words up to here are future
    lead_from: int = 0  # start of the sentence's text before the name, after any earlier mention
    counted: bool = False  # named after a count of projects (最大的两个项目是甲项目和乙项目)


def extract_projects(article: Article, context: EntityContext) -> list[Project]:
    """The projects the article names, one row per distinct project. context is the extract stage's shared
    entity context; projects need only the article's companies and places, read with entities' functions."""
    if not article.text:
        return []
    doc = _index(article)
    mentions: list[_Mention] = []
    lists = _find_lists(doc)
    listed = [(m.start, m.end) for items in lists for m in items]
    lists += [items for items in _find_enumerations(doc)
              if not any(m.start < b and a < m.end for m in items for a, b in listed)]
    for list_id, items in enumerate(lists, 1):
        for m in items:
            m.list_id = list_id
        mentions.extend(items)
    for finder in (_find_quoted, _find_named, _find_defined):
        taken = [(m.start, m.end) for m in mentions]
        mentions.extend(m for m in finder(doc) if not any(m.start < b and a < m.end for a, b in taken))
    mentions = sorted((m for m in mentions if not doc.in_caption(m.start)), key=lambda m: m.start)
    aliases = _aliases(doc, mentions)
    _set_scopes(doc, mentions)
    masked = _masked(doc, mentions)
    anaphora = _anaphora(doc, mentions)
    kept = [m for m in mentions if not _needs_evidence(m)
            or _is_specific(doc, masked, m, [(a, b) for a, b, explicit in anaphora.get(m.start, []) if explicit])]
    if len(kept) < len(mentions):
        mentions = kept
        _set_scopes(doc, mentions)
        masked = _masked(doc, mentions)
        anaphora = _anaphora(doc, mentions)
    periods = find_periods(doc.text, article.published_date)
    return [_project(article, doc, masked, group, anaphora, periods, mentions)
            for group in _merge(mentions, aliases)]


def _aliases(doc: _Doc, mentions: list[_Mention]) -> dict[str, _Mention]:
    """甲高纯镍钴新材料一体化项目(以下简称“镍钴一体化项目”): the short form's key -> the mention of the full
    name. A mention of the short form inside the brackets is marked rule 'alias' (never the row's name)."""
    out: dict[str, _Mention] = {}
    for a in _lexicon().alias.finditer(doc.text):
        full = next((m for m in mentions if m.end == a.start() and m.list_id is None), None)
        if full is None:
            continue
        out[_key(a.group("alias"))] = full
        for m in mentions:
            if a.start() <= m.start and m.end <= a.end():
                m.rule = "alias"
    return out

class _MaskedText(str):
    """The article text with names blanked out, and where its clause punctuation is (what _clause_breaks would
    find in it: the text's, less any inside a blanked name), so that it is not scanned again."""

    clause_breaks: list[int]


def _masked(doc: _Doc, mentions: list[_Mention]) -> _MaskedText:
    """The text with every name blanked out, so status words inside names (续建项目) are not read."""
    text = doc.text
    parts = []
    pos = 0
    for m in mentions:
        if m.start >= pos:
            parts += [text[pos : m.start], "□" * (m.end - m.start)]
            pos = m.end
    parts.append(text[pos:])
    masked = _MaskedText("".join(parts))
    masked.clause_breaks = [b for b in doc.clause_breaks if masked[b] != "□"]
    return masked


# ------------------------------------------------------------------ name boundaries and tests


def _name_run_start(doc: _Doc, head_start: int, floor: int) -> int:
    """Leftmost start of the characters a name can be made of, ending where its head noun starts. floor is
    at or after the start of the head noun's clause."""
    m = _NAME_RUN.search(doc.text, floor, head_start)
    return m.start() if m else head_start


def _cut_leaders(text: str, start: int, end: int) -> tuple[int, str]:
    """The name's start after the last leader word in text[start:end], and that leader ('' if none)."""
    last = None
    for last in _lexicon().leader.finditer(text, start, end):
        pass
    return (last.end(), last.group()) if last else (start, "")


def _strip_openers(text: str, start: int, end: int) -> int:
    """Skip leading dates, framing words (目前, 该市, 我省) and superlatives (全省首个)."""
    lex = _lexicon()
    while start < end:
        m = lex.opener.match(text, start, end) or lex.superlative.match(text, start, end)
        if not m or m.end() == start:
            break
        start = m.end()
    return start


@lru_cache(maxsize=8192)
def _is_generic(core: str) -> bool:
    """True when a name only classifies: 重点项目, 省列重点建设项目, 张掖市2020年第一季度重点项目."""
    lex = _lexicon()
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
def _head_core(name: str) -> str:
    """The name without its closing head nouns and phase words: what says which project it is."""
    lex = _lexicon()
    last = None
    for last in lex.head.finditer(name):
        pass
    if last is not None and last.end() == len(name):
        name = name[: last.start()]
    return lex.phase.sub("", name)


def _opens_clause(doc: _Doc, pos: int) -> bool:
    """Nothing but quotes and dating words between the clause start and pos."""
    start = doc.clause_start(pos)
    while start < pos and doc.text[start] in _QUOTES:
        start += 1
    return _strip_openers(doc.text, start, pos) == pos


def _is_predicate(doc: _Doc, cut: int, end: int) -> bool:
    """甲项目是...的重点支撑项目, / 甲项目,是...民生工程; : a head-noun phrase after 是 that closes its clause
    classifies the subject. When the subject is only a count (最大的两个项目是甲项目和乙项目) it names it."""
    text = doc.text
    if end < len(text) and text[end] not in _CLAUSE_END:
        return False
    clause_start = doc.clause_start(cut)
    copula = text.find("是", clause_start, cut)
    if copula < 0:
        return False
    subject_start = doc.clause_start(clause_start - 1) if copula == clause_start and clause_start else clause_start
    subject_end = copula if copula > clause_start else max(subject_start, clause_start - 1)
    subject = text[_cut_leaders(text, subject_start, subject_end)[0] : subject_end]
    lex = _lexicon()
    if lex.anaphor.match(subject):
        return True  # 该项目是...示范项目
    if lex.ordinal_subject.fullmatch(subject):
        return False  # 一是甲项目,总投资32亿元: the items of a numbered list
    return not (lex.quantifier.match(subject) or _is_generic(_head_core(subject)))


# ------------------------------------------------------------------ status


@dataclass(frozen=True)
class _StatusHit:
    code: str
    soft: bool  # progress only (推进, 进展顺利)
    start: int
    end: int
    future: bool = False  # read through a future marker (预计今年7月建成投产)
    word: str = ""


@lru_cache(maxsize=4096)
def _status_kind(word: str) -> tuple[str, bool]:
    """(status code, soft) of a wording the status regex matched: the first (longest) kind that reads it
    whole. Cached: the same few wordings recur in every article."""
    return next((c, s) for r, c, s in _lexicon().status_kinds if r.fullmatch(word))


@lru_cache(maxsize=4)
def _clause_breaks(text: str) -> list[int]:
    """Sorted positions of clause punctuation in text (the article or its masked copy): the last one before
    a position, found by bisection, is where that position's clause starts. Cached for the few texts of the
    article being read; callers must not change the list."""
    return [m.start() for m in _CLAUSE_BREAK.finditer(text)]


def _status_hits(masked: str, start: int, end: int, future_until: int = -1) -> list[_StatusHit]:
    """Status wordings in masked[start:end]. Wordings before future_until are read as future (the name's
    clause opened with 力争 / 计划: 力争甲、乙等32个项目竣工投产)."""
    lex = _lexicon()
    hits = []
    breaks = None
    for m in lex.status.finditer(masked, start, end):
        word = m.group()
        code, soft = _status_kind(word)
        if lex.future_after.match(masked, m.end(), min(len(masked), m.end() + 6)):
            continue  # 建成后将...: what will follow completion, not a state
        if breaks is None:
            breaks = masked.clause_breaks if isinstance(masked, _MaskedText) else _clause_breaks(masked)
        i = bisect_left(breaks, m.start())
        clause_start = max(start, breaks[i - 1] + 1) if i else start
        future = m.start() < future_until or lex.future_marker.search(masked, clause_start, m.start()) is not None
        if future and lex.future_completion.search(word):
            code, soft = "under_construction", False
        elif future and lex.future_start.search(word):
            code, soft = "planned", False
        hits.append(_StatusHit(code, soft, m.start(), m.end(), future, word))
    return hits


def _combine(hits: list[_StatusHit], group_status: str | None = None) -> _StatusHit | None:
    """The most advanced stated status. Progress-only wordings mean under construction for a project that
    has started or states nothing else, and leave a planned or signed one as it is
    (已签约项目正有序推进 stays signed, 已开工项目进展顺利 is under construction)."""
    hard = [h for h in hits if not h.soft]
    if group_status:
        hard.append(_StatusHit(group_status, False, -1, -1))
    soft = [h for h in hits if h.soft]
    best = max(hard, key=lambda h: _RANK[h.code], default=None)
    if best is not None and best.code == "in_operation":
        # 新建成的甲项目正在调试: building is finished, the trial going on is the later state.
        done = [h for h in hard if h.code == "in_operation"]
        trial = [h for h in hard if h.code == "trial_operation" and not h.future]
        if trial and all(h.word in _lexicon().completion_only for h in done):
            best = trial[0]
    if best is not None and best.code == "under_construction" and best.start >= 0:
        # 甲项目正式开工建设。该项目预计2026年建成投产: the start is the news, the completion only expected.
        ahead = [h for h in hard if _RANK[h.code] > _STARTED]
        started = [h for h in hard if h.code == "started" and not h.future]
        if started and all(h.future for h in ahead):
            best = started[0]
    if soft and (best is None or _RANK[best.code] == _STARTED):
        return soft[0]
    return best


# ------------------------------------------------------------------ rules


def _find_lists(doc: _Doc) -> list[list[_Mention]]:
    """甲、乙等N个...项目 / 甲、乙2个省列重点项目 / 甲等一批重点公路: each item a project."""
    lex = _lexicon()
    text = doc.text
    found = []
    for m in lex.list_tail.finditer(text):
        budget.check("projects: lists")
        if m.group("count") is not None and (m.start() == 0 or text[m.start() - 1] in _CLAUSE_END + "、的个项"):
            continue  # without 等 a count closes a list only right after an item (甲、乙2个项目)
        mods = m.group("mods")
        stop = lex.modifier_stop.search(mods)
        if stop and stop.end() != len(mods):
            continue  # 等龙头企业, 等多个领域: not a group of projects
        if mods and not _is_generic(lex.head.sub("", mods)):
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
        pieces = _join_inner_lists(text, pieces)
        if m.group("count") is not None and len(pieces) < 2:
            continue
        first_cut = _cut_leaders(text, *pieces[0])[0]
        if lex.activity_leader.search(text, pieces[0][0], first_cut):
            continue  # 进行路基土石方、涵洞等工程施工: pieces of work, not projects
        items = [item for a, b in pieces if (item := _list_item(doc, a, b)) is not None]
        if not items or 2 * sum(len(it.name) <= 2 for it in items) > len(items):
            continue  # 土地、资金、能耗、环评等项目建设制约障碍: words, not names
        if count_after and len(items) < 2:
            continue  # 城市更新及公共服务等项目11个: a category with its count
        group = _combine(_status_hits(text, m.start("mods"), m.end("mods")))
        for it in items:
            it.tail_from = m.end()
            it.group_status = group.code if group else None
        found.append(items)
    return found


def _list_item(doc: _Doc, start: int, end: int, rule: str = "listed") -> _Mention | None:
    """A list item's name after its leaders and 总投资X的 prefix (its own investment). The item is the name
    as the list writes it; a company it starts with is also its company (正泰集团增量配电网)."""
    lex = _lexicon()
    text = doc.text
    sep = lex.separator_prefix.match(text, start, end)
    if sep:
        start = sep.end()
    lead_end = end
    if lex.inner_deng.search(text, start, end):  # leaders come before the item's inner list
        lead_end = min(i for i in (text.find("、", start, end), text.find("等", start, end)) if i >= 0)
    cut, _ = _cut_leaders(text, start, lead_end)
    investment = _investment_before_name(doc, start, cut)
    start = _strip_openers(text, cut, end)
    name = text[start:end]
    if (len(name) < 2 or lex.quantifier.match(name) or _BARE_AMOUNT.fullmatch(name)
            or _STRAY_LETTER.search(name) or _is_generic(_head_core(name))):
        return None  # also 高速公路 in 甲、乙等高速公路、丙等项目: a kind, not an item
    company = next((c.name for c in doc.companies_in(start, end) if c.start == start and end - c.end >= 2), None)
    return _Mention(start, end, name, rule, company=company, investment=investment)


def _join_inner_lists(text: str, bounds: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """甲项目、年产1万吨钛、锆等稀有金属加工项目: an item with a 等 inside takes back the pieces before it that
    have no head noun of their own."""
    lex = _lexicon()
    out: list[tuple[int, int]] = []
    for a, b in bounds:
        if lex.inner_deng.search(text, a, b):
            while out and text[out[-1][1] : a] == "、" and not lex.head_end.search(text, out[-1][0], out[-1][1]):
                a = out.pop()[0]
        out.append((a, b))
    return out


def _find_enumerations(doc: _Doc) -> list[list[_Mention]]:
    """包括甲、乙,以及丙等。 about projects: each item a project, its status from the governing text."""
    lex = _lexicon()
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
        bounds = _join_inner_lists(text, bounds)
        items = []
        for a, b in bounds:
            while a < b and text[a] in _CLAUSE_END:
                a += 1
            item = _list_item(doc, a, b, "included")
            if item is not None:
                item.tail_from, item.governing = m.end(), governing
                items.append(item)
        if len(items) >= 2:
            found.append(items)
    return found


def _find_quoted(doc: _Doc) -> list[_Mention]:
    """海槿(张掖)生物燃料有限公司“10万吨绿色生物甲醇生产示范项目”."""
    lex = _lexicon()
    out = []
    for m in lex.quoted.finditer(doc.text):
        name = m.group("name")
        if _is_generic(_head_core(name)) or lex.quantifier.match(name) or re.search(f"[{_NOT_NAME}]", name):
            continue
        company = next((c.name for c in doc.companies if c.end == m.start()), None)
        out.append(_Mention(m.start("name"), m.end("name"), name, "quoted", company=company, subject=True,
                            tail_from=m.end()))
    return out


def _find_named(doc: _Doc) -> list[_Mention]:
    """[company] name + head noun. Only the name's form is checked here; _is_specific checks the evidence."""
    lex = _lexicon()
    text = doc.text
    out: list[_Mention] = []
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
        run_start = _name_run_start(doc, head_start, max(floor, clause_start))
        cut, leader = _cut_leaders(text, run_start, head_start)
        if leader and (lex.rejecting_leader.search(text, run_start, cut) or (
                lex.location_leader.search(text, run_start, cut) and not is_terminal)):
            continue  # 入选...示范项目, 促进...项目落地, 位于...园区 (but 引进落地甲项目 is a project)
        if leader == "的" and lex.designation_any.search(text, run_start, cut):
            continue  # 成为关中西部首个投运的大型数据中心: a title given to something
        if (lex.location_preposition.search(text, run_start, cut) and lex.park_end.search(head)
                and not lex.site_after.match(text, h.end())):
            continue  # 甲项目一期在格尔木工业园正式投产: where it happens
        if lex.component_leader.search(text, clause_start, cut):
            continue  # 主要建设封装测试厂房、研发中心及配套设施: parts of a project
        start = _strip_openers(text, cut, head_start)
        previous = out[-1] if out else None
        if text[start] in "和及与" and previous is not None and previous.end == start:
            start += 1  # 甲项目和乙项目: the conjunction is no part of the name
        company = max(doc.companies_in(start, h.start()), key=lambda c: c.end, default=None)
        name_start = company.end if company is not None else start
        name = text[name_start : h.end()]
        core = _head_core(name)
        if not core or lex.quantifier.match(name) or _is_generic(core) or core[-1] in "及和与或":
            continue
        if _STRAY_LETTER.search(name) or (h.group() == "项目" and len(core) < 3):
            continue  # 制约项目, 从项目: 项目 as a common noun after a verb
        if not lex.terminal_end.search(name) and lex.coordinated.search(name, 0, len(name) - len(h.group())):
            continue  # 特色养生小镇和特色文化小镇: two things (甲基地及乙配套建设项目 is one)
        if lex.count_after.match(text, h.end()) or text.startswith("——", h.end()):
            continue  # 房地产项目8个: a category and its count; 全省首个...项目——甲项目: a description
        if _is_predicate(doc, cut, h.end()):
            continue
        if name.startswith("“") and (text[h.start() - 1] == "”" or _is_generic(core[core.find("”") + 1 :])):
            continue  # 实施“培大育强”工程, “聚力中心化”重大项目: a slogan
        counted = (previous is not None and previous.counted and previous.end == start - 1
                   and text[start - 1] in "和及与、")  # ...是甲项目和乙项目: the second of the named pair
        if not counted and lex.count_copula.search(text, clause_start, start):
            counted = True
        out.append(_Mention(name_start, h.end(), name, "named", company=company.name if company else None,
                            outer_start=start, tail_from=h.end(),
                            subject=not leader and _opens_clause(doc, start), counted=counted))
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


_DEFINED_SUBJECT_STOPS = ",，;；:：。!！?？\n“”、"  # characters a subject before 是 cannot hold
_DEFINED_SUBJECT_LENGTH = (2, 30)


def _defined_subjects(text: str) -> list[tuple[int, int]]:
    """Spans of 甲 in 甲是...重点项目: the subjects (2 to 30 characters of one clause, no quotes or 、) that the
    pattern [^stops]{2,30}?是 + defined_tail would find scanning the text left to right. Tried at every
    position, that pattern re-reads the same 是... tail for each of the 30 starts before a 是; instead the
    tail is read once per 是, and a subject is the earliest start that reaches a 是 whose tail matches,
    from the end of the previous match on (the pattern's own leftmost, non-overlapping order)."""
    tail = _lexicon().defined_tail
    shortest, longest = _DEFINED_SUBJECT_LENGTH
    found = []
    pos = 0  # where the scan for the next match starts: the end of the previous one
    k = text.find("是", shortest)
    while k != -1:
        m = tail.match(text, k)
        if m is not None:
            window = max(pos, k - longest)
            stop = max(text.rfind(ch, window, k) for ch in _DEFINED_SUBJECT_STOPS)
            start = max(window, stop + 1)
            if start <= k - shortest:
                found.append((start, k))
                pos = m.end()
        k = text.find("是", max(k + 1, pos + shortest))
    return found


def _find_defined(doc: _Doc) -> list[_Mention]:
    """平山湖一号煤矿是...重点项目: the subject is a project although its name has no head noun."""
    lex = _lexicon()
    text = doc.text
    out = []
    for start, end in _defined_subjects(text):
        if start != doc.clause_start(start) and text[start - 1] not in "“”":
            continue
        if _cut_leaders(text, start, end)[0] != start:
            continue
        start = _strip_openers(text, start, end)
        name = text[start:end]
        if (len(name) < 3 or lex.quantifier.match(name) or lex.anaphor.fullmatch(name) or lex.head.search(name)
                or _is_generic(name) or any(c.start <= start and c.end >= end for c in doc.companies)
                or any(p.start == 0 and p.end == len(name) for p in find_places(name))):
            continue  # also 张掖经开区是...: a place
        out.append(_Mention(start, end, name, "defined", subject=True, tail_from=end))
    return out


def _set_scopes(doc: _Doc, mentions: list[_Mention]) -> None:
    """What each mention reads status and figures from: its clause before the name (before a list's first
    item) and the text after it to the end of the sentence (of a list: of the clause), skipping a 是...
    clause that only classifies it, up to a semicolon or the next project named in a later clause."""
    text = doc.text
    future_marker = _lexicon().future_marker
    list_starts: dict[int, int] = {}
    for m in mentions:
        if m.list_id is not None:
            list_starts.setdefault(m.list_id, m.start)
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
        for j in range(i + 1, len(mentions)):
            n = mentions[j]
            if n.start >= tail_end:
                break
            if n.list_id is not None and n.list_id == m.list_id:
                continue
            if n.start > tail_start and doc.clause_start(n.start) > tail_start:
                tail_end = doc.clause_start(n.start)
                break
        for semicolon in ";；":
            cut = text.find(semicolon, tail_start, tail_end)
            if cut >= 0:
                tail_end = cut
        clause_start = doc.clause_start(start)
        m.scope = [(clause_start, start), (tail_start, max(tail_start, tail_end))]
        future = future_marker.search(text, clause_start, start)
        m.future_until = doc.clause_end(tail_start) if future else -1
        m.lead_from = max([s_start] + [n.end for n in mentions[:i] if s_start <= n.end <= start])
        if m.governing is None:
            colon = max(text.rfind(":", s_start, start), text.rfind("：", s_start, start))
            if colon >= 0:
                m.governing = (s_start, colon)  # 在此次开工的重点项目中:投资5亿多元的韩家峡水库项目...
            else:
                m.governing = _heading_of_item(doc, start)  # ...的项目有6个:\n一是甲项目,总投资32亿元;


def _heading_of_item(doc: _Doc, pos: int) -> tuple[int, int] | None:
    """A numbered line (一是, 1., (1), ①) under a line that ends in a colon, with only numbered lines between:
    the heading's text governs the item."""
    text = doc.text
    marker = _lexicon().item_marker
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


def _needs_evidence(m: _Mention) -> bool:
    """Head-noun names need evidence; a quoted one only when its head is not 项目/工程 (灵活的“调节枢纽”)."""
    return m.rule == "named" or (m.rule == "quoted" and not _lexicon().terminal_end.search(m.name))


def _is_specific(doc: _Doc, masked: str, m: _Mention, pointed: list[tuple[int, int]]) -> bool:
    """Evidence that a head-noun name is one undertaking and not a kind of project. pointed: the spans of
    later sentences that point back to it with 该项目 and the like (目前该项目主体框架已基本完成)."""
    budget.check("projects: evidence")
    lex = _lexicon()
    text = doc.text
    if m.company or m.counted or any(q.unit in lex.capacity_units for q in doc.quantities_in(m.start, m.end)):
        return True
    if lex.park_end.search(m.name) and not lex.site_after.match(text, m.end):
        after = text[m.end : doc.clause_end(m.end)]
        if ("项目" in after or "企业" in after) and any(
                q.kind == "count" and q.counter in lex.group_counters for q in doc.quantities_in(m.end, m.end + len(after))):
            return False  # 产业园区已累计落地算力项目21个: the place that hosts projects
    if lex.site_after.match(text, m.end) or _ROUTE.search(m.name) or lex.key_project.match(text, m.end):
        return True
    if _mention_investment(doc, m) is not None:
        return True
    own_clause = [(doc.clause_start(m.start), m.start), (m.end, doc.clause_end(m.end))]
    if any(_status_hits(masked, a, b) for a, b in own_clause + pointed):
        return True
    return any(_investment_in(doc, a, b) is not None for a, b in pointed)


# ------------------------------------------------------------------ investment, land, capacity, company


def _is_investment_amount(doc: _Doc, q: Quantity) -> bool:
    """总投资/计划投资 right before the amount, and not 完成投资 or 年度计划投资."""
    lex = _lexicon()
    if not lex.investment_before.search(doc.text, max(0, q.start - 8), q.start):
        return False
    return not lex.not_investment_before.search(doc.text, max(0, q.start - 12), q.start)


def _investment_before_name(doc: _Doc, start: int, end: int) -> Quantity | None:
    """总投资8.7亿元的 / 投资10亿元建设的 right before a name: that name's own investment."""
    for q in reversed(doc.quantities_in(start, end)):
        if q.kind == "money" and q.value is not None and _lexicon().amount_of_name.fullmatch(doc.text, q.end, end):
            if _is_investment_amount(doc, q):
                return q
    return None


def _investment_in(doc: _Doc, start: int, end: int, before_name: bool = False) -> Quantity | None:
    """A project's total investment stated in text[start:end] (总投资13亿元): not a group total (a count of
    projects in its clause or the one before), a threshold (投资5亿元以上的), another name's prefix, or a
    completed or yearly amount."""
    text = doc.text
    for q in doc.quantities_in(start, end):
        if q.kind != "money" or q.value is None or not _is_investment_amount(doc, q):
            continue
        following = text[q.end : q.end + 1]
        if following == "的" or (q.qualifier == "以上" and following and following not in _CLAUSE_END):
            continue
        if before_name and following not in _CLAUSE_END + "、":
            continue
        clause_start = doc.clause_start(q.start)
        around = (doc.clause_start(clause_start - 1) if clause_start else 0, doc.clause_end(q.start))
        if any(c.kind == "count" and c.counter in _lexicon().group_counters for c in doc.quantities_in(*around)):
            continue
        return q
    return None


def _mention_investment(doc: _Doc, m: _Mention) -> Quantity | None:
    if m.investment is not None or m.list_id is not None:
        return m.investment
    outer_start = m.outer_start if m.outer_start is not None else m.start
    clause_start = doc.clause_start(outer_start)
    own = _investment_before_name(doc, clause_start, outer_start)
    if own is not None:
        return own
    for a, b in m.scope[1:]:
        found = _investment_in(doc, a, b)
        if found is not None:
            return found
    s_start, _ = doc.sentence_span(outer_start)
    if m.lead_from > s_start:
        return None  # an amount before an earlier name in the sentence is that name's
    return _investment_in(doc, s_start, clause_start, before_name=True)


def _land_area(doc: _Doc, spans: list[tuple[int, int]]) -> Quantity | None:
    """占地面积100亩 -> 100 mu."""
    before = _lexicon().land_before
    for a, b in spans:
        for q in doc.quantities_in(a, b):
            if q.unit == "mu" and q.value is not None and before.search(doc.text, max(0, q.start - 6), q.start):
                return q
    return None


def _capacity(doc: _Doc, name_start: int, name_end: int, spans: list[tuple[int, int]]) -> str | None:
    """A capacity as written: in the name (300MW/1200MWh, 年产8600吨) or after 规模/产能 in the text."""
    lex = _lexicon()
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
        for q in doc.quantities_in(a, b):
            lead_end = q.start
            prefix = lex.capacity_prefix.search(text, max(0, q.start - 4), q.start)
            if prefix:
                lead_end = prefix.start()
            if lex.capacity_before.search(text, max(0, lead_end - 6), lead_end):
                return written([q])
    return None


def _company_near(doc: _Doc, spans: list[tuple[int, int]]) -> str | None:
    """A company that builds the project (由中核集团投资建设的, 甲公司投资建设的), that it was agreed with
    (与徐州矿务集团进行了签约, 甘肃电投集团与庆阳市签约了) or whose officer speaks of it
    (武威华景领航电力有限公司总经理李民介绍说)."""
    lex = _lexicon()
    text = doc.text
    for a, b in spans:
        for c in doc.companies_in(a, b):
            name, end = _with_branch(doc, c)
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
            name, end = _with_branch(doc, c)
            if lex.title_after.match(text, end) and not lex.builder_title.match(text, end):
                return name  # 中建八局西北公司项目经理: the builder, not the developer
    return None


def _with_branch(doc: _Doc, c: Place) -> tuple[str, int]:
    """中国电信股份有限公司 + 甘肃分公司: the company as written, with a branch that follows it."""
    branch = _BRANCH.match(doc.text, c.end)
    return (doc.text[c.start : branch.end()], branch.end()) if branch else (c.name, c.end)


def _speaker_company(doc: _Doc, group: list[_Mention], mentions: list[_Mention]) -> str | None:
    """The sentence after a project's sentence is a quote in which the speaker calls the project theirs
    (“我们计划明年一季度上线首批算力。”甘肃陇原云智科技有限公司副总经理何文斌说): the speaker's company."""
    lex = _lexicon()
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
            name, c_end = _with_branch(doc, c)
            if lex.title_after.match(text, c_end) and not lex.builder_title.match(text, c_end):
                return name
    return None


def _company_from_stem(doc: _Doc, group: list[_Mention]) -> str | None:
    """The company named after the project: 雅洁食品项目 -> 甘肃雅洁食品有限公司."""
    for m in group:
        stem = _head_core(_key(m.name))
        if len(stem) >= 3:
            for c in doc.companies:
                if stem in c.name and "项目" not in c.name:
                    return c.name
    return None


# ------------------------------------------------------------------ anaphora


def _is_common_noun(text: str, a: re.Match[str]) -> bool:
    """A bare 项目 points back only at the start of a clause (the character before it is clause punctuation
    or an opening quote), and not in 项目建设 / 项目审批."""
    pos = a.start()
    return a.group() in _BARE_ANAPHORS and (
        (pos > 0 and text[pos - 1] not in _CLAUSE_END and text[pos - 1] != "“")
        or _lexicon().compound_after_anaphor.match(text, a.end()) is not None)


def _anaphora(doc: _Doc, mentions: list[_Mention]) -> dict[int, list[tuple[int, int, bool]]]:
    """Sentences that point back to a project (该项目总投资25亿元; “项目位于...”): the antecedent's start ->
    the spans to read, each marked explicit when the pointer is 该项目-like rather than a bare 项目. The
    antecedent is the last subject named earlier in the paragraph, else the last project named in it or in
    the paragraph before; items of lists are never antecedents."""
    lex = _lexicon()
    text = doc.text
    singles = [(m, doc.paragraph(m.start)) for m in mentions if m.list_id is None]
    out: dict[int, list[tuple[int, int, bool]]] = {}
    if doc.pointers is None:  # they depend on the text only, and the mentions are read twice
        doc.pointers = [a for a in lex.anaphor.finditer(text) if not _is_common_noun(text, a)]
    for a in doc.pointers:
        budget.check("projects: anaphora")
        pos = a.start()
        if any(m.start <= pos < m.end for m in mentions):
            continue
        paragraph = doc.paragraph(pos)
        before = [(m, p) for m, p in singles if m.end <= pos and paragraph - p <= 1]
        if not before:
            continue
        same = [m for m, p in before if p == paragraph]
        before = [m for m, _ in before]
        antecedent = ([m for m in same if m.subject] or same or before)[-1]
        phase, own_phase = lex.phase.match(text, a.end()), lex.phase.search(antecedent.name)
        if phase and own_phase and phase.group() != own_phase.group():
            continue  # 甲项目二期...;项目一期已并网发电: another phase of it
        s_start, s_end = doc.sentence_span(a.start())
        named_here = [m for m in mentions if s_start <= m.start < s_end]
        start = a.end() if named_here else s_start
        end = min([s_end] + [doc.clause_start(m.start) for m in named_here if m.start > a.start()])
        for b in lex.anaphor.finditer(text, a.end(), end):
            if b.start() == doc.clause_start(b.start()):
                end = b.start()  # 该项目二期...;项目一期...: the next pointer reads its own clauses
                break
        explicit = a.group() not in _BARE_ANAPHORS
        spans = out.setdefault(antecedent.start, [])
        spans.append((start, end, explicit))
        k = doc.sentence_index(a.start()) + 1
        if (end == s_end and text[s_end - 1] == "”" and k < len(doc.sentence_starts)
                and doc.paragraph_of_sentence[k] == paragraph
                and not any(doc.sentence_starts[k] <= m.start < doc.sentence_ends[k] for m in mentions)):
            spans.append((doc.sentence_starts[k], doc.sentence_ends[k], explicit))  # who speaks the quote
    return out


# ------------------------------------------------------------------ merging


@lru_cache(maxsize=8192)
def _key(name: str) -> str:
    """The name as the scorer compares names: NFKC, no quotes, brackets or spaces, no closing 项目."""
    s = unicodedata.normalize("NFKC", name)
    s = "".join(ch for ch in s if ch not in "“”‘’\"'《》「」〈〉()[]【】 \t\r\n　")
    for suffix in ("建设项目", "项目"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            return s[: -len(suffix)]
    return s


def _conflict(a: str, b: str) -> bool:
    """Different phases or figures: 二期 and 三期, 8吉瓦时 and 2吉瓦时 are different projects."""
    (pa, da), (pb, db) = _phases_and_figures(a), _phases_and_figures(b)
    return bool(pa and pb and pa != pb) or bool(da and db and da != db)


@lru_cache(maxsize=8192)
def _phases_and_figures(key: str) -> tuple[frozenset[str], frozenset[str]]:
    """The phase words and the numbers written in a name's key. Cached: merging compares every mention's
    key with every earlier group's."""
    return frozenset(_lexicon().phase.findall(key)), frozenset(_DIGITS.findall(key))


def _adds_named_thing(rest: str) -> bool:
    """What a longer name adds after a shorter one is itself a named thing with a head noun:
    嘉峪关工业园区 + 新型储能电池Pack智能制造基地项目 is a project in the park, not the park."""
    return bool(rest) and _lexicon().head.search(rest) is not None and len(_head_core(rest)) >= 2


def _is_subsequence(short: str, long_: str) -> bool:
    chars = iter(long_)
    return all(ch in chars for ch in short)


def _same_project(a: _Mention, b: _Mention, company_a: str | None, company_b: str | None) -> bool:
    ka, kb = _key(a.name), _key(b.name)
    if ka == kb:
        return True
    if (a.list_id is not None and a.list_id == b.list_id) or _conflict(ka, kb):
        return False
    short, long_ = sorted((ka, kb), key=len)
    rest = long_[len(short) :] if long_.startswith(short) else ""
    if len(short) >= 3 and short in long_ and not _adds_named_thing(rest):
        return True  # 体育馆 = 县体育馆; 稻盛云(武威)智算中心 = ...项目
    if (len(short) >= 4 and short[0] == long_[0] and short[-1] == long_[-1] and 2 * len(short) >= len(long_)
            and _is_subsequence(short, long_)):
        return True  # 华为大数据中心二期 = 华为张掖云计算大数据中心二期
    for x, y in ((ka, kb), (kb, ka)):
        n = 0
        while n < len(x) and x[: n + 1] in y:
            n += 1
        if n >= 5 and not _DIGITS.search(x[:n]) and not _lexicon().place_end.search(x[:n]):
            return True  # 平山湖一号矿井开发 = 平山湖矿区平山湖一号煤矿 (not 40万吨/年甲, not 静宁工业园区甲)
    return any(company and len(core) >= 3 and core in company for core, company in ((ka, company_b), (kb, company_a)))


def _merge(mentions: list[_Mention], aliases: dict[str, _Mention] | None = None) -> list[list[_Mention]]:
    """Mentions grouped by project, in text order. A group already holding the same name wins, so one name
    never ends up in two rows; a short form the article defined joins its full name's group."""
    groups: list[list[_Mention]] = []
    for m in mentions:
        budget.check("projects: merging")
        key = _key(m.name)
        full = next((f for a, f in (aliases or {}).items()
                     if f is not m and (key == a or _head_core(key) == _head_core(a))), None)
        if full is not None:
            owner = [g for g in groups if any(x is full for x in g)]
            if owner:
                owner[0].append(m)
                continue
        # The first group that holds the same name, else the first that holds the same project (the
        # comparisons are pure, so the search stops at the first group found).
        alike = next((g for g in groups if any(_key(x.name) == key for x in g)), None)
        if alike is None:
            alike = next((g for g in groups if any(
                _same_project(m, x, m.company, next((y.company for y in g if y.company), None)) for x in g)), None)
        if alike is not None:
            alike.append(m)
        else:
            groups.append([m])
    return groups


# ------------------------------------------------------------------ rows


def _project(
    article: Article,
    doc: _Doc,
    masked: str,
    group: list[_Mention],
    anaphora: dict[int, list[tuple[int, int, bool]]],
    periods: list[PeriodMention],
    mentions: list[_Mention],
) -> Project:
    budget.check("projects: rows")
    text = doc.text
    first = group[0]
    # The fullest formal name: the best rule, a name closed by 项目/工程, the longest.
    best = min(group, key=lambda m: (_RULE_ORDER[m.rule], not _lexicon().terminal_end.search(m.name), -len(m.name)))
    name = best.name.strip()
    spans = [span for m in group for span in m.scope]
    pointed = [(a, b) for m in group for a, b, _ in anaphora.get(m.start, [])]
    hits = [h for m in group for a, b in m.scope for h in _status_hits(masked, a, b, m.future_until)]
    hits += [h for a, b in pointed for h in _status_hits(masked, a, b)]
    hits += [h for m in group if m.governing for h in _status_hits(masked, *m.governing)]
    status = _combine(hits, max((m.group_status for m in group if m.group_status), key=_RANK.get, default=None))
    investment = next((q for m in group if (q := _mention_investment(doc, m)) is not None), None)
    if investment is None:
        investment = next((q for a, b in pointed if (q := _investment_in(doc, a, b)) is not None), None)
    company = next((m.company for m in group if m.company), None) or _company_from_stem(doc, group)
    if company is None:
        singles = [m for m in group if m.list_id is None]
        company = (_company_near(doc, [span for m in singles for span in m.scope])
                   or _company_near(doc, [doc.sentence_span(m.start) for m in singles])
                   or _company_near(doc, pointed)
                   or _speaker_company(doc, group, mentions))
    land = _land_area(doc, spans + pointed)
    phase = _lexicon().phase.search(name)
    e_start, e_end = doc.sentence_span(first.start)
    e_end = max(e_end, doc.sentence_span(first.end - 1)[1])  # a name broken across sentences
    return Project(
        project_id=stable_id(article.article_id, _key(name)),
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
        capacity=_capacity(doc, best.start, best.end, spans + pointed),
        land_area_mu=land.value if land is not None else None,
        status_date=_status_date(doc, status, periods),
        phase=phase.group() if phase else None,
        rule=first.rule,
    )


def _status_date(doc: _Doc, status: _StatusHit | None, periods: list[PeriodMention]) -> date | None:
    """于2024年8月全面投产 -> 2024-08-01: a month or day right before the status wording, in its clause."""
    if status is None or status.start < 0 or status.future:
        return None
    for p in periods:
        if (p.granularity in ("day", "month") and p.period_start is not None and p.end <= status.start
                and status.start - p.end <= 8 and doc.clause_start(p.start) == doc.clause_start(status.start)):
            return p.period_start
    return None
