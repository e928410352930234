"""Parquet datasets under the curated root, written so that readers never see half a run.

The curated root is a local folder or an fsspec URL (``s3://bucket/prefix``, ``gs://…``, ``file:///abs``,
``memory://…``). Either way a run stages its part files in a local folder, ``<work>/_staging/<run_id>/<table>/``,
Hive-partitioned as ``ingest_date=YYYY-MM-DD/source=NAME/`` (the date the raw bytes landed and the source
they came from), and only when everything is written and validated does it publish, under an exclusive lock
(an flock on ``<work>/_publish.lock``):

- ``publish()`` replaces whole tables (a full run of a folder: the tables become that run's);
- ``publish_partitions()`` replaces only the partitions the run staged, each either taking the staged
  partition as it is (a backfill that reprocesses its dates) or merged with the live one, the run's rows
  winning on equal keys (a nightly run adding what is new). The merge reads the live partition under the
  lock, so two overlapping runs (the nightly and a backfill) cannot lose each other's rows.

The merge streams: it reads only the key columns of the staged and live files, keeps every live file whose
rows all survive as it is, rewrites one row group at a time a file that loses rows (or whose schema is
older than the run's), and adds the staged files as they are; a partition that would hold more than
MAX_FILES_PER_PARTITION files has its small files compacted the same way. Memory is bounded by a row group
plus the keys, whatever the size of the partition.

A local folder (a plain path) is its own work folder (``<root>/_staging``) and swaps atomically: before
swapping, the publisher marks each new folder with its run id (a hidden ``.published-by`` file) and writes a
journal of the moves; it then exchanges each new folder with the live one in one atomic step (Linux
renameat2 RENAME_EXCHANGE: a reader finds the old folder or the new one, never none), the ledger last, and
removes the journal and the old folders. A process killed mid-publish leaves the journal behind, and the next
run (every run starts with ``recover``) rolls the publish forward from the complete staged copies, telling by
the marker which moves were already made (not by inode: a copy of the root has new ones): each table and
partition holds either the previous run's files or the new run's, never a mix and never a gap.

A URL (``file://`` included, which is how the tests exercise this path) has no atomic multi-file swap. Its
work folder is local, ``$ECON_NEWS_WORK_DIR/<sha of URL>/`` (default ``~/.cache/econ-news/<sha>/``); the
publisher journals the files to upload and the live files they replace, uploads every new file under a name
no earlier run used (``part-<run_id>-….parquet``; through a hidden temporary name where the filesystem can
rename), and only then deletes the replaced files. A killed publish is rolled forward from the journal the
same way. Readers may see a partition's old and new files together for the seconds of the upload, never a
partition with neither.

Folders and files starting with ``_`` or ``.`` are invisible to Hive-style readers (pyarrow, DuckDB, pandas).
"""
from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from econ_news.partitions import partition_problem

STAGING_DIR = "_staging"
LOCK_FILE = "_publish.lock"
JOURNAL_SUFFIX = ".publishing.json"
# Inside every folder a publish swaps in: the run that published it. Recovery tells by it whether a journaled
# swap was made (inodes would not do: a copy of the root, cp -a or a restore, has new ones).
MARKER_FILE = ".published-by"
# Tables whose names start with this are bookkeeping (the ledger), published after the data tables.
LEDGER_PREFIX = "_"
# How long a publish waits for another run's publish lock before giving up (seconds).
LOCK_TIMEOUT_ENV = "ECON_NEWS_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_SECONDS = 3600.0
PARTITION_KEYS = ("ingest_date", "source")
_LOG = logging.getLogger("econ_news.store")
# Where a URL root keeps its staging, lock and journals (one subfolder per URL).
WORK_DIR_ENV = "ECON_NEWS_WORK_DIR"
# A partition with more files than this has its small files compacted when a run publishes it: every
# nightly merge adds a file or two, and readers pay per file.
MAX_FILES_PER_PARTITION = 64
# Compaction writes files of about this size (and leaves files this large alone).
COMPACT_TARGET_BYTES = 128 * 1024 * 1024
# Object stores show an object only once its upload is complete, and "rename" there is a copy: upload
# straight to the final name. Other filesystems get a hidden temporary name first, then a rename.
WHOLE_OBJECT_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "memory"})


def partition_path(ingest_date: str, source: str) -> str:
    """The Hive path of one partition: ingest_date=2025-11-22/source=gansu_daily. The last guard against
    a value that would lead out of the curated root (the values are checked where they come from too)."""
    if problem := partition_problem(ingest_date, source):
        raise ValueError(f"not a partition: {problem}")
    return f"{PARTITION_KEYS[0]}={ingest_date}/{PARTITION_KEYS[1]}={source}"


# ---------------------------------------------------------------------------------------------------
# Locations: a plain path or an fsspec URL, read the same way through a pyarrow filesystem.

def is_url(location: str | os.PathLike) -> bool:
    return isinstance(location, str) and "://" in location


