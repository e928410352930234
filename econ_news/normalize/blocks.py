"""Clean lines -> typed blocks.

Each line is first classified on its own (furniture, metadata, credit, caption, heading or
paragraph); a second pass then uses the neighbours: the list under a "相关新闻" header, a
byline versus a photo credit, the caption before a credit, subtitles, and paragraphs that the
page layout broke apart.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from econ_news.normalize.dates import CLOCKED, DATE_ONLY, DATE_WIDGET, YEARLESS_STAMP, first_date, stamp_date
from econ_news.normalize.patterns import CJK, Furniture, furniture
from econ_news.records import Block

_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")  # "#话题#" is no heading
_SPACE_RUN = re.compile(r" {2,}")
_HAS_WORD = re.compile(rf"[{CJK}A-Za-z0-9]")
_HAS_CJK = re.compile(rf"[{CJK}]")
# Anti-copy noise of forum software: short runs of random ASCII after the text or on lines of their own.
_NOISE_TAIL = re.compile(r"(?<=[^\x00-\x7f])\s+((?:[!-~]{1,3}\s+){3,}[!-~]{1,3})\s*$")
_ASCII_SYMBOL = re.compile(r"[!-/:-@\[-`{-~]")
_LIST_ITEM = re.compile(r"^(?:[-·•*]\s?|\d{4}[-/.年]\d)")
_NEW_PARAGRAPH = re.compile(r"^(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|\d{1,2}[.、](?!\d)|[▲▼●■◆])")
_CLAUSE_SPLIT = re.compile(r"[,、]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_TOKEN_EDGE = re.compile(r"[A-Za-z]{2}|\d{2}")
_WIDE = re.compile(rf"[{CJK}\u3000-\u303f\u2018-\u201f\u2026\u2014\uff00-\uffef]")
_SENTENCE_END = re.compile(r"[。!?…][”’」』\"]?$")
# Layout spaces (&nbsp;) between a Chinese character and a number: 总投资 96.5亿元.
_SPACE_AT_NUMBER = re.compile(rf"(?<=[{CJK}])\s+(?=\d)|(?<=\d)\s+(?=[{CJK}])")
# Patterns that open with a lookbehind or an optional part are tried at every position of a line; these
# C-speed checks for what any match must contain skip them on the many lines that cannot match.
_WHITESPACE = re.compile(r"\s")
_BRACKET_PAIRS = ("“”", "()", "【】", "《》")
_MENU_SEPARATOR = re.compile(r"\s*[|/]\s*|\s+")
_MENU_ITEM = re.compile(rf"[{CJK}A-Za-z]{{2,8}}")
_MIN_NOISE_TOKENS = 3
_MIN_WRAPPED_LINES = 5
_MIN_WRAP_WIDTH = 20
_WRAP_TOLERANCE = 3  # a wrapped line can end short: a wide character or a word that did not fit
_MAX_INLINE_CAPTION_CHARS = 100


@dataclass(frozen=True)
class _Unit:
    kind: str  # heading | paragraph | meta | byline | credit | credit_prefix | names | original_title | list_header
    text: str
    level: int = 0
    published_date: date | None = None
    photo: bool = False
    issue: bool = False  # a date line in an e-paper's page header (上一版 下一版 2020年3月30日): the issue date
    signoff: str | None = None  # the reporters' credit that closed this paragraph: (记者 蒲利宏)


def build_blocks(text: str) -> tuple[Block, ...]:
    f = furniture()
    lines = _lines_with_gaps(text, f)
    units = [unit for line in _unwrap(lines, f) if (unit := _classify(line, f)) is not None]
    for step in (_drop_link_lists, _merge_split_credits, _resolve_original_titles, _resolve_credits, _rejoin):
        units = step(units, f)
    blocks: list[Block] = []
    for u in units:
        if u.kind in ("heading", "paragraph", "meta", "byline"):
            blocks.append(Block("issue_date" if u.issue else u.kind, u.text, u.level, u.published_date))
            if u.signoff is not None:
                blocks.append(Block("signoff", u.signoff))
    return tuple(blocks)


# --- one line at a time -------------------------------------------------------------------


def _classify(line: str, f: Furniture) -> _Unit | None:
    level = 0
    markdown = _MARKDOWN_HEADING.match(line)
    if markdown:
        level, line = len(markdown.group(1)), markdown.group(2)
    epaper_header = False
    if f.strip_inline_any.found_in(line):
        epaper_header = f.epaper_controls.search(line) is not None
        line = f.strip_inline.sub("", line)
    line = _single_spaced(line).strip()
    if "!" <= line[-1:] <= "~":  # noise ends the (stripped) line with an ASCII character
        line = _NOISE_TAIL.sub("", line)
    if not _HAS_WORD.search(line) or _is_noise(line):
        return None
    if f.original_title.match(line):
        title = f.original_title_marker.sub("", f.original_title.sub("", line))
        return _Unit("original_title", title, level)
    if f.subtitle_marker.search(line):
        return _Unit("meta", f.subtitle_marker.sub("", line).strip())
    meta = _meta(line, f)
    if meta is not None:
        return replace(meta, issue=True) if epaper_header and meta.published_date else meta
    if DATE_WIDGET.match(line) or f.drop_line.found_in(line) or _is_menu(line, f):
        return None
    if len(line) <= f.max_meta_chars and f.field_line.match(line):
        return None  # a record card's field with no date (索引号:…, 发布者:管理员)
    if f.recommendation_header.search(line):
        return _Unit("list_header", line)
    if level:
        return None if f.caption_line.search(line) else _Unit("heading", line, level)
    return _credit(line, f) or _caption_or_text(line, f)


def _is_menu(line: str, f: Furniture) -> bool:
    """A navigation strip: short items side by side (网站首页 本网原创 政务公开 …), at least two of them the
    names of a site's sections. A headline or a list of reporters' names has none."""
    if " " not in line and "|" not in line:
        return False
    items = _MENU_SEPARATOR.split(line.strip(" |"))
    if len(items) < f.menu_min_items or any(not _MENU_ITEM.fullmatch(item) for item in items):
        return False
    return sum(item in f.menu_words for item in items) >= 2


def _is_noise(line: str) -> bool:
    if _HAS_CJK.search(line):
        return False
    tokens = line.split()
    return (
        len(tokens) >= _MIN_NOISE_TOKENS
        and all(len(t) <= 3 for t in tokens)
        and len(_ASCII_SYMBOL.findall(line)) * 3 >= len(tokens)
    )


def _meta(line: str, f: Furniture) -> _Unit | None:
    """A publication stamp: a bare date, a date with its clock time beside little else (the outlet:
    鄂尔多斯融媒 2023-03-30 16:10:25), or a short labelled line (来源:, 日期:, 编辑:) with a date or a source."""
    if len(line) > f.max_meta_chars or "。" in line:
        return None
    if DATE_ONLY.match(line):
        return _Unit("meta", line, published_date=first_date(line))
    if f.meta_field.search(line) is None:
        clocked = CLOCKED.search(line) or YEARLESS_STAMP.search(line)
        if clocked is not None and len(line) - len(clocked.group()) <= f.max_stamp_other_chars:
            return _Unit("meta", line, published_date=stamp_date(line))  # none when the year is left out
        return None
    stated = stamp_date(line)
    if stated is None and YEARLESS_STAMP.search(line):
        return _Unit("meta", line)  # 07-14 10:31 来源:…: segment infers the year
    if stated is None and f.standalone_source.search(line) is None:
        return None
    return _Unit("meta", line, published_date=stated)


def _credit(line: str, f: Furniture) -> _Unit | None:
    if f.credit_line.match(line):
        return _Unit("credit", line, photo=f.ends_with_photo_credit(line))
    if f.credit_prefix.match(line):
        return _Unit("credit_prefix", line)
    if f.names_only.match(line):
        return _Unit("names", line)
    return None


def _caption_or_text(line: str, f: Furniture) -> _Unit | None:
    if f.caption_line.search(line):
        return None
    note = f.trailing_note.search(line) if "(" in line or "[" in line else None  # a trailing note opens with one
    note_text = note.group().strip() if note is not None else ""
    # (记者 蒲利宏) after a sentence signs the article off; (记者 蒲利宏 摄) credits a photo.
    signoff = note_text if note is not None and f.signoff_note.match(note_text) and not f.is_photo_credit(note_text) else None
    if signoff is None and len(line) <= _MAX_INLINE_CAPTION_CHARS and (
        f.caption_with_credit.match(line) or f.ends_with_photo_credit(line)
    ):
        return None  # a caption with its photo credit on the same line
    if _heading_shaped(line, f):
        return _Unit("heading", line)
    if note is not None:
        line = line[: note.start()]
    if _WHITESPACE.search(line):
        line = _SPACE_AT_NUMBER.sub("", line)
    return _Unit("paragraph", line, signoff=signoff) if _HAS_WORD.search(line) else None


def _heading_shaped(line: str, f: Furniture) -> bool:
    """Short, no sentence inside, balanced quotes, at most one comma with a full clause on each side."""
    if not 2 <= len(line) <= f.heading_max_chars or not _HAS_CJK.search(line):
        return False
    if line[-1] in f.continuation_end or line[-1] in f.heading_never_last:
        return False
    if "。" in line or ";" in line:
        return False
    if any(line.count(pair[0]) != line.count(pair[1]) for pair in _BRACKET_PAIRS):
        return False
    clauses = [c.strip() for c in _CLAUSE_SPLIT.split(f.heading_numbered_prefix.sub("", line))]
    if len(clauses) == 1:
        return True
    return (
        len(clauses) == 2
        and min(len(c) for c in clauses) >= f.heading_min_clause_chars
        and f.opening_clause.fullmatch(clauses[0]) is None
    )


def _lines_with_gaps(text: str, f: Furniture) -> list[tuple[str, bool]]:
    """Non-empty lines, each with whether a blank line precedes it. A line of closing punctuation
    only (a wrapped 。) goes back to the line it ends."""
    lines: list[tuple[str, bool]] = []
    gap = False
    for raw in text.split("\n"):
        line = _single_spaced(raw.strip())
        if not line:
            gap = True
            continue
        if lines and not _HAS_WORD.search(line) and line[0] in f.paragraph_final and lines[-1][0][-1] not in f.paragraph_final:
            lines[-1] = (lines[-1][0] + line, lines[-1][1])
        else:
            lines.append((line, gap))
        gap = False
    return lines


def _unwrap(lines: list[tuple[str, bool]], f: Furniture) -> list[str]:
    """A hard-wrapped text's lines put back together into its paragraphs, before anything is classified.

    Wrapping cuts anywhere (inside a word, after a quote or a colon), so a full-width text line goes
    on in the next text line unless it ends a sentence or a blank line follows; nothing is inserted.
    """
    found = _wrap_width([line for line, _ in lines])
    if found is None:
        return [line for line, _ in lines]
    measure, width = found
    paragraphs: list[str] = []
    open_line = False
    for line, gap in lines:
        unit = _classify(line, f)
        is_text = unit is not None and (unit.kind == "paragraph" or (unit.kind == "heading" and not unit.level))
        if open_line and not gap and is_text:
            paragraphs[-1] += line
        else:
            paragraphs.append(line)
        headline = len(paragraphs) == 1 and unit is not None and unit.kind == "heading"  # the page's title line
        open_line = is_text and not headline and measure(line) >= width - _WRAP_TOLERANCE and not _SENTENCE_END.search(line)
    return paragraphs


def _wrap_width(lines: list[str]) -> tuple[Callable[[str], int], int] | None:
    """How a hard-wrapped text was wrapped: most lines that stop mid-sentence have (about) one width,
    counted in characters or in display columns (a Chinese character takes two)."""
    open_ended = [line for line in lines if not _SENTENCE_END.search(line)]
    best = None
    for measure in (len, _columns):
        widths = [w for w in map(measure, open_ended) if w >= _MIN_WRAP_WIDTH]
        if len(widths) < _MIN_WRAPPED_LINES:
            continue
        width = Counter(widths).most_common(1)[0][0]
        near = sum(1 for w in widths if width - _WRAP_TOLERANCE <= w <= width + 1)
        if near >= _MIN_WRAPPED_LINES and 2 * near >= len(open_ended) and (best is None or near > best[0]):
            best = (near, measure, width)
    return None if best is None else (best[1], best[2])


def _columns(line: str) -> int:
    return 2 * len(line) - len(_WIDE.sub("", line))  # one string built, not a list of every wide character


def _single_spaced(line: str) -> str:
    return _SPACE_RUN.sub(" ", line) if "  " in line else line


# --- passes over the neighbours -----------------------------------------------------------


def _drop_link_lists(units: list[_Unit], f: Furniture) -> list[_Unit]:
    """A 相关新闻 / 热门推荐 header and the links listed under it."""
    kept: list[_Unit] = []
    in_list = False
    for i, unit in enumerate(units):
        if unit.kind == "list_header":
            in_list = True
            continue
        if in_list and _is_link(unit, units[i + 1] if i + 1 < len(units) else None, f):
            continue
        in_list = False
        kept.append(unit)
    return kept


def _is_link(unit: _Unit, following: _Unit | None, f: Furniture) -> bool:
    if _LIST_ITEM.match(unit.text):
        return True
    if unit.kind not in ("heading", "paragraph") or len(unit.text) > f.max_link_chars:
        return False
    starts_article = following is not None and following.kind in ("meta", "credit", "credit_prefix", "names")
    return not starts_article and unit.text[-1] not in "。!?"


def _merge_split_credits(units: list[_Unit], f: Furniture) -> list[_Unit]:
    """新甘肃·甘肃日报记者 / 谢晓玲 彭莹 on two lines is one credit."""
    merged: list[_Unit] = []
    for unit in units:
        if unit.kind == "names" and merged and merged[-1].kind == "credit_prefix":
            merged[-1] = _Unit("credit", f"{merged[-1].text} {unit.text}")
        else:
            merged.append(unit)
    return [replace(u, kind="credit") if u.kind == "credit_prefix" else u for u in merged]


def _resolve_original_titles(units: list[_Unit], f: Furniture) -> list[_Unit]:
    """原标题:X is the headline when none is printed above it, else metadata; its subtitle line is metadata."""
    resolved: list[_Unit] = []
    heading_above = False
    after_original = False
    for unit in units:
        if unit.kind == "original_title":
            unit = replace(unit, kind="meta" if heading_above else "heading")
            after_original = True
        elif after_original and unit.kind == "heading" and unit.level == 0:
            unit = replace(unit, kind="meta")
        else:
            after_original = False
        if unit.kind == "heading":
            heading_above = True
        elif unit.kind == "paragraph":
            heading_above = False
        resolved.append(unit)
    return resolved


def _resolve_credits(units: list[_Unit], f: Furniture) -> list[_Unit]:
    """Before the body a credit is the byline; inside it, it credits a photo and goes with its caption."""
    kept: list[_Unit] = []
    body_started = False
    for i, unit in enumerate(units):
        if unit.kind == "heading":
            body_started = False
        elif unit.kind == "paragraph":
            body_started = True
        elif unit.kind in ("credit", "names"):
            if unit.photo or body_started:
                if _is_caption(kept, _text_follows(units, i), f):
                    kept.pop()
                continue
            unit = replace(unit, kind="byline")
        kept.append(unit)
    return kept


def _text_follows(units: list[_Unit], i: int) -> bool:
    """Body text comes after units[i] before the next heading: the credit sits inside the article."""
    for unit in units[i + 1 :]:
        if unit.kind in ("paragraph", "heading"):
            return unit.kind == "paragraph"
    return False


def _is_caption(kept: list[_Unit], text_follows: bool, f: Furniture) -> bool:
    """The paragraph before a photo credit is its caption when it interrupts a paragraph, or when it
    is short and the article goes on after the credit. At the end of an article the credit is for the
    whole piece and the paragraph before it is body text."""
    if not kept or kept[-1].kind != "paragraph":
        return False
    if text_follows and len(kept[-1].text) <= f.max_caption_chars:
        return True
    return len(kept) >= 2 and kept[-2].kind == "paragraph" and not _ends_paragraph(kept[-2].text, f)


def _rejoin(units: list[_Unit], f: Furniture) -> list[_Unit]:
    """A paragraph that stops mid-sentence continues in the next text block (layout broke it)."""
    joined: list[_Unit] = []
    for unit in units:
        previous = joined[-1] if joined else None
        if previous is not None and (
            (previous.kind == "paragraph" and previous.signoff is None and _continues(previous.text, unit, f))
            or _split_token(previous, unit)
        ):
            joined[-1] = replace(previous, kind="paragraph", text=_join(previous.text, unit.text), signoff=unit.signoff)
        else:
            joined.append(unit)
    return joined


def _continues(previous: str, unit: _Unit, f: Furniture) -> bool:
    if _ends_paragraph(previous, f):
        return False
    if unit.kind == "paragraph":
        return _NEW_PARAGRAPH.match(unit.text) is None
    # A heading-shaped piece still continues a paragraph that stopped on a comma.
    return unit.kind == "heading" and unit.level == 0 and previous[-1] in f.continuation_end


def _split_token(previous: _Unit, unit: _Unit) -> bool:
    """A heading-shaped line whose last Latin word or number goes on in the next paragraph (Pack / line)."""
    if previous.kind != "heading" or previous.level or unit.kind != "paragraph":
        return False
    return bool(_TOKEN_EDGE.match(previous.text[-1] + unit.text[0]))


def _ends_paragraph(text: str, f: Furniture) -> bool:
    return text[-1] in f.paragraph_final


def _join(left: str, right: str) -> str:
    """Chinese needs no space at a line break; two Latin words do."""
    if _ASCII_LETTER.match(left[-1]) and _ASCII_LETTER.match(right[0]):
        return f"{left} {right}"
    return left + right
