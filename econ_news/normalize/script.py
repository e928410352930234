"""Character-level clean-up: inserted pinyin, traditional script, full-width forms."""
from __future__ import annotations

import functools
import re
from pathlib import Path

import opencc

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# A pinyin annotation inserted after a character: 經(jīng), 產(chǎn). Only a single tone-marked syllable
# of pinyin shape qualifies, so ordinary brackets such as 海槿(张掖), (甘州段) or (2+6) stay. A few
# captures replaced the opening bracket by "?", which is then part of the annotation too.
_PINYIN = re.compile(rf"[(?](?=[a-zü]{{0,5}}[{_TONE_VOWELS}])[a-zü{_TONE_VOWELS}]{{1,6}}\)")

_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\f\v"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Full-width ASCII (！ ， ： ； （ ） ？, letters, digits) -> ASCII, as NFKC does; 。、“”《》【】—… are
# Chinese punctuation with no half-width twin and stay as they are.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALF_WIDTH.update({ord(c): " " for c in _SPACES})
_HALF_WIDTH.update({ord(c): None for c in _INVISIBLE})


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


def unify_punctuation(text: str) -> str:
    return text.translate(_HALF_WIDTH)


def to_simplified(text: str) -> tuple[str, bool]:
    """Simplified text, and whether anything was converted.

    The converter is slow (about 1 MB/s), and most pages are simplified already: it runs only
    on text that holds a character the converter would change and that is never simplified.
    """
    if _traditional_only().isdisjoint(text):
        return text, False
    converted = _converter().convert(text)
    return converted, converted != text


@functools.cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@functools.cache
def _traditional_only() -> frozenset[str]:
    """Characters that t2s rewrites and that are not themselves simplified forms (from OpenCC's dictionaries).

    A set rather than a regex character class: a class with characters beyond the BMP makes
    re fall back to a slow scan, while set.isdisjoint walks the text at C speed.
    """
    dictionaries = Path(opencc.__file__).parent / "dictionary"
    to_simplified_map = _read_dictionary(dictionaries / "TSCharacters.txt")
    simplified_forms = set(_read_dictionary(dictionaries / "STCharacters.txt"))
    simplified_forms.update(ch for targets in to_simplified_map.values() for ch in targets)
    changed = {ch for ch, targets in to_simplified_map.items() if len(ch) == 1 and targets[0] != ch}
    return frozenset(changed - simplified_forms)


def _read_dictionary(path: Path) -> dict[str, list[str]]:
    entries = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, values = line.partition("\t")
        if values:
            entries[key] = values.split(" ")
    return entries