def join(location: str | os.PathLike, *names: str) -> str | Path:
    """A location inside another: a path stays a path, a URL stays a URL."""
    if is_url(location):
        return "/".join([str(location).rstrip("/"), *names])
    return Path(location).joinpath(*names)


def _arrow_filesystem(location: str | os.PathLike) -> tuple[pafs.FileSystem, str]:
    """The pyarrow filesystem that reads a location, and the location's path in it."""
    if is_url(location):
        fs, path = fsspec.core.url_to_fs(str(location))
        # Some backends cache listings for the life of the process (s3fs, gcsfs), and a served deployment
        # runs many flows in one process: another process may have published since. Opening a location
        # is rare (a few times per run), so it forgets them.
        fs.invalidate_cache()
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path.rstrip("/")
    return pafs.LocalFileSystem(), str(Path(location).absolute())


def exists(location: str | os.PathLike) -> bool:
    fs, path = _arrow_filesystem(location)
    return fs.get_file_info(path).type != pafs.FileType.NotFound


def read_table(location: str | os.PathLike, columns: list[str] | None = None,
               partitioning: str | None = "hive") -> pa.Table:
    """Read a dataset folder as one table, the way consumers do (Hive partitions become columns)."""
    return _dataset(location, partitioning).to_table(columns=columns)


def read_columns(location: str | os.PathLike, columns: list[str]) -> pa.Table:
    """Some columns of a dataset folder, one absent from it (a partition column of an unpartitioned table,
    a column an older schema lacks) null in every row."""
    dataset = _dataset(location, "hive")
    present = [c for c in columns if c in dataset.schema.names]
    table = dataset.to_table(columns=present)
    return pa.table({c: table.column(c) if c in present else pa.nulls(table.num_rows, pa.string())
                     for c in columns})


def count_rows(location: str | os.PathLike) -> int:
    """Rows of a published dataset (0 when it does not exist), from the files' metadata."""
    if not exists(location):
        return 0
    return _dataset(location, "hive").count_rows()


def _dataset(location: str | os.PathLike, partitioning: str | None) -> pads.Dataset:
    fs, path = _arrow_filesystem(location)
    return pads.dataset(path, filesystem=fs, format="parquet", partitioning=partitioning)


def open_root(location: str | os.PathLike | CuratedRoot) -> CuratedRoot:
    """The curated root at a plain path (atomic swaps) or at an fsspec URL (upload, then delete)."""
    if isinstance(location, CuratedRoot):
        return location
    if is_url(location):
        return UrlRoot(str(location))
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]+:/", str(location)):
        # Path("s3://b/p") is "s3:/b/p": a URL that went through Path() would silently become a local folder.
        raise ValueError(f"{location!r} looks like a URL mangled by Path(); pass the URL as a string")
    return LocalRoot(Path(location))


class CuratedRoot:
    """Where the published tables live. Reading, listing and writing small files go through fsspec and a
    pyarrow filesystem whatever the root is; only how a publish is journaled and applied differs."""

    work_dir: Path  # local: staging, the publish lock, journals
    fs: fsspec.AbstractFileSystem
    base: str  # the root's path in fs

    def __init__(self, location: str | Path):
        self.location = location
        self.arrow_fs, self.base = _arrow_filesystem(location)

    def path(self, rel: str = "") -> str:
        return f"{self.base}/{rel}" if rel else self.base

    def display(self, rel: str = "") -> str:
        """What to show a person: the URL or the absolute path."""
        return str(join(self.location, rel)) if rel else str(self.location)

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.path(rel))

    def parquet_files(self, rel: str) -> dict[str, int]:
        """name -> size of the files a reader of a folder sees (not hidden, not temporary)."""
        if not self.exists(rel):
            return {}
        entries = self.fs.ls(self.path(rel), detail=True)
        return {name: int(e["size"]) for e in entries
                if e["type"] == "file" and (name := e["name"].rstrip("/").rsplit("/", 1)[-1]).endswith(".parquet")
                and not name.startswith((".", "_"))}

    def subfolders(self, rel: str) -> list[str]:
        if not self.exists(rel):
            return []
        return sorted(e["name"].rstrip("/").rsplit("/", 1)[-1] for e in self.fs.ls(self.path(rel), detail=True)
                      if e["type"] == "directory")

    def open_parquet(self, rel: str) -> pq.ParquetFile:
        return pq.ParquetFile(self.arrow_fs.open_input_file(self.path(rel)))

    def write_text(self, rel: str, text: str) -> None:
        self._put(rel, lambda target: self.fs.pipe_file(target, text.encode("utf-8")))

    def put_file(self, local: Path, rel: str) -> None:
        self._put(rel, lambda target: self.fs.put_file(str(local), target))

    def _put(self, rel: str, write: Callable[[str], None]) -> None:
        """Write rel so that a reader finds the old file or the whole new one, never a part."""
        target = self.path(rel)
        folder, name = target.rsplit("/", 1)
        self.fs.makedirs(folder, exist_ok=True)
        if _protocols(self.fs) & WHOLE_OBJECT_PROTOCOLS:
            write(target)
            return
        hidden = f"{folder}/.{name}.tmp"  # a leading dot: readers skip it if a kill leaves it behind
        write(hidden)
        self.fs.mv(hidden, target)

    def local_folder(self, rel: str) -> Path:
        """A local folder to render rel into before publish_folder puts it in place."""
        raise NotImplementedError

    def publish_folder(self, rel: str) -> None:
        """Put local_folder(rel) in place under the root."""
        raise NotImplementedError

    def remove(self, rel: str) -> None:
        if self.exists(rel):
            self.fs.rm(self.path(rel), recursive=True)

    # Publishing: a subclass turns the changes into a journal entry, and applies (rolls forward) one.
    def journal_entry(self, changes: list[Change], run_id: str) -> dict:
        raise NotImplementedError

    def roll_forward(self, entry: dict) -> None:
        raise NotImplementedError


