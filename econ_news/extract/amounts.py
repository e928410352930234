"""Numbers, amounts, growth rates and shares as Chinese economic text writes them.

Pure functions, str in, frozen records out. Every word list (units, multipliers, qualifiers,
currencies, growth verbs, share words) lives in econ_news/reference/units.json; this module
only builds regexes from it, once.

Reading rules (what callers can rely on):

* A mention is emitted only with a unit word: ``41个`` is a count, a bare ``41`` is nothing.
  Years, dates (``2023年``, ``1-6月``, ``7月5日``), phases (``一期``), ordinals (``第二十九届``)
  and codes (``18650``, ``5G``, ``2+6``) therefore never become quantities.
* Exception, bare money: a number ending in 亿/万亿/万 with no unit is CNY when a money word
  (投资, 签约额, 资金, 金额, 产值 ... ``money_context``) precedes it in the same clause, within
  ``money_context_window`` characters: ``总投资逾677亿`` -> 6.77e10 CNY.
* ``第65位`` / ``第3名`` are emitted as kind "rank" (value 65, unit "rank"); any other number
  after 第 is dropped.
* Chinese numerals: a lone ``一`` with a counter is the indefinite article (一批, 一个) and is
  dropped; numerals made only of 十/百/千 (+万/亿) count only for money (``过百亿元`` -> 1e10,
  ``千家万户`` is nothing); 万/亿 alone (``亿元以上项目``) is never a number.
* Ranges ``5亿至10亿元``, ``1-5亿元``, ``6至8℃`` set low/high and leave value None; a scale word
  written only on the high end applies to both ends (1-5亿元 -> 1e8..5e8).
* ``2×1000兆瓦`` is one quantity, value 2000 (MW). ``300MW/1200MWh`` is two quantities.
* Power and energy keep the unit as written (kW, MW, GW, kWh, MWh, GWh); value is in that unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any
from econ_news.reference import alternation, load_json

_FULLWIDTH_FORMS = "０１２３４５６７８９．％－"
_FULLWIDTH = str.maketrans(_FULLWIDTH_FORMS, "0123456789.%-")
# str.translate looks every character up in a dict, which is slow on CJK text; normalized articles hardly
# ever hold these forms (normalize turns them half-width), so a C-speed scan decides whether to translate.
_HAS_FULLWIDTH = re.compile(f"[{re.escape(_FULLWIDTH_FORMS)}]")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 1e4, "亿": 1e8}
_AR_NUM = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?"
_CN_NUM = r"[零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?"
_NUM = rf"(?:{_AR_NUM}|{_CN_NUM})"
_AR_FULL = re.compile(rf"{_AR_NUM}")
_AR_SCALED = re.compile(rf"({_AR_NUM})([十百千万亿]+)")
_CLAUSE_BREAK = re.compile(r"[，,。；;：:！!？?\n、]")
_PERCENT_WORD = "百分之"


@dataclass(frozen=True)
class Quantity:
    """One numeric mention. ``text[start:end] == raw`` (raw includes qualifiers).

    >>> find_quantities("总投资约37亿元")[0].value
    3700000000.0
    """

    start: int
    end: int
    raw: str
    value: float | None  # in the base unit; None for a range (see low/high)
    unit: str  # CNY/USD/... | percent | percent_point | count | person | t | kW | mu | times | rank ...
    counter: str | None  # the measure word of a count as written: 个 项 家 户 人 家次 ...
    qualifier: str | None  # normalised: 约 近 超 逾 达 过 余 多 以上 以下 左右 不足
    low: float | None
    high: float | None
    kind: str  # money | percent | count | quantity | multiple | rank


@dataclass(frozen=True)
class Growth:
    """A growth rate in signed percent: 同比增长7.8% -> 7.8, 下降3% -> -3.0, 增长1.3倍 -> 130.0."""

    start: int
    end: int
    raw: str
    pct: float
    basis: str  # yoy | mom | unspecified
    qualifier: str | None


@dataclass(frozen=True)
class Share:
    """A part of a whole: 占全市29% -> pct 29.0, of "全市"; 占比30% -> of None."""

    start: int
    end: int
    raw: str
    pct: float
    of: str | None
    qualifier: str | None


@cache
def _reference() -> dict[str, Any]:
    return load_json("units.json")



def _first_chars(*word_lists: Any) -> str:
    """A character class of the characters the words start with: put as a lookahead in front of a pattern
    that begins with optional parts, it lets the scan skip most positions without trying the alternations."""
    return "[" + re.escape("".join(sorted({w[0] for words in word_lists for w in words}))) + "]"


def _half_width(text: str) -> str:
    """Full-width digits, point, percent and minus as ASCII; one character for one, so offsets stay valid."""
    return text.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(text) else text


# ---------------------------------------------------------------- numbers


def _product(*factors: float) -> float:
    """The product as the decimals are written: 156.3 x 1e8 is 15630000000.0, where binary floats give
    15630000000.000002. repr() is the shortest decimal that reads back as the float, i.e. the written
    number, so the product is exact in decimal and rounded to a float once.

    >>> _product(156.3, 1e8), _product(0.07, 100.0), _product(1.2, 1e4)
    (15630000000.0, 7.0, 12000.0)
    """
    written = [f for f in factors if f != 1]  # a factor of 1 changes nothing (most units have factor 1)
    if len(written) == 1:
        return float(written[0])  # one number alone: its repr() reads back as the same float
    result = Decimal(1)
    for f in written:
        result *= Decimal(repr(float(f)))
    return float(result)



def _parse_cn_integer(s: str) -> float | None:
    if not s:
        return None
    if len(s) > 1 and all(c in _CN_DIGITS for c in s):  # 二〇二三: digit by digit
        return float("".join(str(_CN_DIGITS[c]) for c in s))
    if not any(c in _CN_DIGITS or c in _CN_SMALL for c in s):
        return None  # 万 / 亿 alone are scale words, not numbers
    total = 0.0
    section = 0.0
    digit: int | None = None
    for c in s:
        if c in _CN_DIGITS:
            digit = _CN_DIGITS[c]
        elif c in _CN_SMALL:
            section += (1 if digit is None else digit) * _CN_SMALL[c]
            digit = None
        elif c == "万":
            total += (section + (digit or 0)) * 1e4
            section, digit = 0.0, None
        elif c == "亿":
            total = (total + section + (digit or 0)) * 1e8
            section, digit = 0.0, None
        else:
            return None
    return total + section + (digit or 0)


def _parse_chinese(s: str) -> float | None:
    integer, _, fraction = s.partition("点")
    if not fraction:
        return _parse_cn_integer(integer)
    scale = 1.0
    while fraction and fraction[-1] in _CN_BIG:  # 一点五亿
        scale *= _CN_BIG[fraction[-1]]
        fraction = fraction[:-1]
    if not fraction or any(c not in _CN_DIGITS for c in fraction):
        return None
    whole = _parse_cn_integer(integer) if integer else 0.0
    if whole is None:
        return None
    return _product(float(Decimal(repr(whole)) + Decimal("0." + "".join(str(_CN_DIGITS[c]) for c in fraction))), scale)


def parse_number(s: str) -> float | None:
    """A number written in Arabic, Chinese, full-width or mixed form; None if it is not one.

    >>> [parse_number(x) for x in ("1,234.5", "１．５", "一百二十", "两千", "十", "一千二百五十一点四六")]
    [1234.5, 1.5, 120.0, 2000.0, 10.0, 1251.46]
    >>> parse_number("1.2万"), parse_number("3千万"), parse_number("千亿"), parse_number("亿")
    (12000.0, 30000000.0, 100000000000.0, None)
    """
    s = s.strip().translate(_FULLWIDTH)
    if not s:
        return None
    if _AR_FULL.fullmatch(s):
        return float(s.replace(",", ""))
    scaled = _AR_SCALED.fullmatch(s)
    if scaled:
        value = float(scaled.group(1).replace(",", ""))
        for c in scaled.group(2):
            value = _product(value, _CN_SMALL.get(c) or _CN_BIG[c])
        return value
    return _parse_chinese(s)


# ---------------------------------------------------------------- quantities


@cache
def _quantity_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    ref = _reference()
    unit = alternation(ref["units"])
    mult = alternation(ref["multipliers"])
    pre = alternation(ref["qualifiers_pre"])
    post = alternation(ref["qualifiers_post"])
    approx = alternation(ref["qualifiers_approx"])
    sep = alternation(ref["range_separators"])
    times = alternation(ref["times_signs"])
    unit_end = r"(?!(?<=[A-Za-z])[A-Za-z])"  # a Latin unit (MW) must not run into a longer Latin word
    openers = "".join(sorted({w[0] for w in ref["qualifiers_pre"]}))
    first_char = rf"(?=[0-9零〇一二两三四五六七八九十百千万亿{re.escape(openers)}])"  # gates the scan (speed)
    quantity = re.compile(
        rf"{first_char}(?<![0-9.A-Za-z])(?P<pre>{pre})?"
        rf"(?:(?P<lo>{_NUM})(?P<lomult>{mult})?(?:(?P<lounit>{unit}){unit_end})?(?:{sep}))?"
        rf"(?P<num>{_NUM})(?:(?:{times})(?P<factor>{_NUM}))?"
        rf"(?P<approx>{approx})?(?P<mult>{mult})?(?P<approx2>{approx})?"
        rf"(?:(?P<unit>{unit}){unit_end})?(?P<post>{post})?"
    )
    percent_words = re.compile(rf"(?P<pre>{pre})?{_PERCENT_WORD}(?P<num>{_CN_NUM}|{_AR_NUM})(?P<post>{post})?")
    return quantity, percent_words


@cache
def _qualifier_false_prefixes() -> dict[str, tuple[str, ...]]:
    """Pre-qualifier -> the words that end in it but are not qualifiers (签约 for 约)."""
    ref = _reference()
    table: dict[str, list[str]] = {}
    for word in ref["qualifier_false_words"]:
        for qualifier in ref["qualifiers_pre"]:
            if word.endswith(qualifier) and word != qualifier:
                table.setdefault(qualifier, []).append(word[: -len(qualifier)])
    return {q: tuple(prefixes) for q, prefixes in table.items()}


@cache
def _word_tuple(name: str) -> tuple[str, ...]:
    """A word list of units.json as the tuple str.startswith / str.endswith take, made once."""
    return tuple(_reference()[name])


def _is_false_qualifier(text: str, start: int, qualifier: str) -> bool:
    prefixes = _qualifier_false_prefixes().get(qualifier, ())
    return any(text.endswith(p, 0, start) for p in prefixes)


def _has_money_context(text: str, start: int) -> bool:
    ref = _reference()
    window = text[max(0, start - ref["money_context_window"]) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end() :]
    return any(word in window for word in ref["money_context"])


@lru_cache(maxsize=4096)
def _scaled(number: str, mult: str | None) -> float | None:
    """The number times its scale word (3.5 + 亿). Cached: an article repeats its figures, and parsing
    with exact decimals is slow."""
    value = parse_number(number)
    if value is None:
        return None
    return _product(value, _reference()["multipliers"][mult]) if mult else value


def _chinese_only_scale(number: str) -> bool:
    """一百 is a numeral, 百 / 千亿 are scale words read as numbers only for money."""
    return not any(c in _CN_DIGITS or c.isdigit() for c in number)


def _qualifier(*candidates: tuple[str, str | None]) -> str | None:
    ref = _reference()
    for table, written in candidates:
        if written:
            return ref[table][written]
    return None


def _quantity_from_match(text: str, m: re.Match[str]) -> Quantity | None:
    pre, number, mult, unit_word = m.group("pre", "num", "mult", "unit")
    if unit_word is None and (mult or number)[-1] not in _CN_BIG:
        return None  # a bare number (a year, a code): neither a rank nor bare money (checked first: most are)
    ref = _reference()
    start = m.start()
    if pre and _is_false_qualifier(text, start, pre):
        start, pre = start + len(pre), None
    rank_prefix = None
    if text.endswith(_word_tuple("rank_prefixes"), 0, start):  # one C call; most numbers have none
        rank_prefix = next(p for p in ref["rank_prefixes"] if text.endswith(p, 0, start))
    if rank_prefix:
        if unit_word not in ref["rank_units"] or m.group("lo") or pre:
            return None
        start -= len(rank_prefix)
        end = m.end("unit")
        return Quantity(start, end, text[start:end], parse_number(number), "rank", None, None, None, None, "rank")
    if unit_word is None:
        scale_end = (mult or number)[-1]
        if scale_end not in _CN_BIG or not _has_money_context(text, start):
            return None
        unit_code, factor, kind = "CNY", 1.0, "money"
    else:
        unit_code, factor, kind = ref["units"][unit_word]
    if kind == "count" and text.startswith(_word_tuple("count_blockers"), m.end("unit")):
        return None
    if kind != "money" and _chinese_only_scale(number):
        return None
    lo, factor_written = m.group("lo", "factor")
    if kind == "count" and number == "一" and not lo:
        return None
    value = _scaled(number, mult)
    if value is None:
        return None
    if factor_written:
        factor_value = parse_number(factor_written)
        if factor_value is None:
            return None
        value = _product(value, factor_value)
    low = high = None
    if lo:
        low = _scaled(lo, m.group("lomult") or (None if m.group("lounit") else mult))
        if low is None:
            return None
        low, high, value = _product(low, factor), _product(value, factor), None
    else:
        value = _product(value, factor)
    post, approx, approx2 = m.group("post", "approx", "approx2")
    qualifier = _qualifier(("qualifiers_post", post), ("qualifiers_approx", approx or approx2), ("qualifiers_pre", pre))
    counter = unit_word if kind == "count" else None
    end = m.end()
    return Quantity(start, end, text[start:end], value, unit_code, counter, qualifier, low, high, kind)


def _percent_word_quantity(text: str, m: re.Match[str]) -> Quantity | None:
    value = parse_number(m.group("num"))
    if value is None:
        return None
    start, pre = m.start(), m.group("pre")
    if pre and _is_false_qualifier(text, start, pre):
        start, pre = start + len(pre), None
    qualifier = _qualifier(("qualifiers_post", m.group("post")), ("qualifiers_pre", pre))
    return Quantity(start, m.end(), text[start : m.end()], value, "percent", None, qualifier, None, None, "percent")


def find_quantities(text: str) -> list[Quantity]:
    """Every numeric mention with a unit, left to right, non-overlapping.

    >>> [(q.raw, q.value, q.unit, q.qualifier) for q in find_quantities("签约额达136.34亿元,带动就业2000余人")]
    [('达136.34亿元', 13634000000.0, 'CNY', '达'), ('2000余人', 2000.0, 'person', '余')]
    >>> q = find_quantities("5亿至10亿元项目19项")[0]
    >>> (q.low, q.high, q.value, q.unit)
    (500000000.0, 1000000000.0, None, 'CNY')
    """
    normalised = _half_width(text)
    quantity, percent_words = _quantity_patterns()
    found: list[Quantity] = []
    if _PERCENT_WORD in normalised:  # every percent-word match writes it; the scan for none is not free
        for m in percent_words.finditer(normalised):
            q = _percent_word_quantity(text, m)
            if q:
                found.append(q)
    taken = [(q.start, q.end) for q in found]
    for m in quantity.finditer(normalised):
        if taken and any(s < m.end() and m.start() < e for s, e in taken):
            continue
        number, mult, unit_word = m.group("num", "mult", "unit")
        if unit_word is None and (mult or number)[-1] not in _CN_BIG:
            continue  # a bare number, as _quantity_from_match finds first: half the matches, skipped without a call
        q = _quantity_from_match(text, m)
        if q:
            found.append(q)
    return sorted(found, key=lambda q: q.start)


# ---------------------------------------------------------------- growth and shares


@cache
def _growth_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    ref = _reference()
    basis = rf"(?P<basis>{alternation(ref['growth_basis'])}|(?:比|较)[0-9]{{4}}年(?:同期)?)"
    fillers = rf"(?:{alternation(ref['growth_fillers'])})"
    pre = rf"(?P<pre>{alternation(ref['qualifiers_pre'])})"
    post = rf"(?P<post>{alternation(ref['qualifiers_post'])})"
    rate = rf"(?:(?P<sign>[-−])?(?P<num>{_NUM})(?P<unit>%|倍)|百分之(?P<cnpct>{_NUM}))"
    basis_first = ("比", "较", *ref["growth_basis"])  # 比2022年 starts with 比 or 较
    growth = re.compile(
        rf"(?={_first_chars(basis_first, ref['growth_verbs'])})"
        rf"(?:{basis}{fillers}{{0,2}})?(?P<verb>{alternation(ref['growth_verbs'])}){fillers}{{0,2}}{pre}?{rate}{post}?"
    )
    doubling = re.compile(
        rf"(?={_first_chars(basis_first, ref['growth_doubling'])})"
        rf"(?:{basis}{fillers}{{0,2}})?(?P<verb>{alternation(ref['growth_doubling'])})"
    )
    continuation = re.compile(rf"[、和及与,，]\s*(?P<sign>[-−])?(?P<num>{_AR_NUM})(?P<unit>%|倍)")
    return growth, doubling, continuation


def _basis(written: str | None, verb: str) -> str:
    ref = _reference()
    if written:
        return ref["growth_basis"].get(written, "yoy")  # 比2022年 is a year-on-year comparison
    return "yoy" if verb in ref["growth_implicit_yoy"] else "unspecified"


def _rate_pct(number: str, unit: str | None, sign: str | None) -> float | None:
    value = parse_number(number)
    if value is None:
        return None
    if unit == "倍":
        value = _product(value, 100.0)  # 增长1.3倍 = +130%
    return -value if sign else value


def find_growth(text: str) -> list[Growth]:
    """Growth rates, signed, in percent points. Shares and rates (开工率100%) are not growth;
    a change of 个百分点 is a change of a rate, not a growth rate, and is not reported here.

    >>> [(g.raw, g.pct, g.basis, g.qualifier) for g in find_growth("签约金额9433.27亿元,同比增长29.84%,投资下降3%以上")]
    [('同比增长29.84%', 29.84, 'yoy', None), ('下降3%以上', -3.0, 'unspecified', '以上')]
    >>> [(g.raw, g.pct) for g in find_growth("产值增长1.3倍,签约额同比分别增长12%、8%")]
    [('增长1.3倍', 130.0), ('同比分别增长12%', 12.0), ('、8%', 8.0)]
    """
    ref = _reference()
    normalised = _half_width(text)
    growth, doubling, continuation = _growth_patterns()
    found: list[Growth] = []
    for m in growth.finditer(normalised):
        direction = ref["growth_verbs"][m.group("verb")]
        if m.group("cnpct"):
            pct = parse_number(m.group("cnpct"))
        else:
            pct = _rate_pct(m.group("num"), m.group("unit"), m.group("sign"))
        if pct is None:
            continue
        basis = _basis(m.group("basis"), m.group("verb"))
        qualifier = _qualifier(("qualifiers_post", m.group("post")), ("qualifiers_pre", m.group("pre")))
        found.append(Growth(m.start(), m.end(), text[m.start() : m.end()], direction * pct, basis, qualifier))
        if "分别" in m.group(0):
            found.extend(_listed_rates(text, normalised, m.end(), direction, basis, continuation))
    if any(verb in normalised for verb in ref["growth_doubling"]):  # every match writes one; few texts do
        for m in doubling.finditer(normalised):
            pct = float(ref["growth_doubling"][m.group("verb")])
            found.append(Growth(m.start(), m.end(), text[m.start() : m.end()], pct, _basis(m.group("basis"), ""), None))
    return sorted(found, key=lambda g: g.start)


def _listed_rates(
    text: str, normalised: str, pos: int, direction: int, basis: str, continuation: re.Pattern[str]
) -> list[Growth]:
    """The further rates of 分别增长12%、8%和5%: same verb and basis as the first."""
    rates: list[Growth] = []
    while m := continuation.match(normalised, pos):
        pct = _rate_pct(m.group("num"), m.group("unit"), m.group("sign"))
        if pct is None:
            break
        rates.append(Growth(m.start(), m.end(), text[m.start() : m.end()], direction * pct, basis, None))
        pos = m.end()
    return rates


@cache
def _share_pattern() -> re.Pattern[str]:
    ref = _reference()
    return re.compile(
        rf"(?P<head>{alternation(ref['share_heads'])})"
        r"(?P<of>[^0-9%，,。；;、:：\s]{0,15}?)的?"
        rf"(?:{alternation(ref['share_tails'])})?(?:{alternation(ref['share_fillers'])})?"
        rf"(?P<num>{_AR_NUM})%(?P<post>{alternation(ref['qualifiers_post'])})?"
    )


def find_shares(text: str) -> list[Share]:
    """Shares of a whole, with the whole when written (全市, 全国, 全省 ...).

    >>> [(s.raw, s.pct, s.of, s.qualifier) for s in find_shares("占全市29%,占全国的50%以上,占比达30%")]
    [('占全市29%', 29.0, '全市', None), ('占全国的50%以上', 50.0, '全国', '以上'), ('占比达30%', 30.0, None, None)]
    """
    found: list[Share] = []
    for m in _share_pattern().finditer(_half_width(text)):
        pct = parse_number(m.group("num"))
        if pct is None:
            continue
        qualifier = _qualifier(("qualifiers_post", m.group("post")))
        found.append(Share(m.start(), m.end(), text[m.start() : m.end()], pct, m.group("of") or None, qualifier))
    return found
