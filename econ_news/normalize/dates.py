"""Calendar dates as pages print them: 2023-07-11, 2020/3/24, 2023.07.11, 2023年7月11日; and, in a
publication stamp only (a date with its clock time), the CMS forms 20-09-08 10:35 and 2021 07-14 10:31:02."""
from __future__ import annotations

import re
from datetime import date

_NUMERIC = r"((?:19|20)\d{2})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)"
_CHINESE = r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
DATE = re.compile(rf"(?<!\d)(?:{_NUMERIC}|{_CHINESE})")
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?"
_TIME = rf"(?:\s*{_CLOCK})?"
# A line that is nothing but a date (weekday, time), possibly in brackets: a publication stamp.
# An e-paper prints 星期 with the day left blank.
_WEEKDAY = r"(?:\s*(?:星期[一二三四五六日天]?|周[一二三四五六日天]))?"
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


# Forms a CMS prints only in a stamp, always followed by the clock time: a two-digit year (20-09-08 10:35)
# and a year set apart by a space (2021 07-14 10:31:02). Without the time they would read as ranges or codes.
_SHORT_YEAR = rf"(?<![\d.:/-])(\d{{2}})-(\d{{1,2}})-(\d{{1,2}})\s+{_CLOCK}"
_SPACED_YEAR = rf"(?<!\d)((?:19|20)\d{{2}})\s+(\d{{1,2}})-(\d{{1,2}})\s+{_CLOCK}"
_CMS_STAMP = re.compile(rf"{_SHORT_YEAR}|{_SPACED_YEAR}")
# Any date written with its clock time: a publication stamp, never a date in prose.
CLOCKED = re.compile(rf"(?<!\d)(?:{_NUMERIC}|{_CHINESE}){_WEEKDAY}\s*{_CLOCK}|{_SHORT_YEAR}|{_SPACED_YEAR}")


def stamp_date(text: str) -> date | None:
    """The date of a publication stamp: a calendar date, or a CMS form with its clock time."""
    stated = first_date(text)
    if stated is not None:
        return stated
    for found in _CMS_STAMP.finditer(text):
        if found.group(1):
            parsed = make_date(2000 + int(found.group(1)), int(found.group(2)), int(found.group(3)))
        else:
            parsed = make_date(int(found.group(4)), int(found.group(5)), int(found.group(6)))
        if parsed is not None:
            return parsed
    return None


# A stamp that leaves the year out (07-14 10:31, 7/14 10:31): the day is known, the year must be inferred.
YEARLESS_STAMP = re.compile(rf"(?<![\d./:-])(1[0-2]|0?[1-9])[-/](3[01]|[12]\d|0?[1-9])\s+{_CLOCK}(?![\d:])")