def _protocols(fs: fsspec.AbstractFileSystem) -> set[str]:
    return {fs.protocol} if isinstance(fs.protocol, str) else set(fs.protocol)


@dataclass
class Change:
    """One table or partition a publish replaces: the new files are in the local folder source (for a
    whole table, in its partition subfolders); kept names the live files that stay (None: none stay)."""

    source: Path
    target: str  # table or table/partition, relative to the root
    kept: list[str] | None = None


class LocalRoot(CuratedRoot):
    """A plain path: staging inside the root, folder swaps with renameat2, atomic for readers."""

    def __init__(self, root: Path):
        super().__init__(Path(root))
        self.fs = fsspec.filesystem("file")
        self.work_dir = Path(root)

    def display(self, rel: str = "") -> str:
        return str((Path(self.base) / rel).resolve()) if rel else self.base

    def local_folder(self, rel: str) -> Path:
        return self.work_dir / rel

    def publish_folder(self, rel: str) -> None:
        pass  # rendered in place

    def journal_entry(self, changes: list[Change], run_id: str) -> dict:
        moves = []
        for change in changes:
            for name in change.kept or []:
                # A hard link: the file stays the very same (same inode), and costs nothing to "copy".
                _link_or_copy(self.work_dir / change.target / name, change.source / name)
            _write_marker(change.source, run_id)
            moves.append([change.source.relative_to(self.work_dir).as_posix(), change.target, run_id])
        return {"moves": moves}

    def roll_forward(self, entry: dict) -> None:
        for source, target, mark in entry["moves"]:
            staged, live = self.work_dir / source, self.work_dir / target
            if _swapped_in(live, mark):  # already swapped in by an interrupted publish
                continue
            if not staged.exists():  # the journal outlived its folders (never the case unless cleaned by hand)
                continue
            _move_into_place(staged, live)
            _fsync_dir(live.parent)


class UrlRoot(CuratedRoot):
    """An fsspec URL: staging in a local work folder; a publish uploads the new files, then deletes the
    ones they replace (no atomic swap on object stores)."""

    def __init__(self, url: str):
        url = url.rstrip("/")
        super().__init__(url)
        self.fs = self.arrow_fs.handler.fs
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "econ-news"
        base = Path(os.environ.get(WORK_DIR_ENV) or cache)
        self.work_dir = base / hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]

    def local_folder(self, rel: str) -> Path:
        return self.work_dir / rel

    def publish_folder(self, rel: str) -> None:
        local = self.local_folder(rel)
        for path in sorted(p for p in local.rglob("*") if p.is_file()):
            self.put_file(path, f"{rel}/{path.relative_to(local).as_posix()}")
        shutil.rmtree(local, ignore_errors=True)

    def journal_entry(self, changes: list[Change], run_id: str) -> dict:
        uploads, deletes = [], []
        for change in changes:
            new = [(p, f"{change.target}/{p.relative_to(change.source).as_posix()}")
                   for p in sorted(change.source.rglob("*.parquet"))]
            uploads += [[p.relative_to(self.work_dir).as_posix(), rel] for p, rel in new]
            stays = {f"{change.target}/{name}" for name in change.kept or []} | {rel for _, rel in new}
            live = self.fs.find(self.path(change.target)) if self.exists(change.target) else []
            deletes += [rel for rel in (p[len(self.base) + 1:] for p in live) if rel not in stays]
        return {"uploads": uploads, "deletes": deletes}

    def roll_forward(self, entry: dict) -> None:
        for local, rel in entry["uploads"]:
            source = self.work_dir / local
            if not source.exists():  # uploaded, and the journal outlived the staging (cleaned by hand)
                continue
            if self.exists(rel) and self.fs.size(self.path(rel)) == source.stat().st_size:
                continue  # uploaded by an interrupted publish (names are unique to the run)
            self.put_file(source, rel)
        for rel in entry["deletes"]:
            try:
                self.fs.rm_file(self.path(rel))
            except FileNotFoundError:
                pass  # deleted by an interrupted publish


