"""Bytes -> str for Chinese news pages: BOMs, UTF-8, the GB family, and a detector as the last resort."""
from __future__ import annotations

import re
from dataclasses import dataclass

import charset_normalizer

# Byte order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# File signatures of formats that are never text (PDF, ZIP/Office, images, gzip, 7z, ELF).
_BINARY_MAGIC = (b"%PDF", b"PK\x03\x04", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"\x1f\x8b", b"7z\xbc\xaf", b"\x7fELF")
# A codec named in the page itself: <meta charset=...> or <?xml encoding=...?>.
_DECLARED = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_\-]{3,20})""", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
# What a decoded Chinese page is made of; a detector's guess that yields other characters is mojibake.
_IMPLAUSIBLE = re.compile(r"[^\s!-~\u00b7\u2000-\u206f\u2190-\u27bf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

MAX_CONTROL_RATIO = 0.02  # share of control characters above which decoded "text" is binary data
MIN_PLAUSIBLE_RATIO = 0.9  # share of expected characters a detector's guess must reach
MAX_UTF8_ERRORS_PER_BYTE = 0.001  # a few broken sequences in a big UTF-8 page are damage, not another codec
TRUNCATION_BYTES = 4  # a multi-byte character cut off at the end of the file is at most this long


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode_bytes(data: bytes) -> Decoded | str:
    """The decoded text, or a reject reason code (binary, undecodable)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _strict_or_truncated(data, codec)
            return Decoded(text, codec) if text is not None else "undecodable"
    if data.startswith(_BINARY_MAGIC):
        return "binary"
    if b"\x00" in data:
        return _detect_wide(data)
    text = _strict_or_truncated(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8")
    decoded = _decode_by_line(data, _fallback_codecs(data))
    if decoded is not None:
        return decoded
    text = _lenient_utf8(data)
    if text is not None:
        return Decoded(text, "utf-8")
    return _detect(data)


def is_binary_text(text: str) -> bool:
    """Decoded text that is mostly control characters came from a binary file."""
    if not text:
        return False
    return len(_CONTROL.findall(text)) > MAX_CONTROL_RATIO * len(text)


def _fallback_codecs(data: bytes) -> list[str]:
    """For text that is not all UTF-8: UTF-8 still (for its UTF-8 lines), the page's declared codec,
    then GB18030 (a superset of GBK and GB2312). A GB line is almost never valid UTF-8."""
    codecs = ["utf-8"]
    declared = _DECLARED.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii").lower()
        if name not in ("utf-8", "utf8") and _known_codec(name):
            codecs.append(name)
    codecs.append("gb18030")
    return codecs


def _decode_by_line(data: bytes, codecs: list[str]) -> Decoded | None:
    """Each line in the first codec that decodes it: a GBK page, or pages in two encodings glued together.

    Byte 0x0A never occurs inside a UTF-8 or GB multi-byte character, so splitting there is safe.
    """
    lines = data.split(b"\n")
    used: list[str] = []
    texts: list[str] = []
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        text, codec = next(
            ((t, c) for c in codecs if (t := (_strict_or_truncated(line, c) if last else _strict(line, c))) is not None),
            (None, None),
        )
        if text is None:
            return None
        texts.append(text)
        if not line.isascii() and codec not in used:
            used.append(codec)
    return Decoded("\n".join(texts), "+".join(used) or "ascii")


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


def _known_codec(name: str) -> bool:
    try:
        "".encode(name)
    except LookupError:
        return False
    return True


def _strict_or_truncated(data: bytes, codec: str) -> str | None:
    """Strict decoding; a file cut inside its last multi-byte character loses only that character."""
    try:
        return data.decode(codec)
    except UnicodeDecodeError as err:
        if err.start < len(data) - TRUNCATION_BYTES:
            return None
        try:
            return data[: err.start].decode(codec)
        except UnicodeDecodeError:
            return None


def _lenient_utf8(data: bytes) -> str | None:
    text = data.decode("utf-8", errors="replace")
    errors = text.count("\ufffd")
    if errors > MAX_UTF8_ERRORS_PER_BYTE * len(data):
        return None
    return text.replace("\ufffd", "")


def _detect_wide(data: bytes) -> Decoded | str:
    """NUL bytes: UTF-16/32 text without a byte order mark, or binary data."""
    best = charset_normalizer.from_bytes(data).best()
    if best is None or not best.encoding.startswith(("utf_16", "utf_32")):
        return "binary"
    return Decoded(str(best), best.encoding.replace("_", "-"))


def _detect(data: bytes) -> Decoded | str:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return "undecodable"
    text = str(best)
    if len(_IMPLAUSIBLE.findall(text)) > (1 - MIN_PLAUSIBLE_RATIO) * max(len(text), 1):
        return "undecodable"
    return Decoded(text, best.encoding.replace("_", "-"))
