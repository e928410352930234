"""The fetch stage for local sources: find raw files and read their bytes, with limits and reasons.

A raw file that cannot be used becomes a Reject with a short reason code; it is never dropped silently.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from econ_news.records import RawDocument, Reject

# A news page is a few KB to a few hundred KB; anything far larger is a dump, a binary or an attack.
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024

# Files that are not pages: metadata sidecars of the web fetcher, editor droppings, OS litter.
IGNORED_SUFFIXES = (".meta.json", ".tmp", ".part", ".swp", "~")
IGNORED_NAMES = {".DS_Store", "Thumbs.db", ".gitkeep"}


@dataclass(frozen=True)
class RawFileRef:
    """One entry of the fetch manifest."""

    path: str  # as the run names it (relative when the raw dir was given relative)
    size: int
    sha256: str  # of the whole file; "" when it could not be read, "prefix:..." when over the limit


def scan_raw_files(raw_dir: str | os.PathLike, max_bytes: int = DEFAULT_MAX_FILE_BYTES
                   ) -> tuple[list[RawFileRef], list[Reject]]:
    """The fetch manifest: every page file under raw_dir, recursively, in a stable order, with its hash.

    Files over the size limit, unreadable files and byte-identical copies of an earlier file come back
    as rejects instead of manifest entries.
    """
    refs: list[RawFileRef] = []
    rejects: list[Reject] = []
    first_by_hash: dict[str, str] = {}
    for path in _walk(Path(raw_dir)):
        try:
            size = path.stat().st_size
            if size > max_bytes:
                rejects.append(Reject(str(path), _sha256_of_file(path, limit=1 << 20, prefix=True), "fetch",
                                      "oversized", f"{size} bytes > limit {max_bytes}"))
                continue
            digest = _sha256_of_file(path)
        except OSError as exc:
            rejects.append(Reject(str(path), "", "fetch", "unreadable", f"{type(exc).__name__}: {exc}"))
            continue
        if digest in first_by_hash:
            rejects.append(Reject(str(path), digest, "fetch", "duplicate_content",
                                  f"same bytes as {first_by_hash[digest]}"))
            continue
        first_by_hash[digest] = str(path)
        refs.append(RawFileRef(str(path), size, digest))
    return refs, rejects


def _walk(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            if name in IGNORED_NAMES or name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
                continue
            yield Path(dirpath) / name


def read_raw_file(ref: RawFileRef, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RawDocument | Reject:
    """The bytes of one manifest entry; a file that changed or vanished since the scan is a reject."""
    try:
        with open(ref.path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return Reject(ref.path, ref.sha256, "fetch", "unreadable", f"{type(exc).__name__}: {exc}")
    doc = RawDocument.from_bytes(ref.path, data)
    if len(data) > max_bytes:
        return Reject(ref.path, ref.sha256, "fetch", "oversized", f"more than {max_bytes} bytes")
    if doc.sha256 != ref.sha256:
        return Reject(ref.path, ref.sha256, "fetch", "changed_during_run",
                      "the file's bytes changed between the scan and the read")
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