# ---------------------------------------------------------------------------------------------------
# Staging and publishing.

class StagedRun:
    """The part files of one run, written before publication. Stateless apart from its folder, so tasks
    running in parallel (threads, processes) can each open one and write their parts.

    With a partition, parts go to ``<table>/<partition>/``; without, to ``<table>/`` (unpartitioned). Every
    file name carries the run id, so files of different runs never collide in a partition.
    """

    def __init__(self, root: str | Path | CuratedRoot, run_id: str, partition: str | None = None):
        self.curated = open_root(root)
        self.run_id = run_id
        self.partition = partition
        self.dir = self.curated.work_dir / STAGING_DIR / run_id

    def in_partition(self, partition: str) -> StagedRun:
        return StagedRun(self.curated, self.run_id, partition)

    def _folder(self, table_name: str) -> Path:
        folder = self.dir / table_name
        return folder / self.partition if self.partition else folder

    def write_part(self, table_name: str, part: str, table: pa.Table) -> Path | None:
        """Write one part file of a table (skipped when empty: ensure_schema_files covers empty tables)."""
        folder = self._folder(table_name)
        folder.mkdir(parents=True, exist_ok=True)
        if table.num_rows == 0:
            return None
        path = folder / f"part-{self.run_id}-{part}.parquet"
        _write_parquet_durably(table, path)
        return path

    def ensure_schema_files(self, schemas: Mapping[str, pa.Schema]) -> None:
        """Give every table (in this run's partition, if it has one) at least one possibly empty file, so
        readers always find its columns and a replaced partition with no rows left is replaced by none."""
        for name, schema in schemas.items():
            folder = self._folder(name)
            folder.mkdir(parents=True, exist_ok=True)
            if not any(folder.rglob("*.parquet")):
                _write_parquet_durably(schema.empty_table(), folder / f"part-{self.run_id}-empty.parquet")

    def tables(self) -> list[str]:
        return sorted(p.name for p in self.dir.iterdir() if p.is_dir()) if self.dir.exists() else []

    def partitions(self) -> list[str]:
        """The partitions any table of this run has staged."""
        found = set()
        for table in self.tables():
            for leaf in (self.dir / table).glob("*=*/*=*"):
                found.add(leaf.relative_to(self.dir / table).as_posix())
        return sorted(found)

    def read(self, table_name: str, columns: list[str] | None = None) -> pa.Table:
        return read_table(self.dir / table_name, columns=columns)

    def schema(self, table_name: str) -> pa.Schema:
        files = sorted((self.dir / table_name).rglob("*.parquet"))
        return pq.read_schema(files[0])

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def publish(self) -> None:
        """Replace every staged table as a whole."""
        for table in self.tables():
            for folder in [self.dir / table, *(self.dir / table).glob("*=*/*=*")]:
                _compact_folder(folder, self.run_id)
        with publish_lock(self.curated.work_dir, holder=f"run {self.run_id}"):
            _recover_locked(self.curated)
            _publish_locked(self.curated, self.run_id, [Change(self.dir / t, t) for t in self.tables()])

    def publish_partitions(self, merge_keys: Mapping[str, Sequence[str]] | None = None,
                           retire: Mapping[str, Mapping[str, Retired | Sequence[Retired]]] | None = None,
                           unique: Mapping[str, str] | None = None) -> list[str]:
        """Swap in the staged partitions of every table; returns the ``table/partition`` paths swapped.

        merge_keys None: each staged partition replaces the live one. Otherwise the live rows are kept
        unless the run staged a row with the same key (merge_keys[table] names the key columns); a table
        partition the run staged no rows for is then left as it is.

        retire: partition -> table -> (column, values): live rows of that partition whose column holds one
        of the values leave it (rows of a raw input a newer version replaces), whether or not the run
        staged the partition. Several (column, values) for one table: the rows any of them names; column a
        tuple of columns: values are tuples of theirs.

        unique: table -> key column that must not repeat across partitions. A key the run stages that a live
        partition the publish does not touch already holds fails the publish (DuplicateKeys; nothing is
        published): the merge replaces equal keys only within a partition.
        """
        retire = retire or {}
        with publish_lock(self.curated.work_dir, holder=f"run {self.run_id}"):
            _recover_locked(self.curated)
            changes = []
            tables = sorted(set(self.tables()) | {t for by_table in retire.values() for t in by_table})
            for table in tables:
                for partition in sorted(set(self.partitions()) | set(retire)):
                    staged, target = self.dir / table / partition, f"{table}/{partition}"
                    gone = _retire_rules(retire.get(partition, {}).get(table))
                    if not staged.exists() and not (any(v for _, v in gone) and self.curated.exists(target)):
                        continue
                    if (merge_keys is not None or not staged.exists()) and self.curated.exists(target):
                        merged = self.dir.with_name(f"{self.run_id}.merged") / table / partition
                        keys = merge_keys[table] if merge_keys is not None else ()
                        change = _merge_partition(self.curated, staged, target, merged, keys, self.run_id, gone)
                        if change is None:
                            continue
                    else:
                        _compact_folder(staged, self.run_id)
                        change = Change(staged, target)
                    changes.append(change)
            for table, column in (unique or {}).items():
                _refuse_keys_elsewhere(self.curated, self.dir, table, column, changes)
            _publish_locked(self.curated, self.run_id, changes)
            return [change.target for change in changes]


