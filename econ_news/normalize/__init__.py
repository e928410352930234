"""normalize: raw bytes of one captured page -> a NormalizedDocument of typed blocks, or a Reject.

Stages, in order (each one's input is the previous one's output):
1. decode: BOM, UTF-8, the page's declared codec, GB18030, then charset-normalizer's guess;
2. markup: read by lxml's HTML parser; scripts, comments and navigation out, entities decoded, block
   elements become line breaks, a headline element one "# " line;
3. pinyin annotations out (before script conversion: OpenCC would otherwise see them as text);
4. traditional -> simplified, only when a traditional-only character is present;
5. full-width ASCII forms -> half-width;
6. lines -> blocks: furniture and captions dropped, metadata and bylines tagged, an e-paper's issue
   date and a closing sign-off kept as blocks of their own for segment, broken paragraphs rejoined
   (econ_news.normalize.blocks; wordings in reference/furniture.json).
"""
from __future__ import annotations

from econ_news.normalize.blocks import build_blocks
from econ_news.normalize.decode import Decoded, decode_bytes, is_binary_text
from econ_news.normalize.markup import strip_markup
from econ_news.normalize.patterns import furniture
from econ_news.normalize.script import strip_pinyin, to_simplified, unify_punctuation
from econ_news.records import NormalizedDocument, RawDocument, Reject

DEFAULT_MAX_BYTES = 20_000_000

__all__ = ["normalize_document", "DEFAULT_MAX_BYTES"]


def normalize_document(raw: RawDocument, *, max_bytes: int = DEFAULT_MAX_BYTES) -> NormalizedDocument | Reject:
    """The page's blocks, or a Reject (stage="normalize") saying why there are none. Never raises."""
    try:
        return _normalize(raw, max_bytes)
    except Exception as exc:  # noqa: BLE001 - a page must never stop the run; the reject keeps the cause
        return _reject(raw, "internal_error", f"{type(exc).__name__}: {exc}"[:500])


def _normalize(raw: RawDocument, max_bytes: int) -> NormalizedDocument | Reject:
    data = raw.data
    if not data.strip():
        return _reject(raw, "empty_file", f"{len(data)} bytes, no text")
    if len(data) > max_bytes:
        return _reject(raw, "oversized", f"{len(data)} bytes > limit {max_bytes}")
    decoded = decode_bytes(data)
    if not isinstance(decoded, Decoded):
        return _reject(raw, decoded, "no codec decodes the bytes cleanly" if decoded == "undecodable" else "")
    if not decoded.text.strip():
        return _reject(raw, "empty_file", f"only whitespace after decoding as {decoded.encoding}")
    if is_binary_text(decoded.text):
        return _reject(raw, "binary", f"control characters dominate the text decoded as {decoded.encoding}")

    stripped = strip_markup(decoded.text.replace("\r\n", "\n").replace("\r", "\n"))
    text = stripped.text
    if stripped.page_title and not stripped.has_headline:
        text = f"# {_without_site_name(stripped.page_title)}\n{text}"
    text, converted = to_simplified(strip_pinyin(text))
    blocks = build_blocks(unify_punctuation(text))
    if not any(b.kind in ("heading", "paragraph") for b in blocks):
        return _reject(raw, "no_text", "nothing but markup, scripts or page furniture")
    return NormalizedDocument(raw.source_uri, raw.sha256, decoded.encoding, converted, blocks)


def _without_site_name(page_title: str) -> str:
    """<title>Headline_Site</title>: the headline, when something is left of it."""
    headline = furniture().page_title_suffix.sub("", page_title).strip()
    return headline or page_title


def _reject(raw: RawDocument, reason: str, detail: str) -> Reject:
    return Reject(raw.source_uri, raw.sha256, "normalize", reason, detail)
