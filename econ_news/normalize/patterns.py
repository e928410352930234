"""The compiled form of econ_news/reference/furniture.json, loaded once."""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"


@dataclass(frozen=True)
class Furniture:
    drop_line: re.Pattern
    strip_inline: re.Pattern
    recommendation_header: re.Pattern
    max_link_chars: int
    meta_field: re.Pattern
    standalone_source: re.Pattern
    max_meta_chars: int
    original_title: re.Pattern
    original_title_marker: re.Pattern
    subtitle_marker: re.Pattern
    credit_line: re.Pattern
    credit_prefix: re.Pattern
    names_only: re.Pattern
    photo_credit_end: re.Pattern
    caption_with_credit: re.Pattern
    max_caption_chars: int
    caption_line: re.Pattern
    trailing_note: re.Pattern
    title_suffix: re.Pattern
    page_title_suffix: re.Pattern
    heading_max_chars: int
    heading_min_clause_chars: int
    heading_numbered_prefix: re.Pattern
    heading_never_last: str
    opening_clause: re.Pattern
    paragraph_final: str
    continuation_end: str
    dateline_lead_chars: int


def load_reference(name: str) -> dict:
    return json.loads(resources.files("econ_news.reference").joinpath(name).read_text(encoding="utf-8"))


def _any_of(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


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
    role = rf"(?:(?:{_words(credits['roles'])})\s*[:/]?|(?:{_words(credits['slash_roles'])})\s*[:/])"
    credit = rf"{outlet}{role}\s*{names}"
    photo = _words(credits["photo_markers"])
    credit_body = rf"[□■●◎]?[(\[]?{credit}(?:\s+{credit})*\s*(?:{photo})?[)\]]?"
    caption_prefixes = _words(captions["prefixes"])
    max_paren = captions["max_paren_caption_chars"]
    return Furniture(
        drop_line=re.compile(_any_of(drop)),
        strip_inline=re.compile(_any_of(ref["strip_inline"]["patterns"])),
        recommendation_header=re.compile(_any_of(ref["recommendation_headers"]["patterns"])),
        max_link_chars=ref["recommendation_headers"]["max_link_chars"],
        meta_field=re.compile(rf"(?:^|[\s(\[【|/?])(?:{_words(meta['labels'])})\s*:"),
        standalone_source=re.compile(_any_of(meta["standalone_source"])),
        max_meta_chars=meta["max_chars"],
        original_title=re.compile(ref["original_title"]["prefix"]),
        original_title_marker=re.compile(ref["original_title"]["title_marker"]),
        subtitle_marker=re.compile(ref["original_title"]["subtitle_marker"]),
        credit_line=re.compile(rf"^{credit_body}$"),
        credit_prefix=re.compile(rf"^[□■●◎]?{outlet}(?:{_words(credits['roles'])})\s*:?$"),
        names_only=re.compile(rf"^[{CJK}]{{2,3}}(?:\s+[{CJK}]{{2,3}}){{1,7}}$"),
        photo_credit_end=re.compile(rf"(?:\s|{role}\s*){names}\s*(?:{photo})[)\]]?$"),
        caption_with_credit=re.compile(rf"^.{{2,{credits['max_caption_chars'] * 2}}}?[。!?]\s*{credit_body}$"),
        max_caption_chars=credits["max_caption_chars"],
        caption_line=re.compile(rf"^(?:{caption_prefixes})|^\([^()]{{1,{max_paren}}}\)?$"),
        trailing_note=re.compile(rf"\s*[(\[](?:{_words(ref['trailing_notes']['labels'])})\s*[:\s][^()\[\]]*[)\]]?\s*$"),
        title_suffix=re.compile(_any_of(ref["title_suffixes"]["any"])),
        page_title_suffix=re.compile(_any_of(ref["title_suffixes"]["page_title"])),
        heading_max_chars=headings["max_chars"],
        heading_min_clause_chars=headings["min_clause_chars"],
        heading_numbered_prefix=re.compile(headings["numbered_prefix"]),
        heading_never_last=headings["never_last"],
        opening_clause=re.compile(headings["opening_clause"]),
        paragraph_final=ref["paragraph_final"],
        continuation_end=ref["continuation_end"],
        dateline_lead_chars=ref["date_inference"]["lead_chars"],
    )
