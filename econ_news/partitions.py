"""The two values that name a Hive partition, and what makes them safe to put in a path.

A partition folder is ``ingest_date=<YYYY-MM-DD>/source=<name>``. Both values end up in a path under the
curated root, so both are checked wherever they come from (the sources file, a sidecar, a file's
modification date) and again when the path is built: a value such as ``x/../../elsewhere`` or ``a/b``
would put rows outside the root or nest one partition inside another.
"""
from __future__ import annotations

import re
from datetime import date

# A source's name becomes a partition value (source=NAME) and a form field value: keep it plain.
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def partition_problem(ingest_date: object, source: object) -> str | None:
    """Why these values cannot name a partition, or None when they can."""
    if not isinstance(source, str) or not SOURCE_NAME.fullmatch(source):
        return f"source {source!r} is not a source name (1-64 of a-z 0-9 _ -, starting with a letter or digit)"
    if not isinstance(ingest_date, str) or not ISO_DATE.fullmatch(ingest_date):
        return f"ingest_date {ingest_date!r} is not a date (YYYY-MM-DD)"
    try:
        date.fromisoformat(ingest_date)
    except ValueError:
        return f"ingest_date {ingest_date!r} is not a real date"
    return None
