"""The project rules' wordings (reference/project_words.json, status_words.json) compiled into regexes, once; and the
character classes the rules share.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from econ_news.reference import alternation, load_json


CLAUSE_END = ",，;；:：。!！?？\n"
CLAUSE_BREAK = re.compile(r"[,，;；:：。!！?？\n]")
QUOTES = "“”\"‘’《》「」"
NOT_NAME = re.escape(CLAUSE_END + QUOTES + "、—…()　 \t")
GAP = "[^,，;；:：。!！?？\\n]{0,6}"  # "…" in a wording: a short gap inside one clause
FUTURE_BLOCKER = "总?投资"
CN_NUMERAL = "[两三四五六七八九十百千几多数]+"
AMOUNT = r"[0-9.]+(?:万|亿)+元?(?:以上|以下)?|亿元以上|万元以上"
# The characters a name is made of, ending where its head noun starts: a short bracketed part (稻盛云(武威))
# and a short quoted word (庆阳“东数西算”产业园区) belong to it.
NAME_RUN = re.compile(
    rf"(?:[^{NOT_NAME}]|\([^{NOT_NAME}]{{1,10}}\)|“[^{NOT_NAME}]{{1,10}}”)+$"
)
# A lone lowercase Latin letter between Chinese characters is residue of pinyin or a broken encoding.
STRAY_LETTER = re.compile(r"[\u4e00-\u9fff][a-z][\u4e00-\u9fff]")
# 兰州至永靖沿黄河快速通道: a route between two places is one road or railway.
ROUTE = re.compile(r"[\u4e00-\u9fff]{2,}至[\u4e00-\u9fff]{2,}")
BARE_AMOUNT = re.compile(rf"{AMOUNT}|[0-9.]+")
DIGITS = re.compile(r"[0-9]+(?:\.[0-9]+)?")
BARE_ANAPHORS = ("项目", "工程")  # point back only at the start of a clause
RULE_ORDER = {"quoted": 0, "named": 1, "listed": 2, "included": 3, "defined": 4, "alias": 5}
# 中国电信股份有限公司甘肃分公司: a branch written after a company name belongs to it.
BRANCH = re.compile(r"[\u4e00-\u9fff]{2,6}?分公司")


@cache
def words() -> dict[str, Any]:
    return load_json("project_words.json")


@cache
def status_words() -> dict[str, Any]:
    """The status wordings (reference/status_words.json), read by status.py through the lexicon."""
    return load_json("status_words.json")


@dataclass(frozen=True)
class Lexicon:
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
    future_marker_blocker: re.Pattern[str]  # what may not follow a future marker (计划投资 is an amount)
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
    defined_tail: re.Pattern[str]  # 是...重点项目 closing a clause, matched at the 是 (see defined_subjects)
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
def lexicon() -> Lexicon:
    w = words()
    sw = status_words()
    heads = alternation(w["head_nouns"])
    phase = w["phase_pattern"]
    section = rf"\((?:[^()\n,，。;；、]{{1,8}}段|{phase})\)"
    head_seq = rf"(?>(?:{heads})(?:(?:{phase})?(?:{heads}))*(?:{phase})?(?:{section})?)"
    count = rf"(?:[0-9]+|{CN_NUMERAL}|一)(?:{alternation(w['list_counters'])})"
    # The same count for a pattern searched through the whole text: its numeral starts where the run of
    # numerals starts. A match cannot begin inside a run anyway (the run's end, and so what follows it, is
    # the same from every start), but without the look-behind each start re-reads the run to its end: a run
    # of n digits cost n^2 steps.
    count_at_run_start = (
        rf"(?:(?<![0-9])[0-9]+|(?<!{CN_NUMERAL[:-1]}){CN_NUMERAL}|一)(?:{alternation(w['list_counters'])})"
    )
    group_heads = alternation(w["list_group_heads"])
    kinds = [(item, code, False) for code, items in sw["status_wordings"].items() for item in items]
    kinds += [(item, "under_construction", True) for item in sw["soft_under_construction"]]
    kinds.sort(key=lambda k: len(k[0].replace("…", "")), reverse=True)
    wordings = [GAP.join(re.escape(part) for part in k[0].split("…")) for k in kinds]
    time_expr = (
        r"(?:[0-9]{4}年)?(?:[0-9]{1,2}月)?(?:[0-9]{1,2}日)?(?:上旬|中旬|下旬|初|底|末)?"
        r"(?:第?[一二三四1-4]季度|[上下]半年)?"
    )
    not_clause = "[^,，;；:：。!！?？\\n]"
    key = alternation(w["key_project_words"])
    terminal = alternation(w["terminal_heads"])
    rejecting = w["designation_leaders"] + w["purpose_leaders"] + w["activity_leaders"]
    return Lexicon(
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
        quantifier=re.compile(rf"{alternation(w['quantifier_openers'])}|{count}|(?:[0-9]+|{CN_NUMERAL}|一)大"),
        generic_token=re.compile(
            rf"{alternation(w['generic_words'] + w['time_words'])}|{AMOUNT}|{count}|[0-9]{{4}}年"
            r"|第?[一二三四1-4]季度|第[一二三四五六七八九十0-9]+(?:批|次|届)|[一二三四五六七八九十0-9]+标段|[0-9]+|[，,、]"
        ),
        place_prefix=re.compile(r"[\u4e00-\u9fff]{2,4}?(?:省|市|县|州|盟|旗)|[\u4e00-\u9fff]{1,3}?区"),
        status=re.compile(rf"(?:{'|'.join(wordings)})(?!{alternation(sw['status_not_followed_by'])})"),
        status_kinds=tuple((re.compile(r), code, soft) for r, (_, code, soft) in zip(wordings, kinds)),
        future_marker=re.compile(rf"(?:{alternation(sw['future_markers'])})(?!{FUTURE_BLOCKER})"),
        future_marker_blocker=re.compile(FUTURE_BLOCKER),
        future_completion=re.compile(alternation(sw["future_completion_words"])),
        future_start=re.compile(alternation(sw["future_start_words"])),
        future_after=re.compile(rf"{not_clause}{{0,4}}?后[,，]?(?:{alternation(sw['future_after_words'])})"),
        list_tail=re.compile(
            rf"(?:等(?:{count}|一批|一大批)?|(?P<count>{count_at_run_start}))"
            rf"(?P<mods>[^,，;；:：。!！?？\n、“”]{{0,20}}?)(?:{group_heads})"
        ),
        count_after=re.compile(rf"(?:有|共|达|约)?(?:{count}|库|有限公司|公司)"),
        modifier_stop=re.compile(alternation(w["list_modifier_stops"])),
        enumeration=re.compile(
            rf"(?:{alternation(w['enumeration_openers'])})(?P<body>[^。;；!！?？\n]+?)等"
            rf"(?![^{NOT_NAME}等]{{1,12}}?(?:{heads})(?:{phase})?(?:、|以及|及|等))"
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
        completion_only=frozenset(sw["completion_only_words"]),
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
        inner_deng=re.compile(rf"[^{NOT_NAME}]等[^{NOT_NAME}等]{{1,12}}?(?:{heads})(?:{phase})?$"),
        alias=re.compile(
            rf"\((?:{alternation(w['alias_openers'])})[:：]?[“\"]?(?P<alias>[^()“”\"\n,，。]{{2,24}}?)[”\"]?\)"
        ),
    )
