"""Calendar dates as pages print them: 2023-07-11, 2020/3/24, 2023.07.11, 2023年7月11日."""
from __future__ import annotations

import re
from datetime import date

_NUMERIC = r"((?:19|20)\d{2})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)"
_CHINESE = r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
DATE = re.compile(rf"(?<!\d)(?:{_NUMERIC}|{_CHINESE})")
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
# A line that is nothing but a date (weekday, time), possibly in brackets: a publication stamp.
_WEEKDAY = r"(?:\s*(?:星期|周)[一二三四五六日天])?"
DATE_ONLY = re.compile(rf"^[(\[]?\s*(?:{_NUMERIC}|{_CHINESE}){_WEEKDAY}{_TIME}\s*[)\]]?$")
# A date followed by empty brackets, a tilde or a lunar-calendar note: the page's "today" widget.
DATE_WIDGET = re.compile(rf"^(?:{_NUMERIC}|{_CHINESE})\s*(?:星期.|周.)?\s*(?:\(\s*\)|~|农历)[\s()\[\]~|]*")


def make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def first_date(text: str) -> date | None:
    """The first valid calendar date written in the text."""
    for found in DATE.finditer(text):
        if found.group(1):
            parsed = make_date(int(found.group(1)), int(found.group(3)), int(found.group(4)))
        else:
            parsed = make_date(int(found.group(5)), int(found.group(6)), int(found.group(7)))
        if parsed is not None:
            return parsed
    return None