# Rows to take out of a partition's table: (column, the values whose rows leave), or (columns, the tuples of
# their values whose rows leave).
Retired = tuple[str | tuple[str, ...], frozenset]


def _retire_rules(gone: Retired | Sequence[Retired] | None) -> list[Retired]:
    """One Retired or several, as a list."""
    if not gone:
        return []
    if len(gone) == 2 and isinstance(gone[1], (set, frozenset)):
        return [gone]  # type: ignore[list-item]
    return list(gone)  # type: ignore[arg-type]


class DuplicateKeys(RuntimeError):
    """A run's rows whose keys another partition of the table already holds."""


def _refuse_keys_elsewhere(curated: CuratedRoot, staging: Path, table: str, column: str,
                           changes: list[Change]) -> None:
    """Raise DuplicateKeys when a key the run staged in table is in a live partition no change replaces.
    Reads the run's keys, then the key column of the other partitions one file at a time."""
    touched = {c.target.split("/", 1)[1] for c in changes if c.target.startswith(f"{table}/")}
    staged: set = set()
    for partition in touched:
        for path in sorted((staging / table / partition).glob("*.parquet")):
            staged.update(pq.read_table(path, columns=[column]).column(column).to_pylist())
    staged.discard(None)
    if not staged:
        return
    for day in curated.subfolders(table):
        for source in curated.subfolders(f"{table}/{day}"):
            partition = f"{day}/{source}"
            if partition in touched:
                continue
            for name in sorted(curated.parquet_files(f"{table}/{partition}")):
                found = curated.open_parquet(f"{table}/{partition}/{name}")
                if column not in found.schema_arrow.names:
                    continue
                clash = staged.intersection(found.read(columns=[column]).column(column).to_pylist())
                if clash:
                    raise DuplicateKeys(f"{len(clash)} {table} key(s) this run stages are already in "
                                        f"{curated.display(f'{table}/{partition}')} (e.g. {column}={min(clash)}); "
                                        f"nothing published: run `econ-news doctor --repair`")


def _publish_locked(curated: CuratedRoot, run_id: str, changes: list[Change]) -> None:
    """Journal, apply, clean up."""
    staging = curated.work_dir / STAGING_DIR
    staging.mkdir(parents=True, exist_ok=True)
    journal = staging / f"{run_id}{JOURNAL_SUFFIX}"
    tmp = journal.with_name(journal.name + ".tmp")
    # The ledger last: a publish killed half way then leaves the ledger saying less than the tables hold
    # (the next run processes those inputs again and merges them onto their own keys), never more.
    changes = sorted(changes, key=lambda change: change.target.startswith(LEDGER_PREFIX))
    entry = {"run_id": run_id, **curated.journal_entry(changes, run_id)}
    tmp.write_text(json.dumps(entry), encoding="utf-8")
    _fsync_file(tmp)  # whole on disk before its name says it is the journal
    os.replace(tmp, journal)
    _fsync_dir(staging)
    curated.roll_forward(entry)
    journal.unlink()
    _remove_run_folders(curated.work_dir, run_id)


# ---------------------------------------------------------------------------------------------------
# The streaming merge and compaction.

