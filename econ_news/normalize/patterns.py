"""The compiled form of econ_news/reference/furniture.json, loaded once."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from econ_news.reference import alternation, load_json

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


@dataclass(frozen=True)
class PatternSet:
    """Whether a line matches any of a list of patterns, with the answer of one alternation of them all.

    Searched as one alternation, every pattern is tried at every position of every line. Here the
    patterns anchored at the line start are tried there only; those that start with a literal text
    (技术支持\\s*:, 版权所有) are tried only when one of their texts is in the line, which an alternation
    of plain texts finds at C speed; the few others are searched one by one, so that re can skip to
    the characters each one starts with (an alternation of them cannot).
    """

    at_start: re.Pattern | None
    literal_heads: re.Pattern | None
    headed: re.Pattern | None
    other: tuple[re.Pattern, ...]

    @classmethod
    def of(cls, patterns: list[str]) -> PatternSet:
        at_start = [p for p in patterns if _anchored_at_start(p)]
        headed = [p for p in patterns if p not in at_start and _literal_head(p)]
        other = [p for p in patterns if p not in at_start and p not in headed]
        heads = sorted({_literal_head(p) for p in headed})
        return cls(_any_of_or_none(at_start), re.compile(alternation(heads)) if heads else None,
                   _any_of_or_none(headed), tuple(re.compile(p) for p in other))

    def found_in(self, line: str) -> bool:
        return bool(
            (self.at_start is not None and self.at_start.match(line))
            or (self.literal_heads is not None and self.literal_heads.search(line) and self.headed.search(line))
            or any(pattern.search(line) for pattern in self.other)
        )


@dataclass(frozen=True)
class Furniture:
    drop_line: PatternSet
    strip_inline: re.Pattern
    strip_inline_any: PatternSet  # whether strip_inline has anything to strip: most lines have nothing
    epaper_controls: re.Pattern  # strip_inline wordings of an e-paper's page header: a date beside them is the issue's
    recommendation_header: re.Pattern
    menu_words: frozenset[str]
    menu_min_items: int
    max_link_chars: int
    meta_field: re.Pattern
    field_line: re.Pattern  # a line opening with a metadata label
    standalone_source: re.Pattern
    max_meta_chars: int
    max_stamp_other_chars: int
    original_title: re.Pattern
    original_title_marker: re.Pattern
    subtitle_marker: re.Pattern
    credit_line: re.Pattern
    credit_prefix: re.Pattern
    names_only: re.Pattern
    photo_credit_end: re.Pattern
    photo_markers: tuple[str, ...]  # photo_credit_end matches only a line holding one of these
    caption_with_credit: re.Pattern
    max_caption_chars: int
    caption_line: re.Pattern
    trailing_note: re.Pattern
    signoff_note: re.Pattern
    title_suffix: re.Pattern
    page_title_suffix: re.Pattern
    heading_max_chars: int
    heading_min_clause_chars: int
    heading_numbered_prefix: re.Pattern
    heading_never_last: str
    opening_clause: re.Pattern
    paragraph_final: str
    continuation_end: str

    def ends_with_photo_credit(self, line: str) -> bool:
        """photo_credit_end found in the line; the search runs only when a photo marker is written."""
        return any(marker in line for marker in self.photo_markers) and self.photo_credit_end.search(line) is not None

    def is_photo_credit(self, note: str) -> bool:
        """A credit note that names a photographer: (记者 张三 摄), (图/李四)."""
        return any(marker in note for marker in self.photo_markers) or note.lstrip("([").startswith(("图", "摄影"))


def load_reference(name: str) -> dict:
    return load_json(name)


def _any_of(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _any_of_or_none(patterns: list[str]) -> re.Pattern | None:
    return re.compile(_any_of(patterns)) if patterns else None  # an empty alternation would match anything


def _anchored_at_start(pattern: str) -> bool:
    """The pattern can only match at the start of a line: it opens with ^, and no alternative outside
    parentheses can match elsewhere (^A|B matches B anywhere)."""
    return pattern.startswith("^") and not _has_top_level_alternative(pattern)


_REGEX_SYNTAX = set(".^$*+?{}[]\\|()")


def _literal_head(pattern: str) -> str:
    """The text every match of the pattern starts with, "" if none: the literal characters before the
    first regex syntax, less one that a quantifier makes optional or repeats."""
    if _has_top_level_alternative(pattern):
        return ""
    head, i = [], 0
    while i < len(pattern):
        ch, step = pattern[i], 1
        if ch == "\\":
            ch, step = pattern[i + 1 : i + 2], 2
            if not ch or ch.isalnum() or ch == "_":
                break  # \\s, \\d, \\b, \\1 ...: a class, an anchor or a reference, not a character
        elif ch in _REGEX_SYNTAX:
            break
        if pattern[i + step : i + step + 1] in ("?", "*", "+", "{"):
            break
        head.append(ch)
        i += step
    return "".join(head)


def _has_top_level_alternative(pattern: str) -> bool:
    """A | outside parentheses; escapes and [...] classes are skipped over."""
    depth, i = 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 1  # the escaped character is a literal
        elif ch == "[":
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):
                i += 1  # a ] right after [ or [^ is a literal
            while i < len(pattern) and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


@functools.cache
def furniture() -> Furniture:
    ref = load_reference("furniture.json")
    drop = [p for key, group in ref["drop_line"].items() if not key.startswith("_") for p in group]
    meta = ref["meta_labels"]
    credits = ref["credits"]
    captions = ref["captions"]
    headings = ref["headings"]

    name = rf"[{CJK}]{{2,4}}(?:·[{CJK}]{{1,6}})?"
    names = rf"{name}(?:[\s、,]+{name})*"
    outlet = rf"[{CJK}·]{{0,16}}?"
    role = rf"(?:(?:{alternation(credits['roles'])})\s*[:/]?|(?:{alternation(credits['slash_roles'])})\s*[:/])"
    credit = rf"{outlet}{role}\s*{names}"
    photo = alternation(credits["photo_markers"])
    credit_body = rf"[□■●◎]?[(\[]?{credit}(?:\s+{credit})*\s*(?:{photo})?[)\]]?"
    caption_prefixes = alternation(captions["prefixes"])
    max_paren = captions["max_paren_caption_chars"]
    return Furniture(
        drop_line=PatternSet.of(drop),
        strip_inline=re.compile(_any_of(ref["strip_inline"]["patterns"])),
        strip_inline_any=PatternSet.of(ref["strip_inline"]["patterns"]),
        epaper_controls=re.compile(_any_of(ref["strip_inline"]["epaper_controls"])),
        menu_words=frozenset(ref["menus"]["section_names"]),
        menu_min_items=ref["menus"]["min_items"],
        recommendation_header=re.compile(_any_of(ref["recommendation_headers"]["patterns"])),
        max_link_chars=ref["recommendation_headers"]["max_link_chars"],
        meta_field=re.compile(rf"(?:^|[\s(\[【|/?\d])(?:{alternation(meta['labels'])})\s*:"),
        field_line=re.compile(rf"^[【\[(]?(?:{alternation(meta['labels'])})\s*:"),
        standalone_source=re.compile(_any_of(meta["standalone_source"])),
        max_meta_chars=meta["max_chars"],
        max_stamp_other_chars=meta["max_stamp_other_chars"],
        original_title=re.compile(ref["original_title"]["prefix"]),
        original_title_marker=re.compile(ref["original_title"]["title_marker"]),
        subtitle_marker=re.compile(ref["original_title"]["subtitle_marker"]),
        credit_line=re.compile(rf"^{credit_body}$"),
        credit_prefix=re.compile(rf"^[□■●◎]?{outlet}(?:{alternation(credits['roles'])})\s*:?$"),
        names_only=re.compile(rf"^[{CJK}]{{2,3}}(?:\s+[{CJK}]{{2,3}}){{1,7}}$"),
        photo_credit_end=re.compile(rf"(?:\s|{role}\s*){names}\s*(?:{photo})[)\]]?$"),
        photo_markers=tuple(credits["photo_markers"]),
        caption_with_credit=re.compile(rf"^.{{2,{credits['max_caption_chars'] * 2}}}?[。!?]\s*{credit_body}$"),
        max_caption_chars=credits["max_caption_chars"],
        caption_line=re.compile(rf"^(?:{caption_prefixes})|^\([^()]{{1,{max_paren}}}\)?$"),
        trailing_note=re.compile(rf"\s*[(\[](?:{alternation(ref['trailing_notes']['labels'])})\s*[:\s][^()\[\]]*[)\]]?\s*$"),
        signoff_note=re.compile(rf"^[(\[](?:{alternation(ref['trailing_notes']['signoff_labels'])})\s*[:\s]"),
        title_suffix=re.compile(_any_of(ref["title_suffixes"]["any"])),
        page_title_suffix=re.compile(_any_of(ref["title_suffixes"]["page_title"])),
        heading_max_chars=headings["max_chars"],
        heading_min_clause_chars=headings["min_clause_chars"],
        heading_numbered_prefix=re.compile(headings["numbered_prefix"]),
        heading_never_last=headings["never_last"],
        opening_clause=re.compile(headings["opening_clause"]),
        paragraph_final=ref["paragraph_final"],
        continuation_end=ref["continuation_end"],
    )
