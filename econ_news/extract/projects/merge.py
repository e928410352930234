"""Mentions of one project grouped into one row: the name key and the same-project test.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from econ_news.extract import budget
from econ_news.extract.projects.lexicon import DIGITS, lexicon
from econ_news.extract.projects.mention import Mention
from econ_news.extract.projects.names import head_core


@lru_cache(maxsize=8192)
def name_key(name: str) -> str:
    """The name as the scorer compares names: NFKC, no quotes, brackets or spaces, no closing 项目."""
    s = unicodedata.normalize("NFKC", name)
    s = "".join(ch for ch in s if ch not in "“”‘’\"'《》「」〈〉()[]【】 \t\r\n　")
    for suffix in ("建设项目", "项目"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1:
            return s[: -len(suffix)]
    return s


def conflict(a: str, b: str) -> bool:
    """Different phases or figures: 二期 and 三期, 8吉瓦时 and 2吉瓦时 are different projects."""
    (pa, da), (pb, db) = phases_and_figures(a), phases_and_figures(b)
    return bool(pa and pb and pa != pb) or bool(da and db and da != db)


@lru_cache(maxsize=8192)
def phases_and_figures(key: str) -> tuple[frozenset[str], frozenset[str]]:
    """The phase words and the numbers written in a name's key. Cached: merging compares every mention's
    key with every earlier group's."""
    return frozenset(lexicon().phase.findall(key)), frozenset(DIGITS.findall(key))


def adds_named_thing(rest: str) -> bool:
    """What a longer name adds after a shorter one is itself a named thing with a head noun:
    嘉峪关工业园区 + 新型储能电池Pack智能制造基地项目 is a project in the park, not the park."""
    return bool(rest) and lexicon().head.search(rest) is not None and len(head_core(rest)) >= 2


def is_subsequence(short: str, long_: str) -> bool:
    chars = iter(long_)
    return all(ch in chars for ch in short)


def same_project(a: Mention, b: Mention, company_a: str | None, company_b: str | None) -> bool:
    ka, kb = name_key(a.name), name_key(b.name)
    if ka == kb:
        return True
    if (a.list_id is not None and a.list_id == b.list_id) or conflict(ka, kb):
        return False
    short, long_ = sorted((ka, kb), key=len)
    rest = long_[len(short) :] if long_.startswith(short) else ""
    if len(short) >= 3 and short in long_ and not adds_named_thing(rest):
        return True  # 体育馆 = 县体育馆; 稻盛云(武威)智算中心 = ...项目
    if (len(short) >= 4 and short[0] == long_[0] and short[-1] == long_[-1] and 2 * len(short) >= len(long_)
            and is_subsequence(short, long_)):
        return True  # 华为大数据中心二期 = 华为张掖云计算大数据中心二期
    for x, y in ((ka, kb), (kb, ka)):
        n = 0
        while n < len(x) and x[: n + 1] in y:
            n += 1
        if n >= 5 and not DIGITS.search(x[:n]) and not lexicon().place_end.search(x[:n]):
            return True  # 平山湖一号矿井开发 = 平山湖矿区平山湖一号煤矿 (not 40万吨/年甲, not 静宁工业园区甲)
    return any(company and len(core) >= 3 and core in company for core, company in ((ka, company_b), (kb, company_a)))


# How many of the latest groups a mention is compared with when its name is not one already seen: far more
# projects than any article names one by one, so only a list or table of hundreds of names (where a name
# many groups back is a different project) is read differently, and merging stays linear in the mentions.
MERGE_WINDOW = 200


def merge_mentions(mentions: list[Mention], aliases: dict[str, Mention] | None = None) -> list[list[Mention]]:
    """Mentions grouped by project, in text order. A group already holding the same name wins, so one name
    never ends up in two rows; a short form the article defined joins its full name's group."""
    groups: list[list[Mention]] = []
    first_group_of_key: dict[str, int] = {}  # name key -> the first group that holds it
    group_of_mention: dict[int, int] = {}  # id(mention) -> its group, for a short form's full name

    def join(index: int, m: Mention, key: str) -> None:
        groups[index].append(m)
        group_of_mention[id(m)] = index
        if first_group_of_key.get(key, index) >= index:
            first_group_of_key[key] = index

    for m in mentions:
        budget.check("projects: merging")
        key = name_key(m.name)
        full = next((f for a, f in (aliases or {}).items()
                     if f is not m and (key == a or head_core(key) == head_core(a))), None)
        if full is not None and id(full) in group_of_mention:
            join(group_of_mention[id(full)], m, key)
            continue
        # The first group that holds the same name, else the first of the latest groups that holds the
        # same project (the comparisons are pure, so the search stops at the first group found).
        alike = first_group_of_key.get(key)
        if alike is None:
            alike = next((i for i in range(max(0, len(groups) - MERGE_WINDOW), len(groups)) if any(
                same_project(m, x, m.company, next((y.company for y in groups[i] if y.company), None))
                for x in groups[i])), None)
        if alike is None:
            groups.append([])
            alike = len(groups) - 1
        join(alike, m, key)
    return groups
