"""Rules and reference data as files (wordings, regions, units, page furniture), read once per process.

Provenance of each file is in README.md beside them.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources


def read_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@cache
def load_json(name: str) -> dict:
    """A JSON reference file, parsed once; callers must not modify it."""
    return json.loads(read_text(name))


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first, so that 开工建设 wins over 开工 and 千瓦时
    over 千瓦 at the same position."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))

