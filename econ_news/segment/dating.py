"""A publication date read from the text when the page prints none."""
from __future__ import annotations

import re
from datetime import date

from econ_news.normalize.dates import make_date
from econ_news.normalize.patterns import furniture

# 中国甘肃网8月24日讯 / 7月5日, at the head of the lead paragraph.
_MONTH_DAY = re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})日")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})年")


def infer_date(title: str | None, paragraphs: list[str]) -> date | None:
    """Month and day from the lead's dateline, with the year stated unambiguously in the title or text."""
    if not paragraphs:
        return None
    lead = paragraphs[0][: furniture().dateline_lead_chars]
    month_day = _MONTH_DAY.search(lead)
    if month_day is None:
        return None
    stated_years = _YEAR.findall(title or "") or _YEAR.findall("\n".join(paragraphs))
    if len(set(stated_years)) != 1:
        return None
    return make_date(int(stated_years[0]), int(month_day.group(1)), int(month_day.group(2)))
