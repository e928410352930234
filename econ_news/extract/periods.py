"""Reporting periods in Chinese economic text, resolved to calendar dates.

Words live in econ_news/reference/periods.json. Resolution rules:

* A year written in the text wins (basis "explicit"). Otherwise the year comes from the
  article's publication date (basis "published_date"): relative years (今年 0, 去年 -1 ...)
  are offsets from it, and a period written without any year (1-6月, 上半年, 三季度, 10月底)
  takes the publication year, or the year before when less than half of that period has
  passed on the publication date (published 2024-02-10: 1-12月 and 四季度 are 2023; published
  2024-10-15: 1-9月 and 下半年 are 2024). Without a publication date such periods keep
  period_start/period_end None. A bare day (23日) is in the publication month, or the month
  before when that day is still to come.
* 月底/月末 (with or without 截至) and 截至 N月 / 截至 year底 are "as_of": cumulative from
  1 January of that year to the end of that month (截至10月底 -> Jan 1..Oct 31).
* 今年以来 / 年初以来 / 截至目前 are "ytd": 1 January .. publication date.
* A relative year right after 比/较/与/同 is a comparison basis (比上年增长), not a period,
  and is not reported.
* 前N个月 / 前N月 (今年前8个月, 前6月) are 1 January .. the end of month N, like 1-N月. A quarter or
  half with 末/底 (三季度末, 上半年末) is as_of like 6月末: 1 January .. the quarter's last day.
* Five-year plans (十一五 .. 十五五; 十五 only in quotation marks) are their five calendar years,
  basis explicit. N年以来 (2024年以来) is ytd: 1 January of N .. the publication date (a year before
  the publication year runs on to it: 2023年以来 published 2024-06-15 is 2023-01-01..2024-06-15);
  a year after it, or no publication date, ends on 31 December of N.
* N月以来 / N月份以来 (今年2月份以来) is "since": the first of that month .. the publication date.
* A plan stated under a ytd period (2023年以来,谋划实施项目179个) is the whole year's
  (planned_over): a plan covers the year, not the days elapsed.
* Days (7月5日, 23日) and dekads (9月初, 中旬) are event dates, granularity "day"; callers
  skip them when attaching periods to figures.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from typing import Any

from econ_news.extract.amounts import parse_number
from econ_news.reference import alternation, load_json

_FULLWIDTH_FORMS = "０１２３４５６７８９－"
_FULLWIDTH = str.maketrans(_FULLWIDTH_FORMS, "0123456789-")
# str.translate is slow on CJK text and normalized articles hardly ever hold these forms: scan first.
_HAS_FULLWIDTH = re.compile(f"[{re.escape(_FULLWIDTH_FORMS)}]")
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]|十|[一二三四五六七八九])"
_YEAR = r"(?:19|20)[0-9]{2}"
# Word lists a mention can begin with: their first characters gate the scan (speed).
_OPENING_WORD_LISTS = ("as_of_prefixes", "as_of_now", "relative_years", "halves", "ytd_words", "quarters")


@dataclass(frozen=True)
class PeriodMention:
    """One period in the text: ``text[start:end] == raw``.

    >>> p = find_periods("1月—9月,经开区完成", date(2025, 10, 20))[0]
    >>> (p.period_start, p.period_end, p.basis, p.granularity)
    (datetime.date(2025, 1, 1), datetime.date(2025, 9, 30), 'published_date', 'months')
    """

    start: int
    end: int
    raw: str
    period_start: date | None  # None when the year cannot be known
    period_end: date | None
    basis: str  # explicit | published_date | stated_year (no publication date: the year the text stated before)
    granularity: str  # year | half | quarter | months | month | ytd | since | as_of | day


def month_end(year: int, month: int) -> date:
    """The last day of a month.

    >>> month_end(2024, 2), month_end(2023, 9)
    (datetime.date(2024, 2, 29), datetime.date(2023, 9, 30))
    """
    return date(year, month, calendar.monthrange(year, month)[1])


@cache
def _reference() -> dict[str, Any]:
    return load_json("periods.json")



@cache
def _period_pattern() -> re.Pattern[str]:
    mention = _mention_pattern()
    return re.compile(mention + _some_group_matched(re.compile(mention).groupindex))


def _mention_pattern() -> str:
    ref = _reference()
    sep = alternation(ref["month_range_separators"])
    month_end_word = alternation(ref["month_end_words"])
    openers = {w[0] for key in _OPENING_WORD_LISTS for w in ref[key]}
    first_char = "[0-9一二三四五六七八九十前第首“\"" + re.escape("".join(sorted(openers))) + "]"
    plans = sorted({w.strip('“”"') for w in ref["five_year_plans"] if w[0] not in '“"'})
    period_end = alternation(ref["period_end_words"])
    quoted_only_plans = alternation(w for w in ref["five_year_plans"] if w[0] in '“"')
    return (
        rf"(?={first_char})(?<![0-9.])(?P<asof>{alternation(ref['as_of_prefixes'])})?"
        rf"(?:(?P<now>{alternation(ref['as_of_now'])})"
        rf"|(?P<plan>[“\"]?(?:{alternation(plans)})[”\"]?|{quoted_only_plans})"
        rf"|(?P<y1>{_YEAR})年?(?:{sep})(?P<y2>{_YEAR})年(?!{_MONTH}月|{alternation(ref['halves'])}|前?[一二三四1-4]季度)"
        rf"|(?:(?P<year>{_YEAR})年(?P<annual>度)?|(?P<rel>{alternation(ref['relative_years'])}))?"
        r"(?:"
        rf"(?P<yearend>{month_end_word})"
        rf"|(?P<ytd>{alternation(ref['ytd_words'])})"
        rf"|(?P<half>{alternation(ref['halves'])})(?P<halfend>{period_end})?"
        rf"|(?P<cumq>{alternation(ref['cumulative_quarters'])})(?P<cumqend>{period_end})?"
        rf"|(?P<quarter>{alternation(ref['quarters'])})(?P<quarterend>{period_end})?"
        rf"|(?<!{alternation(ref['first_months_not_after'])})前(?P<firstm>{_MONTH}|两)个?月份?"
        rf"|(?P<m1>{_MONTH})月?份?(?:{sep})(?P<m2>{_MONTH})月份?(?P<rangeend>{month_end_word})?"
        rf"|(?<![0-9])(?P<month>{_MONTH})月份?(?:(?P<monthend>{month_end_word})"
        rf"|(?P<dekad>{alternation(ref['dekads'])})|(?P<day>[0-9]{{1,2}})[日号]"
        rf"|(?P<monthsince>{alternation(ref['since_words'])}))?"
        r"|(?<![0-9月])(?P<dayonly>[0-9]{1,2})[日号]"
        r")?)"
    )


def _some_group_matched(names: Any) -> str:
    """A conditional that fails unless one of the named groups took part in the match.

    Every part of the mention pattern is optional, so where no period starts it matches the empty
    string: at one gated position in ten or so (the 目 of 项目, the 发 of 发展), each one a match object
    for Python to create and skip. Whatever a period consumes lies in a named group, and an empty
    match is the pattern's last resort, so failing it only turns those empty matches into no match.
    """
    condition = "(?!)"
    for name in reversed(list(names)):
        condition = f"(?({name})|{condition})"
    return condition


def _month(s: str) -> int:
    value = parse_number(s)
    return int(value) if value else 0


def _year_of(m: re.Match[str], published: date | None, stated_year: int | None = None) -> tuple[int | None, str]:
    """The year the mention names, and whether the text wrote it (stated_year: see find_periods)."""
    if m.group("year"):
        return int(m.group("year")), "explicit"
    offset = _reference()["relative_years"][m.group("rel")] if m.group("rel") else 0
    if published is None:
        if stated_year is None or m.group("dayonly"):
            return None, "published_date"
        return stated_year + offset, "stated_year"
    return published.year + offset, "published_date"


def _span(m: re.Match[str], year: int, published: date | None) -> tuple[date, date, str] | None:
    """(first day, last day, granularity) of the mention in a given year, or None if invalid."""
    ref = _reference()
    if m.group("half"):
        first, last = ref["halves"][m.group("half")]
        if m.group("halfend"):
            return date(year, 1, 1), month_end(year, last), "as_of"
        return date(year, first, 1), month_end(year, last), "half"
    if m.group("cumq") or m.group("quarter"):
        first, last = (ref["cumulative_quarters"] | ref["quarters"])[m.group("cumq") or m.group("quarter")]
        if m.group("cumqend") or m.group("quarterend"):
            return date(year, 1, 1), month_end(year, last), "as_of"
        return date(year, first, 1), month_end(year, last), "months" if m.group("cumq") else "quarter"
    if m.group("firstm"):
        last = _month(m.group("firstm"))
        if not 1 <= last <= 12:
            return None
        return date(year, 1, 1), month_end(year, last), "months"
    if m.group("m1"):
        first, last = _month(m.group("m1")), _month(m.group("m2"))
        if not 1 <= first <= last <= 12:
            return None
        return date(year, first, 1), month_end(year, last), "months"
    if m.group("month"):
        return _month_span(m, year, published)
    if m.group("dayonly"):
        return _bare_day(int(m.group("dayonly")), year, published)
    if m.group("yearend") or m.group("asof"):
        return date(year, 1, 1), date(year, 12, 31), "as_of"
    if m.group("ytd"):
        end = published if published and published.year >= year else date(year, 12, 31)
        return date(year, 1, 1), end, "ytd"
    return date(year, 1, 1), date(year, 12, 31), "year"


def _bare_day(day: int, year: int, published: date | None) -> tuple[date, date, str] | None:
    """23日: a day of the publication month, or of the month before when it is still to come."""
    month = published.month if published else 12
    if published and day > published.day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day), date(year, month, day), "day"


def _mostly_ahead(first: date, last: date, published: date) -> bool:
    """Less than half of the period has passed on the publication date: a report of it is
    about last year's (published 2024-02-10, 1-12月 is 2023; published 2024-10-15, 1-9月 is 2024)."""
    passed = (min(published, last) - first).days + 1
    return passed * 2 < (last - first).days + 1