def _merge_partition(curated: CuratedRoot, staged: Path, target: str, merged: Path, keys: Sequence[str],
                     run_id: str, retired: Retired | Sequence[Retired] | None = None) -> Change | None:
    """The live partition at target with the staged rows merged in, as a Change: the new files (written
    to merged) and the live files kept as they are. None when nothing changes (no staged rows here, no
    live row retired).

    Same rows as concatenating the staged rows and the live rows (less those whose retired column holds a
    retired value) and keeping the first row of each key, read one file's keys (and, for a file to rewrite,
    one row group) at a time. keys empty: every staged row is taken and no live row is replaced by one.
    """
    staged_files = sorted(staged.glob("*.parquet")) if staged.exists() else []
    staged_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in staged_files)
    live_files = curated.parquet_files(target)
    rules = _retire_rules(retired)
    live_keys, live_gone = {}, {}
    for name in sorted(live_files):
        source = curated.open_parquet(f"{target}/{name}")
        live_keys[name] = source
        live_gone[name] = _retired_rows(source, rules)
    if staged_rows == 0 and not any(any(flags) for flags in live_gone.values()):
        return None
    schema = pq.read_schema(staged_files[0]) if staged_files else _newest_schema(live_keys)
    merged.mkdir(parents=True, exist_ok=True)
    seen: set[tuple] = set()  # keys of the rows taken so far: the run's first, then the live ones
    for path in staged_files:
        source = pq.ParquetFile(path)
        keep = _first_of_each_key(_row_keys(source, keys), seen) if keys else [True] * source.metadata.num_rows
        if all(keep):
            _link_or_copy(path, merged / path.name)
        elif any(keep):
            _rewrite(source, keep, schema, merged / path.name)
    kept = []
    for index, name in enumerate(sorted(live_files)):
        source = live_keys[name]
        keep = _first_of_each_key(_row_keys(source, keys), seen) if keys else [True] * source.metadata.num_rows
        keep = [k and not g for k, g in zip(keep, live_gone[name])]
        if all(keep) and _same_columns(source.schema_arrow, schema):
            kept.append(name)
        elif any(keep):  # rows lost to the run's, retired, or an older schema: rewritten conformed
            _rewrite(source, keep, schema, merged / f"part-{run_id}-merged-{index:05d}.parquet")
    if not kept and not any(merged.glob("*.parquet")):
        # No row left: the partition keeps its columns for readers, in one empty file.
        _write_parquet_durably(schema.empty_table(), merged / f"part-{run_id}-empty.parquet")
    inputs = [_PartFile(name, live_files[name], lambda n=name: curated.open_parquet(f"{target}/{n}"))
              for name in kept]
    compacted = _compact(inputs + _local_part_files(merged), merged, schema, run_id)
    return Change(merged, target, [name for name in kept if name not in compacted])


def _retired_rows(source: pq.ParquetFile, rules: list[Retired]) -> list[bool]:
    flags = [False] * source.metadata.num_rows
    for column, gone in rules:
        columns = [column] if isinstance(column, str) else list(column)
        if not gone or not set(columns) <= set(source.schema_arrow.names):
            continue
        table = source.read(columns=columns)
        values = table.column(column).to_pylist() if isinstance(column, str) \
            else zip(*(table.column(c).to_pylist() for c in columns))
        flags = [flag or value in gone for flag, value in zip(flags, values)]
    return flags


def _newest_schema(files: Mapping[str, pq.ParquetFile]) -> pa.Schema:
    """The schema of the partition's newest file (names carry the run id, which starts with its time)."""
    return files[max(files)].schema_arrow


def _row_keys(source: pq.ParquetFile, keys: Sequence[str]) -> list[tuple]:
    """The key of every row of a file, reading only the key columns (a key column the file's older
    schema lacks is null, as _conform makes it)."""
    present = [k for k in keys if k in source.schema_arrow.names]
    table = source.read(columns=present)
    rows = source.metadata.num_rows
    columns = [table.column(k).to_pylist() if k in present else [None] * rows for k in keys]
    return list(zip(*columns)) if columns else [()] * rows


def _first_of_each_key(keys: list[tuple], seen: set[tuple]) -> list[bool]:
    """Which rows are the first with their key (adding their keys to seen)."""
    keep = []
    for key in keys:
        keep.append(key not in seen)
        seen.add(key)
    return keep


def _rewrite(source: pq.ParquetFile, keep: list[bool], schema: pa.Schema, path: Path) -> None:
    """The rows of source marked keep, in schema, written one row group at a time."""
    with _durable_writer(path, schema) as writer:
        offset = 0
        for group_index in range(source.num_row_groups):
            group = source.read_row_group(group_index)
            mask = pa.array(keep[offset: offset + group.num_rows], pa.bool_())
            offset += group.num_rows
            writer.write_table(_conform(group.filter(mask), schema))


