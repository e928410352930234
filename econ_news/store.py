"""Parquet datasets under the curated root, written so that readers never see half a run.

A run stages its part files under ``<root>/_staging/<run_id>/<table>/`` while it works, Hive-partitioned
as ``ingest_date=YYYY-MM-DD/source=NAME/`` (the date the raw bytes landed and the source they came from),
and only when everything is written and validated does it publish, under an exclusive lock:

- ``publish()`` swaps whole table folders in (a full run of a folder: the tables become that run's);
- ``publish_partitions()`` swaps in only the partitions the run staged, each either replacing the live
  partition (a backfill that reprocesses its dates) or merged with it, the run's rows winning on equal
  keys (a nightly run adding what is new). The merge reads the live partition under the lock, so two
  overlapping runs (the nightly and a backfill) cannot lose each other's rows.

Before swapping, the publisher writes a journal of the moves (with each staged folder's inode); it then
exchanges each staged folder with the live one in one atomic step (Linux renameat2 RENAME_EXCHANGE: a
reader finds the old folder or the new one, never none), and removes the journal and the old folders. A
process killed mid-publish leaves the journal behind, and the next writer (or ``recover``) rolls the
publish forward from the complete staged copies, telling by inode which moves were already made: each
table and partition holds either the previous run's files or the new run's, never a mix and never a gap.
Folders starting with ``_`` are invisible to Hive-style readers (pyarrow, DuckDB, pandas).
"""
from __future__ import annotations

import ctypes
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

STAGING_DIR = "_staging"
LOCK_FILE = "_publish.lock"
JOURNAL_SUFFIX = ".publishing.json"
PARTITION_KEYS = ("ingest_date", "source")


def partition_path(ingest_date: str, source: str) -> str:
    """The Hive path of one partition: ingest_date=2025-11-22/source=gansu_daily."""
    return f"{PARTITION_KEYS[0]}={ingest_date}/{PARTITION_KEYS[1]}={source}"


class StagedRun:
    """The part files of one run, written before publication. Stateless apart from its folder, so tasks
    running in parallel (threads, processes) can each open one and write their parts.

    With a partition, parts go to ``<table>/<partition>/``; without, to ``<table>/`` (unpartitioned).
    """

    def __init__(self, root: Path, run_id: str, partition: str | None = None):
        self.root = Path(root)
        self.run_id = run_id
        self.partition = partition
        self.dir = self.root / STAGING_DIR / run_id

    def in_partition(self, partition: str) -> StagedRun:
        return StagedRun(self.root, self.run_id, partition)

    def _folder(self, table_name: str) -> Path:
        folder = self.dir / table_name
        return folder / self.partition if self.partition else folder

    def write_part(self, table_name: str, part: str, table: pa.Table) -> Path | None:
        """Write one part file of a table (skipped when empty: ensure_schema_files covers empty tables)."""
        folder = self._folder(table_name)
        folder.mkdir(parents=True, exist_ok=True)
        if table.num_rows == 0:
            return None
        path = folder / f"part-{part}.parquet"
        _write_parquet_durably(table, path)
        return path

    def ensure_schema_files(self, schemas: Mapping[str, pa.Schema]) -> None:
        """Give every table (in this run's partition, if it has one) at least one possibly empty file, so
        readers always find its columns and a replaced partition with no rows left is replaced by none."""
        for name, schema in schemas.items():
            folder = self._folder(name)
            folder.mkdir(parents=True, exist_ok=True)
            if not any(folder.rglob("*.parquet")):
                _write_parquet_durably(schema.empty_table(), folder / "part-empty.parquet")

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
        with publish_lock(self.root):
            _recover_locked(self.root)
            _publish_locked(self.root, self.run_id, [(f"{STAGING_DIR}/{self.run_id}/{t}", t) for t in self.tables()])

    def publish_partitions(self, merge_keys: Mapping[str, Sequence[str]] | None = None) -> list[str]:
        """Swap in the staged partitions of every table; returns the ``table/partition`` paths swapped.

        merge_keys None: each staged partition replaces the live one. Otherwise the live rows are kept
        unless the run staged a row with the same key (merge_keys[table] names the key columns); a table
        partition the run staged no rows for is then left as it is.
        """
        with publish_lock(self.root):
            _recover_locked(self.root)
            moves = []
            for table in self.tables():
                for partition in self.partitions():
                    staged = self.dir / table / partition
                    live = self.root / table / partition
                    if not staged.exists():
                        continue
                    if merge_keys is not None and live.exists():
                        fresh = read_table(staged, partitioning=None)
                        if fresh.num_rows == 0:
                            continue
                        merged = _merge(fresh, read_table(live, partitioning=None), merge_keys[table])
                        staged = self.root / STAGING_DIR / f"{self.run_id}.merged" / table / partition
                        staged.mkdir(parents=True, exist_ok=True)
                        _write_parquet_durably(merged, staged / f"part-{self.run_id}.parquet")
                    moves.append((staged.relative_to(self.root).as_posix(), f"{table}/{partition}"))
            _publish_locked(self.root, self.run_id, moves)
            return [target for _, target in moves]