def _month_span(m: re.Match[str], year: int, published: date | None = None) -> tuple[date, date, str] | None:
    month = _month(m.group("month"))
    if not 1 <= month <= 12:
        return None
    last_day = calendar.monthrange(year, month)[1]
    if m.group("day"):
        day = int(m.group("day"))
        if not 1 <= day <= last_day:
            return None
        if m.group("asof"):
            return date(year, 1, 1), date(year, month, day), "as_of"
        return date(year, month, day), date(year, month, day), "day"
    if m.group("monthsince"):
        end = published if published and published.year == year and published.month >= month else date(year, 12, 31)
        return date(year, month, 1), end, "since"
    if m.group("dekad"):
        first, last = _reference()["dekads"][m.group("dekad")]
        return date(year, month, first), date(year, month, min(last, last_day)), "day"
    if m.group("monthend") or m.group("asof"):
        return date(year, 1, 1), month_end(year, month), "as_of"
    return date(year, month, 1), month_end(year, month), "month"


def _mention(m: re.Match[str], text: str, published: date | None, stated_year: int | None = None
             ) -> PeriodMention | None:
    raw = text[m.start() : m.end()]
    if m.group("now"):
        if not m.group("asof"):
            return None
        end = published
        return PeriodMention(m.start(), m.end(), raw, end and date(end.year, 1, 1), end, "published_date", "ytd")
    if m.group("plan"):
        plans = {w.strip('“”"'): span for w, span in _reference()["five_year_plans"].items()}
        first, last = plans[raw.strip('“”"')]
        return PeriodMention(m.start(), m.end(), raw, date(first, 1, 1), date(last, 12, 31), "explicit", "year")
    if m.group("y1"):
        first, last = int(m.group("y1")), int(m.group("y2"))
        if first > last:
            return None
        return PeriodMention(m.start(), m.end(), raw, date(first, 1, 1), date(last, 12, 31), "explicit", "year")
    has_year = bool(m.group("year") or m.group("rel"))
    if m.group("ytd") and not has_year and not m.group("ytd").startswith("年初"):
        return None  # 开工以来: since an event, not a reporting period
    if m.group("yearend") and not has_year:
        return None
    if m.group("rel") and text.endswith(tuple(_reference()["comparison_prefixes"]), 0, m.start()):
        return None
    year, basis = _year_of(m, published, stated_year)
    if year is None:
        probe = _span(m, 2000, date(2000, 12, 31))  # a leap year: any valid month/day passes
        return PeriodMention(m.start(), m.end(), raw, None, None, basis, probe[2]) if probe else None
    span = _span(m, year, published)
    if span and not has_year and not m.group("dayonly") and published and _mostly_ahead(span[0], span[1], published):
        span = _span(m, year - 1, published)
    if span is None:
        return None
    return PeriodMention(m.start(), m.end(), raw, span[0], span[1], basis, span[2])


