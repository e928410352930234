"""A publication date read from the text when the page prints none (date_source "inferred").

Three constructions give the day, in this order:
- the page's own stamp printed without its year (07-14 10:31 来源:…);
- a dispatch dateline, month and day followed by 电 or 讯 (新华社西宁3月8日电, 中国甘肃网8月24日讯), in the
  first paragraphs: the agency's own date for the piece;
- a date in the lead's first clause (本报讯(记者…)6月3日, / 7月5日,签约仪式…): the news of the day.
The year is the dateline's own, else the one year stated in the title, else the one year stated in the
text, else the one year of the dates printed elsewhere on the page (another article's stamp, an
e-paper's issue date), else the one year stated anywhere on the page (a page of short items from one
day's paper). Two candidate years and no way to choose: no date.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache

from econ_news.normalize.dates import YEARLESS_STAMP, make_date
from econ_news.normalize.patterns import load_reference

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")


@dataclass(frozen=True)
class _Rules:
    dispatch: re.Pattern[str]
    dispatch_paragraphs: int
    dispatch_chars: int
    lead: re.Pattern[str]
    lead_chars: int


@cache
def _rules() -> _Rules:
    ref = load_reference("furniture.json")["date_inference"]
    return _Rules(
        dispatch=re.compile(ref["dispatch"]),
        dispatch_paragraphs=ref["dispatch_paragraphs"],
        dispatch_chars=ref["dispatch_chars"],
        lead=re.compile(ref["lead"]),
        lead_chars=ref["lead_chars"],
    )


def infer_date(
    title: str | None,
    paragraphs: list[str],
    page_dates: Iterable[date] = (),
    page_text: str = "",
    stamps: Iterable[str] = (),
) -> date | None:
    """The day from a yearless stamp or a dateline, the year as stated around it (see the module doc)."""
    if not paragraphs:
        return None
    yearless = next((m for stamp in stamps if (m := YEARLESS_STAMP.search(stamp))), None)
    if yearless is not None:
        year = _year(None, title, paragraphs, page_dates, page_text)
        return None if year is None else make_date(year, int(yearless.group(1)), int(yearless.group(2)))
    rules = _rules()
    found = next(
        (m for p in paragraphs[: rules.dispatch_paragraphs] if (m := rules.dispatch.search(p, 0, rules.dispatch_chars))),
        None,
    ) or rules.lead.match(paragraphs[0], 0, rules.lead_chars)
    if found is None:
        return None
    year = _year(found.group("year"), title, paragraphs, page_dates, page_text)
    return None if year is None else make_date(year, int(found.group("month")), int(found.group("day")))


def _year(
    written: str | None, title: str | None, paragraphs: list[str], page_dates: Iterable[date], page_text: str
) -> int | None:
    if written:
        return int(written)
    candidates = (
        lambda: _YEAR.findall(title or ""),
        lambda: _YEAR.findall("\n".join(paragraphs)),
        lambda: [d.year for d in page_dates],
        lambda: _YEAR.findall(page_text),
    )
    for found in candidates:
        years = found()
        if years:
            return int(years[0]) if len(set(years)) == 1 else None
    return None
