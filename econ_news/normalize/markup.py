"""HTML / WML / XML markup -> plain lines, keeping the block structure and the headline.

A regex tokenizer rather than a DOM parser: captured pages are often cut in the middle of a
tag or never close their elements, and a tolerant single pass is fast on megabytes of input.
Headline elements (<h1>, WML <big>) come out as markdown headings ("# ...") so one line
classifier reads plain-text and markup pages alike.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_DECLARATION = re.compile(r"<![^>]*>|<\?.*?\?>", re.S)
# Elements whose content is never article text.
# A script or style cut off by the end of the capture runs to the end; other elements must close.
_SCRIPT = re.compile(r"<(script|style|noscript|textarea)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.S | re.I)
_HIDDEN = re.compile(r"<(nav|aside|select|button|iframe|svg|template|object)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_HEAD = re.compile(r"<head\b[^>]*>.*?(?:</head\s*>|(?=<body\b))", re.S | re.I)
_PAGE_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title\s*>", re.S | re.I)
_CARD_TITLE = re.compile(r"""<card\b[^>]*\btitle\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_HEADLINE = re.compile(r"<(h[1-6]|big)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
_HEADLINE_LEVEL = {"h1": 1, "big": 1, "h2": 2}
_CELL = re.compile(r"</?(?:td|th)\b[^>]*>", re.I)
_BLOCK = re.compile(
    r"</?(?:p|div|br|tr|li|ul|ol|dl|dd|dt|h[1-6]|card|wml|table|tbody|thead|section|article|header|footer|main|"
    r"blockquote|hr|pre|center|figure|figcaption|caption|form|fieldset|body|html|title|address)\b[^>]*>",
    re.I,
)
_INNER_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Stripped:
    text: str
    page_title: str | None  # <title> or WML <card title="...">: the headline plus, often, the site name
    has_headline: bool  # the body marks a headline element (<h1>, <big>, ...)


def strip_markup(text: str) -> Stripped:
    """Plain text with one block per line; entities decoded."""
    if _TAG.search(text) is None:
        return Stripped(_unescape(text), None, False)
    text = _COMMENT.sub("", text)
    text = _DECLARATION.sub("", text)
    page_title = _page_title(text)
    text = _SCRIPT.sub("\n", text)
    text = _HEAD.sub("\n", text)
    text = _HIDDEN.sub("\n", text)
    text, headlines = _HEADLINE.subn(_headline_line, text)
    text = _CELL.sub(" ", text)
    text = _BLOCK.sub("\n", text)
    text = _TAG.sub("", text)
    return Stripped(_unescape(text), page_title, headlines > 0)


def _page_title(text: str) -> str | None:
    found = _CARD_TITLE.search(text) or _PAGE_TITLE.search(text)
    if found is None:
        return None
    raw = next(g for g in found.groups() if g is not None)
    title = _INNER_SPACE.sub(" ", _unescape(_TAG.sub("", raw))).strip()
    return title or None


def _headline_line(match: re.Match) -> str:
    level = _HEADLINE_LEVEL.get(match.group(1).lower(), 3)
    inner = _INNER_SPACE.sub(" ", _TAG.sub("", match.group(2))).strip()
    return f"\n{'#' * level} {inner}\n" if inner else "\n"


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text