def _same_columns(a: pa.Schema, b: pa.Schema) -> bool:
    return a.remove_metadata().equals(b.remove_metadata())


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A live table in the run's schema: columns a newer version added are null in older rows."""
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(table.num_rows, f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


@dataclass
class _PartFile:
    name: str
    size: int
    open: Callable[[], pq.ParquetFile]


def _local_part_files(folder: Path) -> list[_PartFile]:
    return [_PartFile(p.name, p.stat().st_size, lambda p=p: pq.ParquetFile(p))
            for p in sorted(folder.glob("*.parquet"))]


def _compact_folder(folder: Path, run_id: str) -> None:
    """Compact a staged folder's part files in place if there are too many (a big backfill's partition)."""
    files = _local_part_files(folder)
    if len(files) > MAX_FILES_PER_PARTITION:
        _compact(files, folder, pq.read_schema(folder / files[0].name), run_id)


def _compact(files: list[_PartFile], out: Path, schema: pa.Schema, run_id: str) -> set[str]:
    """When there are more than MAX_FILES_PER_PARTITION files, stream the small ones into files of about
    COMPACT_TARGET_BYTES, written to out, one input row group at a time. Local inputs in out are removed;
    returns the names of all inputs compacted (a live input is then deleted by the publish)."""
    if len(files) <= MAX_FILES_PER_PARTITION:
        return set()
    groups: list[list[_PartFile]] = [[]]
    filled = 0
    for part in sorted((f for f in files if f.size < COMPACT_TARGET_BYTES), key=lambda f: f.name):
        if groups[-1] and filled + part.size > COMPACT_TARGET_BYTES:
            groups.append([])
            filled = 0
        groups[-1].append(part)
        filled += part.size
    compacted = set()
    for index, group in enumerate(g for g in groups if len(g) > 1):
        with _durable_writer(out / f"part-{run_id}-compacted-{index:05d}.parquet", schema) as writer:
            for part in group:
                source = part.open()
                for group_index in range(source.num_row_groups):
                    writer.write_table(_conform(source.read_row_group(group_index), schema))
        for part in group:
            (out / part.name).unlink(missing_ok=True)  # a local input (or a link to a live file)
            compacted.add(part.name)
    return compacted


# ---------------------------------------------------------------------------------------------------
# Files, folders, the lock and recovery.

def _write_parquet_durably(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")  # a leading dot: readers skip it if a kill leaves it behind
    pq.write_table(table, tmp, compression="zstd")
    _fsync_file(tmp)
    os.replace(tmp, path)


@contextmanager
def _durable_writer(path: Path, schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
    """A Parquet writer to path that appears, complete and synced, only when the block ends."""
    tmp = path.with_name(f".{path.name}.tmp")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        yield writer
    _fsync_file(tmp)
    os.replace(tmp, path)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _write_marker(folder: Path, run_id: str) -> None:
    marker = folder / MARKER_FILE
    marker.unlink(missing_ok=True)  # a hard link from the live folder would otherwise be written through
    marker.write_text(run_id, encoding="utf-8")
    _fsync_file(marker)


def _swapped_in(live: Path, mark: str | int) -> bool:
    """Whether the folder at live is the one a journaled move put there: its marker names the run (mark: the
    run id; a journal from before markers holds the folder's inode)."""
    if isinstance(mark, int):
        return live.exists() and live.stat().st_ino == mark
    try:
        return (live / MARKER_FILE).read_text(encoding="utf-8") == mark
    except (FileNotFoundError, NotADirectoryError):
        return False


def _move_into_place(staged: Path, live: Path) -> None:
    """Put the staged folder at live: an atomic exchange with the live folder (the old one is then at the
    staged path, removed with the run's folders), or a rename where there is none yet."""
    if live.exists():
        _exchange(staged, live)
    else:
        live.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staged, live)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another filesystem, or links not allowed there
        shutil.copy2(source, target)


class LockTimeout(TimeoutError):
    """Another process held the publish lock for longer than this one would wait."""


@contextmanager
def publish_lock(work_dir: Path, timeout: float | None = None, holder: str = "") -> Iterator[None]:
    """Serialise publications (a nightly run and a backfill may finish at the same time). The kernel
    releases an flock when its holder dies, so a killed publisher never leaves the lock taken.

    The holder writes who it is (pid, host, what) into the lock file; a waiter says whom it waits for, and
    gives up after timeout seconds (default: $ECON_NEWS_LOCK_TIMEOUT, else an hour) with LockTimeout."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    if timeout is None:
        timeout = float(os.environ.get(LOCK_TIMEOUT_ENV) or DEFAULT_LOCK_TIMEOUT_SECONDS)
    path = work_dir / LOCK_FILE
    with open(path, "a+") as fh:
        deadline, warned = time.monotonic() + timeout, False
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                held_by = fh.read().strip() or "unknown"
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"publish lock {path} still held after {timeout:g} s by {held_by}; "
                                      f"set {LOCK_TIMEOUT_ENV} to wait longer") from None
                if not warned:
                    _LOG.warning("waiting for the publish lock %s, held by %s", path, held_by)
                    warned = True
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        try:
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid={os.getpid()} host={socket.gethostname()} {holder}".strip() + "\n")
            fh.flush()
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


_LIBC = ctypes.CDLL(None, use_errno=True)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically (Linux 3.15+, glibc 2.28+; ext4, xfs, btrfs, tmpfs, overlayfs)."""
    if _LIBC.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"renameat2(RENAME_EXCHANGE) {a} <-> {b}: {os.strerror(err)}")


def _remove_run_folders(work_dir: Path, run_id: str) -> None:
    for suffix in ("", ".merged"):
        shutil.rmtree(work_dir / STAGING_DIR / f"{run_id}{suffix}", ignore_errors=True)


def recover(root: str | Path | CuratedRoot) -> list[str]:
    """Finish any publish a killed process left half done; returns the run ids rolled forward."""
    curated = open_root(root)
    if not (curated.work_dir / STAGING_DIR).exists():
        return []
    with publish_lock(curated.work_dir):
        return _recover_locked(curated)


def _recover_locked(curated: CuratedRoot) -> list[str]:
    """Roll forward what killed publishes left. Every publish starts here, under the lock: it also forgets
    the listings fsspec may have cached before another process published (see _arrow_filesystem)."""
    curated.fs.invalidate_cache()
    staging = curated.work_dir / STAGING_DIR
    finished = []
    for journal in sorted(staging.glob(f"*{JOURNAL_SUFFIX}")) if staging.exists() else []:
        entry = _read_journal(journal)
        if entry is None:
            continue
        curated.roll_forward(entry)
        journal.unlink()
        _remove_run_folders(curated.work_dir, entry["run_id"])
        finished.append(entry["run_id"])
    return finished


def _read_journal(journal: Path) -> dict | None:
    """A journal's entry; None for one that is not a journal (empty, cut short, garbage: a journal is fsynced
    before it gets its name, so a publish never wrote it), which is moved aside as <name>.corrupt and logged.
    Nothing of it was applied: its run's folders stay until sweep_abandoned removes them."""
    try:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        if isinstance(entry, dict) and isinstance(entry.get("run_id"), str) and (
                isinstance(entry.get("moves"), list) or isinstance(entry.get("uploads"), list)):
            return entry
        problem = "not a publish journal"
    except (ValueError, UnicodeDecodeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    aside = journal.with_name(journal.name + ".corrupt")
    os.replace(journal, aside)
    _LOG.error("publish journal %s is unreadable (%s): moved aside to %s, nothing rolled forward from it",
               journal, problem, aside)
    return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_abandoned(root: str | Path | CuratedRoot, max_age_seconds: float) -> list[str]:
    """Remove the staging folders of runs that died before publishing (nothing refers to them), once
    nothing in them has changed for max_age_seconds; returns their names."""
    curated = open_root(root)
    staging = curated.work_dir / STAGING_DIR
    if not staging.exists():
        return []
    removed = []
    with publish_lock(curated.work_dir):
        journaled = {j.name[: -len(JOURNAL_SUFFIX)] for j in staging.glob(f"*{JOURNAL_SUFFIX}")}
        for folder in sorted(p for p in staging.iterdir() if p.is_dir()):
            if folder.name.removesuffix(".merged") in journaled:
                continue
            newest = max((p.stat().st_mtime for p in folder.rglob("*")), default=folder.stat().st_mtime)
            if time.time() - newest > max_age_seconds:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    return removed


# ---------------------------------------------------------------------------------------------------
# Reading back.

# Folders of the root that are not tables (run manifests, reports, staging).
NOT_TABLES = frozenset({STAGING_DIR, "_runs", "_reports"})


class UnreadableTables(RuntimeError):
    """A published Parquet file that readers cannot open (truncated, overwritten, not Parquet)."""


def table_names(root: str | Path | CuratedRoot) -> list[str]:
    """The tables of a curated root: its folders, the ledger included, less runs, reports and staging."""
    curated = open_root(root)
    return [name for name in curated.subfolders("") if name not in NOT_TABLES and not name.startswith(".")]


def published_files(root: str | Path | CuratedRoot, table: str) -> list[str]:
    """The Parquet files readers of a table see, relative to the root (no hidden or _ folder or file)."""
    curated = open_root(root)
    if not curated.exists(table):
        return []
    found = []
    for path in sorted(curated.fs.find(curated.path(table))):
        rel = path[len(curated.base) + 1:] if path.startswith(curated.base) else path
        if rel.endswith(".parquet") and not any(part.startswith((".", "_")) for part in rel.split("/")[1:]):
            found.append(rel)
    return found


def unreadable_files(root: str | Path | CuratedRoot) -> list[str]:
    """'<file>: <why>' for every published Parquet file whose footer cannot be read."""
    curated = open_root(root)
    problems = []
    for table in table_names(curated):
        for rel in published_files(curated, table):
            try:
                curated.open_parquet(rel).metadata
            except Exception as exc:  # noqa: BLE001 - whatever the reader says is the problem reported
                problems.append(f"{curated.display(rel)}: {type(exc).__name__}: {str(exc)[:200]}")
    return problems

def dataset_digest(path: str | os.PathLike, ignore: Sequence[str] = ("run_id",)) -> tuple[int, str]:
    """(rows, sha256) of a dataset's content, whatever its files and row order: two runs that wrote the same
    rows have the same digest. Fields named in ignore (the run id) are left out, as columns and as keys of
    rows kept as JSON text (quarantine.row_json)."""
    table = read_table(path)
    table = table.drop_columns([c for c in ignore if c in table.column_names])
    rows = [{k: _without(v, ignore) for k, v in row.items()} for row in table.to_pylist()]
    lines = sorted(json.dumps(row, default=str, ensure_ascii=False, sort_keys=True) for row in rows)
    return len(lines), hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _without(value, keys: Sequence[str]):
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, dict):
            return {k: v for k, v in parsed.items() if k not in keys}
    return value
