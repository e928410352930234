"""The fetch stage for what is on disk: find raw files and read their bytes, with limits and reasons.

A raw file is either a plain file someone put in a folder, or a page the web fetcher landed in the raw store
with a sidecar (econ_news/sources/rawstore.py). The sidecar says where the bytes came from (the URL is the
article's source_uri), which source fetched them and the date they landed; for a plain file the source is
the folder's and the landing date is its modification date. That date and the source name are the Hive
partition the file's rows go to.

A raw file that cannot be used becomes a Reject with a short reason code; it is never dropped silently.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from econ_news.records import RawDocument, Reject
from econ_news.sources.content import main_content
from econ_news.sources.rawstore import HTML_MEDIA_TYPES, HEX_DIGEST, SIDECAR_SUFFIX, read_sidecar

# A news page is a few KB to a few hundred KB; anything far larger is a dump, a binary or an attack.
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
# The calendar in which a plain file's landing date is counted (the papers' own).
DEFAULT_TIMEZONE = "Asia/Shanghai"
# The source name of plain files read by `econ-news run --raw-dir` (a folder given on the command line).
LOCAL_SOURCE = "local"

# Files that are not pages: metadata sidecars of the web fetcher, editor droppings, OS litter.
IGNORED_SUFFIXES = (SIDECAR_SUFFIX, ".tmp", ".part", ".swp", "~")
IGNORED_NAMES = {".DS_Store", "Thumbs.db", ".gitkeep"}


@dataclass(frozen=True)
class RawFileRef:
    """One entry of the fetch manifest."""

    path: str  # absolute: the raw folder resolved, then the file's path under it
    size: int
    sha256: str  # of the whole file; "" when it could not be read, "prefix:..." when over the limit
    source_uri: str = ""  # the URL of a fetched page; empty for a plain file (its path is its URI)
    source: str = LOCAL_SOURCE  # the configured source it belongs to
    ingest_date: str = ""  # YYYY-MM-DD the bytes landed: the sidecar's, or the file's modification date
    media_type: str = ""  # of a fetched page, from its Content-Type; HTML gets main-content extraction
    charset: str = ""  # the charset the server declared, if any

    @property
    def uri(self) -> str:
        return self.source_uri or self.path


def scan_raw_files(raw_dir: str | os.PathLike, max_bytes: int = DEFAULT_MAX_FILE_BYTES,
                   source: str = LOCAL_SOURCE, timezone: str = DEFAULT_TIMEZONE
                   ) -> tuple[list[RawFileRef], list[Reject]]:
    """The fetch manifest: every page file under raw_dir, recursively, in a stable order, with its hash.

    Files over the size limit, unreadable files and byte-identical copies of an earlier file come back
    as rejects instead of manifest entries.
    """
    refs, rejected = scan_folder(raw_dir, max_bytes, source, timezone)
    return refs, [reject for _, reject in rejected]


def scan_folder(raw_dir: str | os.PathLike, max_bytes: int = DEFAULT_MAX_FILE_BYTES,
                source: str = LOCAL_SOURCE, timezone: str = DEFAULT_TIMEZONE
                ) -> tuple[list[RawFileRef], list[tuple[RawFileRef, Reject]]]:
    """scan_raw_files, keeping with each reject the entry it was made from (its source and landing date)."""
    refs: list[RawFileRef] = []
    rejected: list[tuple[RawFileRef, Reject]] = []
    first_by_hash: dict[str, str] = {}
    zone = ZoneInfo(timezone)
    # Resolved once, at the root: a file's URI is then the same however the folder was named (relative,
    # absolute, through a symlink), and its last component is still the file's own name.
    for path in _walk(Path(raw_dir).resolve()):
        try:
            ref = describe(path, source, zone)
            if ref.size > max_bytes:
                digest = _sha256_of_file(path, limit=1 << 20, prefix=True)
                rejected.append((ref, Reject(ref.uri, digest, "fetch", "oversized",
                                             f"{ref.size} bytes > limit {max_bytes}")))
                continue
            # A landed page is named by its sha256 (and read_raw_file checks it): no need to hash it here.
            digest = ref.sha256 or _sha256_of_file(path)
        except (OSError, ValueError, KeyError) as exc:  # KeyError, ValueError: a damaged sidecar
            ref = RawFileRef(str(path), 0, "", source=source, ingest_date=_mtime_date(path, zone))
            rejected.append((ref, Reject(str(path), "", "fetch", "unreadable", f"{type(exc).__name__}: {exc}")))
            continue
        ref = RawFileRef(ref.path, ref.size, digest, ref.source_uri, ref.source, ref.ingest_date,
                         ref.media_type, ref.charset)
        if digest in first_by_hash:
            rejected.append((ref, Reject(ref.uri, digest, "fetch", "duplicate_content",
                                         f"same bytes as {first_by_hash[digest]}")))
            continue
        first_by_hash[digest] = ref.uri
        refs.append(ref)
    return refs, rejected


def describe(path: Path, source: str, zone: ZoneInfo) -> RawFileRef:
    """A manifest entry without its hash, except for a landed page whose name is its hash."""
    size = path.stat().st_size
    sidecar = read_sidecar(path)
    if sidecar is None:
        return RawFileRef(str(path), size, "", source=source, ingest_date=_mtime_date(path, zone))
    named = path.name.split(".", 1)[0]
    digest = named if HEX_DIGEST.fullmatch(named) and named == sidecar.get("sha256") else ""
    return RawFileRef(str(path), size, digest, source_uri=sidecar["final_url"], source=sidecar["source"],
                      ingest_date=sidecar["ingest_date"], media_type=sidecar.get("media_type") or "",
                      charset=sidecar.get("charset") or "")


def _mtime_date(path: Path, zone: ZoneInfo) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, zone).date().isoformat()
    except OSError:
        return datetime.now(zone).date().isoformat()


def _walk(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            if name in IGNORED_NAMES or name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
                continue
            yield Path(dirpath) / name


def read_raw_file(ref: RawFileRef, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RawDocument | Reject:
    """The bytes of one manifest entry; a file that changed or vanished since the scan is a reject.

    For a fetched HTML page the document handed on is the page's main content (title, date, paragraphs;
    see econ_news/sources/content.py), under the landed bytes' hash, so every row still names the exact
    raw file it came from; the landed bytes themselves are never changed.
    """
    try:
        with open(ref.path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return Reject(ref.uri, ref.sha256, "fetch", "unreadable", f"{type(exc).__name__}: {exc}")
    doc = RawDocument.from_bytes(ref.uri, data)
    if len(data) > max_bytes:
        return Reject(ref.uri, ref.sha256, "fetch", "oversized", f"more than {max_bytes} bytes")
    if doc.sha256 != ref.sha256:
        return Reject(ref.uri, ref.sha256, "fetch", "changed_during_run",
                      "the file's bytes changed between the scan and the read")
    if ref.media_type in HTML_MEDIA_TYPES:
        extracted = main_content(data, ref.charset)
        if extracted is not None:
            return RawDocument(ref.uri, extracted, doc.sha256, len(extracted))
    return doc


def _sha256_of_file(path: Path, limit: int | None = None, prefix: bool = False) -> str:
    digest = hashlib.sha256()
    remaining = limit
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20 if remaining is None else min(1 << 20, remaining)):
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
                if remaining <= 0:
                    break
    return ("prefix:" if prefix else "") + digest.hexdigest()