@cache
def _plan_words() -> re.Pattern[str]:
    return re.compile(alternation(_reference()["plan_words"]))


def planned_over(period: PeriodMention, text: str, start: int, end: int) -> PeriodMention:
    """The period of a figure stated in text[start:end] under period: a year-to-date period becomes
    its whole year when the figure is a plan (计划, 谋划, 年内 in between), since a plan covers the year.

    >>> p = find_periods("2023年以来,谋划实施项目179个", date(2023, 5, 25))[0]
    >>> str(planned_over(p, "2023年以来,谋划实施项目179个", 7, 17).period_end)
    '2023-12-31'
    """
    if period.granularity != "ytd" or period.period_start is None or period.period_end is None:
        return period
    if period.period_end.year != period.period_start.year or not _plan_words().search(text, start, end):
        return period  # 2023年以来 read in 2024: a plan of which year is not said
    year = period.period_start.year
    return replace(period, period_start=date(year, 1, 1), period_end=date(year, 12, 31), granularity="year")


def find_periods(text: str, published: date | None) -> list[PeriodMention]:
    """Every period mention, left to right, resolved against the publication date.

    Without a publication date, a period written without its year takes the year the text last
    stated before it (在2015年第一批重点项目开工仪式上 ... 今年计划实施50个 -> 2015; basis
    "stated_year"): a year stated once for a topic holds for what follows. Bare days stay unknown.

    >>> [(p.raw, str(p.period_start), str(p.period_end), p.granularity)
    ...  for p in find_periods("2023年,上半年,截至10月底", date(2023, 11, 5))]
    [('2023年', '2023-01-01', '2023-12-31', 'year'), ('上半年', '2023-01-01', '2023-06-30', 'half'), ('截至10月底', '2023-01-01', '2023-10-31', 'as_of')]
    """
    normalised = text.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(text) else text
    as_of_prefixes = _reference()["as_of_prefixes"]
    found: list[PeriodMention] = []
    stated_year: int | None = None
    for m in _period_pattern().finditer(normalised):  # never an empty match (_some_group_matched)
        if m.group(0) in as_of_prefixes:
            continue
        mention = _mention(m, text, published, stated_year)
        if mention:
            found.append(mention)
        if m.group("year"):
            stated_year = int(m.group("year"))
    return found
