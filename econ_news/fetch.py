"""The fetch stage for what is on disk: find raw files and read their bytes, with limits and reasons.

A raw file is either a plain file someone put in a folder, or a page the web fetcher landed in the raw store
with a sidecar (econ_news/sources/rawstore.py). The sidecar says where the bytes came from (the URL is the
article's source_uri), which source fetched them and the date they landed; for a plain file the source is
the folder's and the landing date is its modification date. That date and the source name are the Hive
partition the file's rows go to, so a sidecar is believed only beside a file in the fetcher's own layout
(named by its sha256) and only when its values can name a partition (econ_news/partitions.py).

Only regular files inside the folder are read, never through a link and never waiting on a FIFO or device.

A raw file that cannot be used becomes a Reject with a short reason code; it is never dropped silently.
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from datetime import timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from econ_news.records import RawDocument, Reject
from econ_news.sources.content import main_content
from econ_news.sources.rawstore import (HEX_DIGEST, HTML_MEDIA_TYPES, PAGE_EXTENSIONS, SIDECAR_SUFFIX, SidecarError,
                                        read_sidecar, sidecar_problem)

# A news page is a few KB to a few hundred KB; anything far larger is a dump, a binary or an attack.
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024
# The calendar in which a plain file's landing date is counted (the papers' own).
DEFAULT_TIMEZONE = "Asia/Shanghai"
# The source name of plain files read by `econ-news run --raw-dir` (a folder given on the command line).
LOCAL_SOURCE = "local"

# Files that are not pages: metadata sidecars of the web fetcher, editor droppings, OS litter.
IGNORED_SUFFIXES = (SIDECAR_SUFFIX, ".tmp", ".part", ".swp", "~")
IGNORED_NAMES = {".DS_Store", "Thumbs.db", ".gitkeep"}
LANDED_PAGE_EXTENSIONS = frozenset(PAGE_EXTENSIONS.values())

# Reject reasons of the scan (besides oversized, unreadable, duplicate_content).
NOT_REGULAR_FILE = "not_regular_file"
LINK_OUTSIDE_RAW_DIR = "link_outside_raw_dir"
BAD_SIDECAR = "bad_sidecar"
_ALIAS = ("alias", "")  # a link to a file the scan reads anyway: nothing to say, nothing to read


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
        return self.source_uri or printable_path(self.path)


class NotRegularFile(OSError):
    """A path that is a link, FIFO, socket, device or folder where a page file was expected."""


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
                source: str = LOCAL_SOURCE, timezone: str = DEFAULT_TIMEZONE, sidecars: bool = True
                ) -> tuple[list[RawFileRef], list[tuple[RawFileRef, Reject]]]:
    """scan_raw_files, keeping with each reject the entry it was made from (its source and landing date).

    sidecars: read the sidecar of a page the web fetcher landed (a file named by its sha256 whose sidecar
    names the same sha256); False for a folder source, whose files are the folder's whatever lies beside
    them. Every other sidecar is ignored: the file is a plain file of `source`.
    """
    refs: list[RawFileRef] = []
    rejected: list[tuple[RawFileRef, Reject]] = []
    first_by_hash: dict[str, str] = {}
    zone = ZoneInfo(timezone)
    # Resolved once, at the root: a file's URI is then the same however the folder was named (relative,
    # absolute, through a symlink), and its last component is still the file's own name.
    for path, problem in _walk(Path(raw_dir).resolve()):
        plain = RawFileRef(str(path), 0, "", source=source, ingest_date=_mtime_date(path, zone))
        if problem is not None:
            rejected.append((plain, Reject(plain.uri, "", "fetch", *problem)))
            continue
        try:
            ref = describe(path, source, zone, sidecars)
            if ref.size > max_bytes:
                digest = _sha256_of_file(path, limit=1 << 20, prefix=True)
                rejected.append((ref, Reject(ref.uri, digest, "fetch", "oversized",
                                             f"{ref.size} bytes > limit {max_bytes}")))
                continue
            # A landed page is named by its sha256 (and read_raw_file checks it): no need to hash it here.
            digest = ref.sha256 or _sha256_of_file(path)
        except SidecarError as exc:
            # No hash: not in the ledger, so the file is looked at again once its sidecar is mended.
            rejected.append((plain, Reject(plain.uri, "", "fetch", BAD_SIDECAR, str(exc)[:500])))
            continue
        except NotRegularFile as exc:
            rejected.append((plain, Reject(plain.uri, "", "fetch", NOT_REGULAR_FILE, str(exc))))
            continue
        except (OSError, ValueError, OverflowError) as exc:
            rejected.append((plain, Reject(plain.uri, "", "fetch", "unreadable",
                                           printable_path(f"{type(exc).__name__}: {exc}"))))
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


def describe(path: Path, source: str, zone: ZoneInfo, sidecars: bool = True) -> RawFileRef:
    """A manifest entry without its hash, except for a landed page whose name is its hash.

    Raises SidecarError when a landed page's sidecar cannot be trusted (damaged, another page's, or
    naming a source or date that cannot name a partition).
    """
    size = os.lstat(path).st_size
    plain = RawFileRef(str(path), size, "", source=source, ingest_date=_mtime_date(path, zone))
    named = _landed_digest(path.name)
    if not sidecars or named is None:
        return plain
    sidecar = read_sidecar(path)
    if sidecar is None:
        return plain
    if problem := sidecar_problem(sidecar, named):
        raise SidecarError(f"sidecar {printable_path(path.name)}{SIDECAR_SUFFIX}: {problem}")
    return RawFileRef(str(path), size, named, source_uri=sidecar["final_url"], source=sidecar["source"],
                      ingest_date=sidecar["ingest_date"], media_type=sidecar.get("media_type") or "",
                      charset=sidecar.get("charset") or "")


def _landed_digest(name: str) -> str | None:
    """The sha256 a file is named by, if it is named as the web fetcher names the pages it lands."""
    named, dot, extension = name.partition(".")
    if dot and HEX_DIGEST.fullmatch(named) and f".{extension}" in LANDED_PAGE_EXTENSIONS:
        return named
    return None


def printable_path(path: str) -> str:
    """A path as text any table can hold: the bytes of a name that is not UTF-8 (a GBK name from a
    Windows share or a zip, which Python keeps as lone surrogates) written as \\xNN."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def today_in(timezone: str, now: datetime | None = None) -> date:
    """The calendar date in a time zone (the schedule's): what "today" is for a run, whatever the host's own
    zone. At 02:00 in Shanghai it is already tomorrow there while a host on UTC still says yesterday, and
    an article dated today in Shanghai would look as if it came from the future."""
    return (now or datetime.now(dt_timezone.utc)).astimezone(ZoneInfo(timezone)).date()