def _merge(fresh: pa.Table, live: pa.Table, keys: Sequence[str]) -> pa.Table:
    """fresh's rows, and live's rows whose key fresh does not have; sorted by key so that merging the same
    rows in any order writes the same file."""
    live = _conform(live, fresh.schema)
    both = pa.concat_tables([fresh, live])
    position = "__row_position"
    numbered = both.append_column(position, pa.array(range(both.num_rows), pa.int64()))
    first = numbered.group_by(list(keys), use_threads=False).aggregate([(position, "min")])
    kept = both.take(pc.sort_indices(first.column(f"{position}_min")))
    return kept.sort_by([(k, "ascending") for k in keys])


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A live table in the run's schema: columns a newer version added are null in older rows."""
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(table.num_rows, f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def _write_parquet_durably(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")  # a leading dot: readers skip it if a kill leaves it behind
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def publish_lock(root: Path) -> Iterator[None]:
    """Serialise publications (a nightly run and a backfill may finish at the same time). The kernel
    releases an flock when its holder dies, so a killed publisher never leaves the lock taken."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _publish_locked(root: Path, run_id: str, moves: list[tuple[str, str]]) -> None:
    """moves: (staged path, live path) pairs relative to root. Journal, swap, clean up."""
    staging = root / STAGING_DIR
    staging.mkdir(parents=True, exist_ok=True)
    journal = staging / f"{run_id}{JOURNAL_SUFFIX}"
    tmp = journal.with_name(journal.name + ".tmp")
    entries = [[source, target, (root / source).stat().st_ino] for source, target in moves]
    tmp.write_text(json.dumps({"run_id": run_id, "moves": entries}), encoding="utf-8")
    os.replace(tmp, journal)
    _fsync_dir(staging)
    _roll_forward(root, entries)
    journal.unlink()
    _remove_run_folders(root, run_id)


def _roll_forward(root: Path, entries: list[list]) -> None:
    for source, target, inode in entries:
        staged, live = root / source, root / target
        if live.exists() and live.stat().st_ino == inode:  # already swapped in by an interrupted publish
            continue
        if not staged.exists():  # the journal outlived its folders (never the case unless cleaned by hand)
            continue
        if live.exists():
            _exchange(staged, live)  # the old folder is now at the staged path, removed with the run's folders
        else:
            live.parent.mkdir(parents=True, exist_ok=True)
            os.rename(staged, live)
        _fsync_dir(live.parent)


_LIBC = ctypes.CDLL(None, use_errno=True)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> None:
    """Swap two paths atomically (Linux 3.15+, glibc 2.28+; ext4, xfs, btrfs, tmpfs, overlayfs)."""
    if _LIBC.renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"renameat2(RENAME_EXCHANGE) {a} <-> {b}: {os.strerror(err)}")


def _remove_run_folders(root: Path, run_id: str) -> None:
    for suffix in ("", ".merged"):
        shutil.rmtree(root / STAGING_DIR / f"{run_id}{suffix}", ignore_errors=True)


def recover(root: Path) -> list[str]:
    """Finish any publish a killed process left half done; returns the run ids rolled forward."""
    root = Path(root)
    if not (root / STAGING_DIR).exists():
        return []
    with publish_lock(root):
        return _recover_locked(root)


def _recover_locked(root: Path) -> list[str]:
    staging = root / STAGING_DIR
    finished = []
    for journal in sorted(staging.glob(f"*{JOURNAL_SUFFIX}")) if staging.exists() else []:
        entry = json.loads(journal.read_text(encoding="utf-8"))
        _roll_forward(root, entry["moves"])
        journal.unlink()
        _remove_run_folders(root, entry["run_id"])
        finished.append(entry["run_id"])
    return finished


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_abandoned(root: Path, max_age_seconds: float) -> list[str]:
    """Remove the staging folders of runs that died before publishing (nothing refers to them), once
    nothing in them has changed for max_age_seconds; returns their names."""
    staging = Path(root) / STAGING_DIR
    if not staging.exists():
        return []
    removed = []
    with publish_lock(Path(root)):
        journaled = {j.name[: -len(JOURNAL_SUFFIX)] for j in staging.glob(f"*{JOURNAL_SUFFIX}")}
        for folder in sorted(p for p in staging.iterdir() if p.is_dir()):
            if folder.name.removesuffix(".merged") in journaled:
                continue
            newest = max((p.stat().st_mtime for p in folder.rglob("*")), default=folder.stat().st_mtime)
            if time.time() - newest > max_age_seconds:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
    return removed


def dataset_digest(path: Path, ignore: Sequence[str] = ("run_id",)) -> tuple[int, str]:
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


def count_rows(path: Path) -> int:
    """Rows of a published dataset (0 when it does not exist), from the files' metadata."""
    if not Path(path).exists():
        return 0
    return pads.dataset(str(path), format="parquet", partitioning="hive").count_rows()


def read_table(path: Path, columns: list[str] | None = None, partitioning: str | None = "hive") -> pa.Table:
    """Read a dataset folder as one table, the way consumers do (Hive partitions become columns)."""
    dataset = pads.dataset(str(path), format="parquet", partitioning=partitioning)
    return dataset.to_table(columns=columns)
