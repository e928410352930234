"""HTML / WML / XML markup -> plain lines, keeping the block structure and the headline.

The page is read by a real HTML parser (lxml's libxml2): attribute values are attributes even when they
hold `>` or `<`, entities are decoded once, unclosed elements are closed where the HTML rules close them.
The tree is then written out as text: block elements become line breaks, table cells spaces, and the
content of elements that never carry article text (scripts, styles, navigation, forms) is dropped.
Headline elements (<h1>, WML <big>) come out as markdown headings ("# ...") so one line classifier reads
plain-text and markup pages alike; a headline set on two lines (<br> inside) is one title.

Captures are often cut: a tag cut at the end of the page (`<di`) is not text, a <script> cut off runs
to the end. A navigation element (<nav>, <aside>, ...) that the page never closes is not dropped: the
parser would otherwise extend it over the rest of the page, the article included.
"""
from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass

import lxml.etree
import lxml.html

# Whether the text holds markup at all: a start or end tag.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
# A tag, comment or declaration cut off by the end of the capture (tried from the last "<" only).
_CUT_TAG = re.compile(r"<(?:[A-Za-z/!?][^<>]*)?")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# Characters libxml2 refuses in a document (C0 controls other than tab and line breaks).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INNER_SPACE = re.compile(r"\s+")
_ANY_TAG = re.compile(r"<[^<>]*>")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_NEVER_TEXT_ELEMENT = re.compile(r"<(script|style|noscript|textarea|head)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.S | re.I)

# Elements whose content is never article text. The first set is dropped even when the capture cut it
# off (a script runs to the end of the page); the second only when the page closes it.
_NEVER_TEXT = frozenset({"script", "style", "noscript", "textarea", "head"})
_NEVER_TEXT_IF_CLOSED = frozenset(
    {"nav", "aside", "select", "button", "iframe", "svg", "template", "object", "figcaption"}  # a photo's caption
)
_NAVIGATION_TAG = re.compile(rf"<(/?)({'|'.join(sorted(_NEVER_TEXT_IF_CLOSED))})(?=[\s/>])", re.I)
_HEADLINE_LEVEL = {"h1": 1, "big": 1, "h2": 2, "h3": 3, "h4": 3, "h5": 3, "h6": 3}
_CELL = frozenset({"td", "th"})
_BLOCK = frozenset({
    "p", "div", "br", "tr", "li", "ul", "ol", "dl", "dd", "dt", "card", "wml", "table", "tbody", "thead",
    "tfoot", "section", "article", "header", "footer", "main", "blockquote", "hr", "pre", "center", "figure",
    "figcaption", "caption", "form", "fieldset", "body", "html", "title", "address",
})


@dataclass(frozen=True)
class Stripped:
    text: str
    page_title: str | None  # <title> or WML <card title="...">: the headline plus, often, the site name
    has_headline: bool  # the body marks a headline element (<h1>, <big>, ...)


def strip_markup(text: str) -> Stripped:
    """Plain text with one block per line; entities decoded."""
    if _TAG.search(text) is None:
        return Stripped(_unescape(text), None, False)
    root = _parse(text)
    if root is None:
        return Stripped("", None, False)
    page_title = _page_title(root)
    plain, headlines = _as_text(root, _hidden_elements(text))
    return Stripped(plain, page_title, headlines > 0)


def _parse(text: str) -> lxml.html.HtmlElement | None:
    text = _without_cut_tag(_XML_DECLARATION.sub("", _CONTROL.sub("", text)))
    if not text.strip():
        return None
    parser = _parser()
    try:
        # UTF-8 bytes with the encoding named: libxml2 reads them fastest, and a <meta charset> of the
        # page (already decoded) is not applied a second time.
        root = lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError):  # nothing but comments or declarations: "Document is empty"
        return None
    if any(error.level_name == "FATAL" for error in parser.error_log):
        # libxml2 stopped early (nesting deeper than it allows): the rest of the page would be lost, so it
        # is read as text between tags instead, after the elements that never hold text.
        return lxml.html.fragment_fromstring(_tags_as_breaks(text), create_parent="div")
    return root


def _parser() -> lxml.html.HTMLParser:
    """One parser per thread (a parser is not to be shared between threads; building one costs more than
    parsing a small page)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = lxml.html.HTMLParser(
            remove_comments=True, remove_pis=True, recover=True, default_doctype=False, huge_tree=True, encoding="utf-8"
        )
        _PARSERS.parser = parser
    return parser


_PARSERS = threading.local()


def _without_cut_tag(text: str) -> str:
    last = text.rfind("<")
    return text[:last] if last >= 0 and _CUT_TAG.fullmatch(text, last) else text


def _tags_as_breaks(text: str) -> str:
    text = _NEVER_TEXT_ELEMENT.sub("\n", _COMMENT.sub("", text))
    return html.escape(html.unescape(_ANY_TAG.sub("\n", text)), quote=False).replace("\n", "<br>")


def _hidden_elements(text: str) -> frozenset[str]:
    """The elements dropped with their content on this page: those never text, and the navigation-like
    ones that the page closes as often as it opens them."""
    balance: dict[str, int] = {}
    for found in _NAVIGATION_TAG.finditer(text):
        tag = found.group(2).lower()
        balance[tag] = balance.get(tag, 0) + (-1 if found.group(1) else 1)
    return _NEVER_TEXT | {tag for tag, opened in balance.items() if opened <= 0}


def _as_text(root: lxml.html.HtmlElement, hidden: frozenset[str]) -> tuple[str, int]:
    """The tree in document order as text, the lines a reader sees, and how many headlines it holds.

    The tree is edited in place (line breaks around blocks, spaces around cells, hidden elements emptied,
    each headline made one "# " line) and then written out by libxml2: only the loops that pick
    elements by tag run in Python, so a page of many thousand elements stays fast, and no recursion."""
    for element in list(root.iter(*hidden)):
        element.clear(keep_tail=True)
        element.text = "\n"
    for element in root.iter(*_BLOCK):
        element.text = "\n" + element.text if element.text else "\n"
        element.tail = "\n" + element.tail if element.tail else "\n"
    for element in root.iter(*_CELL):
        element.text = " " + element.text if element.text else " "
        element.tail = " " + element.tail if element.tail else " "
    headlines = 0
    for element in list(root.iter(*_HEADLINE_LEVEL)):
        if element.getparent() is None and element is not root:
            continue  # inside a headline already made a line
        headline = _INNER_SPACE.sub(" ", lxml.etree.tostring(element, method="text", encoding=str, with_tail=False)).strip()
        level = _HEADLINE_LEVEL[element.tag]
        element.clear(keep_tail=True)
        element.text = f"\n{'#' * level} {headline}\n" if headline else "\n"
        headlines += bool(headline)
    return lxml.etree.tostring(root, method="text", encoding=str, with_tail=False), headlines


def _page_title(root: lxml.html.HtmlElement) -> str | None:
    card = next((c for c in root.iter("card") if c.get("title")), None)
    if card is not None:
        raw = card.get("title")
    else:
        title = next(root.iter("title"), None)
        raw = title.text_content() if title is not None else None
    if raw is None:
        return None
    title_text = _INNER_SPACE.sub(" ", raw).strip()
    return title_text or None


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text
