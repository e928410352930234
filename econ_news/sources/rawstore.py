"""The raw store: fetched bytes kept exactly as they arrived, named by their sha256, never rewritten.

Layout under the raw folder (default data/raw/):

    web/<aa>/<sha256>.<ext>              a fetched page, as fetched (ext from its media type: html, txt)
    web/<aa>/<sha256>.<ext>.meta.json    its sidecar: url, final_url, source, fetched_at, ingest_date,
                                         HTTP status and headers, media type, declared charset
    _feeds/<aa>/<sha256>.xml (+ sidecar) a fetched RSS/Atom feed (kept for the record; not a page)
    _http/<aa>/<sha256 of url>.json      the last ETag / Last-Modified per URL, for conditional requests

Every path is built from a hex digest and a fixed extension: nothing from a URL, a header or a file name
becomes part of a path, so nothing can be written outside the store. A blob and its sidecar are written
once (temp file, fsync, hard link: the link fails if another run landed the same bytes first) and so are
immutable; any run can be replayed offline from them. The sidecar is linked before the blob, so a visible
blob always has its sidecar.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from econ_news.partitions import partition_problem

PAGES_DIR = "web"
FEEDS_DIR = "_feeds"
VALIDATORS_DIR = "_http"
SIDECAR_SUFFIX = ".meta.json"

# Media types the pipeline can read, and the extension their blobs get. Anything else is not landed.
PAGE_EXTENSIONS = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt",
                   "text/vnd.wap.wml": ".html"}
FEED_EXTENSIONS = {"application/rss+xml": ".xml", "application/atom+xml": ".xml", "application/xml": ".xml",
                   "text/xml": ".xml", "application/rdf+xml": ".xml"}
# Pages that go through main-content extraction. WML (old mobile sites) is left to normalize, which
# knows its cards; trafilatura does not.
HTML_MEDIA_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
# A sidecar holds a URL, a date and some headers: a few KB. A larger one is not the fetcher's.
MAX_SIDECAR_BYTES = 1 << 20


@dataclass(frozen=True)
class Landed:
    path: Path
    sha256: str
    new: bool  # False when the same bytes were already in the store (nothing was written)


def blob_path(raw_dir: Path, area: str, digest: str, extension: str) -> Path:
    """Where bytes with this digest live. Only a hex digest and a known extension make up the name."""
    if area not in (PAGES_DIR, FEEDS_DIR) or not HEX_DIGEST.fullmatch(digest):
        raise ValueError(f"not a raw-store location: {area!r}, {digest!r}")
    if extension not in set(PAGE_EXTENSIONS.values()) | set(FEED_EXTENSIONS.values()):
        raise ValueError(f"not a raw-store extension: {extension!r}")
    return Path(raw_dir) / area / digest[:2] / f"{digest}{extension}"


def land(raw_dir: Path, area: str, data: bytes, extension: str, sidecar: dict) -> Landed:
    """Keep bytes in the store under their sha256, with their sidecar; a no-op when already there."""
    digest = hashlib.sha256(data).hexdigest()
    path = blob_path(raw_dir, area, digest, extension)
    if path.exists():
        return Landed(path, digest, new=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(sidecar, sha256=digest, size=len(data))
    _write_once(path.with_name(path.name + SIDECAR_SUFFIX),
                json.dumps(meta, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8"))
    new = _write_once(path, data)
    return Landed(path, digest, new=new)


class SidecarError(ValueError):
    """A sidecar that cannot be trusted: damaged, not a regular file, or saying what the fetcher never says."""


def read_sidecar(path: str | Path) -> dict | None:
    """The sidecar of a raw file, or None for a plain file dropped into the raw folder by hand.

    Read as a regular file only (never through a link, never waiting on a FIFO), at most
    MAX_SIDECAR_BYTES; anything else raises SidecarError.
    """
    sidecar = str(path) + SIDECAR_SUFFIX
    try:
        fd = os.open(sidecar, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise SidecarError(f"sidecar cannot be opened as a regular file: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SidecarError("sidecar is not a regular file")
        data = fh.read(MAX_SIDECAR_BYTES + 1)
    if len(data) > MAX_SIDECAR_BYTES:
        raise SidecarError(f"sidecar larger than {MAX_SIDECAR_BYTES} bytes")
    try:
        meta = json.loads(data.decode("utf-8"))
    except ValueError as exc:  # not UTF-8, not JSON
        raise SidecarError(f"sidecar is not JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise SidecarError("sidecar is not a JSON object")
    return meta


def sidecar_problem(meta: dict, digest: str) -> str | None:
    """Why a sidecar read beside the page named by digest cannot be trusted, or None.

    Its source and ingest_date name the partition the page's rows go to (so they must be able to: no
    `/`, no `..`, a real date), its URL becomes the rows' source_uri (text a table can hold).
    """
    if meta.get("sha256") != digest:
        return f"sha256 {str(meta.get('sha256'))[:80]!r} is not the page's own ({digest})"
    if problem := partition_problem(meta.get("ingest_date"), meta.get("source")):
        return problem
    if not isinstance(meta.get("final_url"), str) or not meta["final_url"]:
        return "no final_url"
    for key in ("final_url", "media_type", "charset"):
        value = meta.get(key)
        if value is not None and not isinstance(value, str):
            return f"{key} is not text"
        if isinstance(value, str) and not _is_utf8_text(value):
            return f"{key} holds characters that are not text (lone surrogates)"
    return None


def _is_utf8_text(value: str) -> bool:
    try:
        value.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _write_once(path: Path, data: bytes) -> bool:
    """Write a file that must never change: False (and nothing written) when it already exists."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()


# ---------------------------------------------------------------------------------------------------
# Conditional-request state: what the server said about a URL last time. Derived state, safe to delete
# (the next fetch is then unconditional and lands nothing new when the bytes are the same).

def _validators_path(raw_dir: Path, url: str) -> Path:
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()
    return Path(raw_dir) / VALIDATORS_DIR / digest[:2] / f"{digest}.json"


def load_validators(raw_dir: Path, url: str) -> dict:
    try:
        return json.loads(_validators_path(raw_dir, url).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def save_validators(raw_dir: Path, url: str, etag: str | None, last_modified: str | None, sha256: str,
                    checked_at: str) -> None:
    path = _validators_path(raw_dir, url)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps({"url": url, "etag": etag, "last_modified": last_modified, "sha256": sha256,
                               "checked_at": checked_at}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
