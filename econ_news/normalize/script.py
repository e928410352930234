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
# str.translate looks every character of a page up in the table, which is slow on CJK text. A page holds
# only a few distinct characters to replace: each is replaced in one C-speed pass. No replacement is
# itself replaced (they are printable ASCII, a space or nothing), so the result is translate's.
_UNIFIED = {chr(cp): chr(to) if isinstance(to, int) else to or "" for cp, to in _HALF_WIDTH.items()}
_TO_UNIFY = re.compile("[" + re.escape("".join(_UNIFIED)) + "]")


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


def unify_punctuation(text: str) -> str:
    for ch in set(_TO_UNIFY.findall(text)):
        text = text.replace(ch, _UNIFIED[ch])
    return text


def to_simplified(text: str) -> tuple[str, bool]:
    """Simplified text, and whether anything was converted.

    Most pages are simplified already: conversion runs only on text that holds a character the
    converter would change and that is never simplified.
    """
    if not _has_traditional_only(text):
        return text, False
    converted = _converter().convert(text)
    return converted, converted != text


class _TraditionalToSimplified:
    """OpenCC's t2s conversion (opencc-python-reimplemented), with its results, about ten times faster.

    The library converts each run of text between separators by repeatedly replacing the longest
    phrase of TSPhrases.txt found in it (the leftmost of equal length) and converting what lies
    between the phrases again, then maps the characters left over through TSCharacters.txt, all
    in Python string slices over every length at every position. Taking all phrase occurrences of
    the text in that same order (longest first, then leftmost) and keeping each one that does not
    overlap a phrase already kept selects exactly the same phrases; the characters left over then
    go through one str.translate. No dictionary key holds a separator, so no phrase crosses one and
    the text need not be split (checked when loading: otherwise the library itself converts).
    """

    def __init__(self) -> None:
        dictionaries = Path(opencc.__file__).parent / "dictionary"
        phrases = _library_dictionary(dictionaries / "TSPhrases.txt")
        characters = _library_dictionary(dictionaries / "TSCharacters.txt")
        library = opencc.OpenCC("t2s")
        splits = any(library.split_chars_re.search(key) for key in [*phrases, *characters])
        self._library = library if splits or any(len(key) != 1 for key in characters) else None
        # Where a key maps to several values, the library takes the first.
        self._phrases = {key: values.split(" ")[0] for key, values in phrases.items()}
        self._characters = {ord(key): values.split(" ")[0] for key, values in characters.items()}
        lengths: dict[str, set[int]] = {}
        for phrase in self._phrases:
            lengths.setdefault(phrase[0], set()).add(len(phrase))
        self._lengths = {first: sorted(ns, reverse=True) for first, ns in lengths.items()}
        self._phrase_start = re.compile("[" + re.escape("".join(sorted(lengths))) + "]")

    def convert(self, text: str) -> str:
        if self._library is not None:
            return self._library.convert(text)
        found = []  # (-length, start): longest first, then leftmost, as the library searches
        size = len(text)
        for start in self._phrase_start.finditer(text):
            i = start.start()
            found += [(-n, i) for n in self._lengths[text[i]] if i + n <= size and text[i : i + n] in self._phrases]
        found.sort()
        taken = bytearray(len(text))
        kept = []
        for minus_length, i in found:
            end = i - minus_length
            if taken.find(1, i, end) == -1:
                taken[i:end] = b"\x01" * (end - i)
                kept.append((i, end))
        kept.sort()
        pieces, cursor = [], 0
        for i, end in kept:
            pieces += [text[cursor:i].translate(self._characters), self._phrases[text[i:end]]]
            cursor = end
        pieces.append(text[cursor:].translate(self._characters))
        return "".join(pieces)


def _library_dictionary(path: Path) -> dict[str, str]:
    """key -> values as opencc-python-reimplemented reads a dictionary file (a later line wins)."""
    entries = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            key, values = line.strip().split("\t")
            entries[key] = values
    return entries


@functools.cache
def _converter() -> _TraditionalToSimplified:
    return _TraditionalToSimplified()


def _has_traditional_only(text: str) -> bool:
    """The text holds one of _traditional_only().

    set.isdisjoint hashes every character of the page (about 30 ns each). A character class of the
    BMP characters is a bitmap that re scans about ten times faster; the set's characters beyond the
    BMP would make the class slow, so the class takes that whole range, and a page that has such a
    character (rare) is settled by the set.
    """
    found = _traditional_or_astral().search(text)
    if found is None:
        return False
    return found.group() <= "\uffff" or not _traditional_only().isdisjoint(text)


@functools.cache
def _traditional_or_astral() -> re.Pattern[str]:
    bmp = "".join(sorted(ch for ch in _traditional_only() if ch <= "\uffff"))
    return re.compile(f"[{re.escape(bmp)}\U00010000-\U0010ffff]")


@functools.cache
def _traditional_only() -> frozenset[str]:
    """Characters that t2s rewrites and that are not themselves simplified forms (from OpenCC's dictionaries)."""
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
