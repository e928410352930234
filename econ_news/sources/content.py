"""Fetched HTML pages: their character set, and their main content (trafilatura), as the text normalize reads.

A news page is a few paragraphs inside navigation, sidebars, related links, comments and footers. Our own
furniture rules (normalize) know the papers we have seen; trafilatura knows the web at large, so fetched
HTML goes through it first and normalize then cleans what it kept. The result is plain UTF-8 text shaped
like the bundled sample pages:

    # <title>

    <date the page states, YYYY-MM-DD>

    <paragraph>

    <paragraph> ...

When trafilatura finds no main content the page's own bytes go to normalize unchanged (it strips markup
itself), so a page the library cannot read is still read the way a hand-dropped page is.
"""
from __future__ import annotations

import codecs
import re

import trafilatura
from charset_normalizer import from_bytes

# Chinese pages declare GB2312 or GBK and then use characters only the later supersets have; GB18030
# decodes all of them, and every valid GB2312/GBK text decodes the same under it.
SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030",
             "cp936": "gb18030", "euc-cn": "gb18030", "ascii": "utf-8", "us-ascii": "utf-8"}
# Servers that were never told a charset announce ISO-8859-1 (Tomcat's default) over GBK pages, and a
# single-byte Western codec decodes any bytes "cleanly": such a declaration is no evidence, so it is skipped.
UNTRUSTED_DECLARATIONS = {"iso8859-1", "cp1252"}
# <meta charset="gbk">, <meta http-equiv="Content-Type" content="text/html; charset=gb2312">, <?xml encoding=?>
DECLARED_IN_MARKUP = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def detect_charset(data: bytes, declared: str = "") -> str:
    """The codec to decode a page with: its BOM, else the first declared charset (HTTP header, then the
    markup) that decodes it cleanly, else UTF-8 if it is valid UTF-8, else charset-normalizer's guess."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return codec
    head = data[:4096]
    candidates = [declared] + [m.group(1).decode("ascii") for m in DECLARED_IN_MARKUP.finditer(head)]
    for name in candidates:
        codec = _codec(name)
        if codec and codec not in UNTRUSTED_DECLARATIONS and _decodes(data, codec):
            return codec
    if _decodes(data, "utf-8"):
        return "utf-8"
    guess = from_bytes(data).best()
    return _codec(guess.encoding) if guess is not None else "gb18030"


def decode_page(data: bytes, declared: str = "") -> tuple[str, str]:
    codec = detect_charset(data, declared)
    return data.decode(codec, errors="replace"), codec


def main_content(data: bytes, declared_charset: str = "") -> bytes | None:
    """The page's title, stated date and main-content paragraphs as UTF-8 text, or None if none is found."""
    html, _ = decode_page(data, declared_charset)
    found = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
        # only a date the page itself states: no guessing from the URL or from the copyright line
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if found is None or not (found.text or "").strip():
        return None
    parts = []
    if found.title:
        parts.append(f"# {found.title.strip()}")
    if found.date:
        parts.append(found.date)
    parts += [line.strip() for line in found.text.splitlines() if line.strip()]
    return "\n\n".join(parts).encode("utf-8") + b"\n"


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    try:
        return codecs.lookup(SUPERSETS.get(name, name)).name
    except LookupError:
        return None


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
        return True
    except (UnicodeDecodeError, LookupError):
        return False