def _mtime_date(path: Path, zone: ZoneInfo) -> str:
    try:
        return datetime.fromtimestamp(os.lstat(path).st_mtime, zone).date().isoformat()
    except (OSError, ValueError, OverflowError):  # gone, or a modification time no calendar has
        return datetime.now(zone).date().isoformat()


def _ignored(name: str) -> bool:
    return name in IGNORED_NAMES or name.startswith(".") or name.endswith(IGNORED_SUFFIXES)


def _walk(root: Path) -> Iterator[tuple[Path, tuple[str, str] | None]]:
    """Every page file under root in a stable order, with (reason, detail) when it is not one to read.

    Only regular files are read, and never through a symbolic link: a link out of the raw folder (to
    /etc/passwd, /dev/zero, another share) is a link_outside_raw_dir reject; a FIFO, socket or device, or
    a link inside the folder to one of those, to nothing, or to a file the scan skips, is a
    not_regular_file reject. A link to a file or folder inside the folder that the scan reads anyway is an
    alias: skipped, the file is read once, under its own name.
    """
    real_root = Path(os.path.realpath(root))
    for dirpath, dirnames, filenames in os.walk(root):  # followlinks=False: linked folders are not entered
        here = Path(dirpath)
        entered = []
        for name in sorted(dirnames):
            if name.startswith((".", "_")):
                continue
            if (here / name).is_symlink():
                target = Path(os.path.realpath(here / name))
                if not target.is_relative_to(real_root):
                    yield here / name, (LINK_OUTSIDE_RAW_DIR,
                                        f"a link to the folder {printable_path(str(target))}, outside the raw folder")
                continue
            entered.append(name)
        dirnames[:] = entered
        for name in sorted(filenames):
            if not _ignored(name) and (problem := _not_a_page_file(here / name, real_root)) is not _ALIAS:
                yield here / name, problem


def _not_a_page_file(path: Path, real_root: Path) -> tuple[str, str] | None:
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # gone since the listing: describe() says so
    if stat.S_ISREG(mode):
        return None
    if not stat.S_ISLNK(mode):
        return NOT_REGULAR_FILE, f"a {_kind(mode)}, not a regular file"
    target = Path(os.path.realpath(path))
    shown = printable_path(str(target))
    if not target.is_relative_to(real_root):
        return LINK_OUTSIDE_RAW_DIR, f"a link to {shown}, outside the raw folder"
    try:
        target_mode = os.stat(target).st_mode
    except OSError:
        return NOT_REGULAR_FILE, f"a link to {shown}, which does not exist"
    parts = target.relative_to(real_root).parts
    if stat.S_ISREG(target_mode) and not any(p.startswith((".", "_")) for p in parts[:-1]) \
            and not _ignored(parts[-1]):
        return _ALIAS
    return NOT_REGULAR_FILE, f"a link to {shown} ({_kind(target_mode)}), a file the scan does not read"


def _kind(mode: int) -> str:
    for test, kind in ((stat.S_ISREG, "regular file"), (stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "FIFO"),
                       (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISLNK, "symbolic link")):
        if test(mode):
            return kind
    return "special file"


def _open_regular(path: str | os.PathLike):
    """A regular file opened for reading, never through a link and never waiting on a FIFO or device
    (O_NONBLOCK: opening a FIFO with no writer would block forever). Raises NotRegularFile otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegularFile("a symbolic link: links are not followed") from exc
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"a {_kind(mode)}, not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_raw_file(ref: RawFileRef, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RawDocument | Reject:
    """The bytes of one manifest entry; a file that changed or vanished since the scan is a reject.

    For a fetched HTML page the document handed on is the page's main content (title, date, paragraphs;
    see econ_news/sources/content.py), under the landed bytes' hash, so every row still names the exact
    raw file it came from; the landed bytes themselves are never changed.
    """
    try:
        with _open_regular(ref.path) as fh:
            data = fh.read(max_bytes + 1)
    except NotRegularFile as exc:
        return Reject(ref.uri, ref.sha256, "fetch", NOT_REGULAR_FILE, str(exc))
    except OSError as exc:
        # Often passing (EIO on a flaky disk or share, a share unmounted): not in the ledger, so the next
        # run reads the file again (tasks/stages.py: process_batch).
        return Reject(ref.uri, ref.sha256, "fetch", "unreadable",
                      printable_path(f"{type(exc).__name__}: {exc}; read again by the next run"))
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
    with _open_regular(path) as fh:
        while chunk := fh.read(1 << 20 if remaining is None else min(1 << 20, remaining)):
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
                if remaining <= 0:
                    break
    return ("prefix:" if prefix else "") + digest.hexdigest()
