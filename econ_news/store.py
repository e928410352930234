"""Parquet datasets under the curated root, written so that readers never see half a run.

A run stages every table's part files under ``<root>/_staging/<run_id>/<table>/`` while it works, and
only when everything is written and validated does it publish: under an exclusive lock it records the
tables to swap in a journal, renames each live table folder aside and the staged one into its place, then
removes the journal and the old folders. A process killed mid-publish leaves the journal behind; the next
writer (or reader through ``recover``) rolls the publish forward from the complete staged copy, so the
curated root always ends up holding either the previous run's tables or the new run's, never a mix within
one table. Folders starting with ``_`` are invisible to Hive-style readers (pyarrow, DuckDB, pandas).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

STAGING_DIR = "_staging"
LOCK_FILE = "_publish.lock"
JOURNAL_SUFFIX = ".publishing.json"


class StagedRun:
    """The part files of one run, written before publication. Stateless apart from its folder, so tasks
    running in parallel (threads, processes, Dask workers) can each open one and write their parts."""

    def __init__(self, root: Path, run_id: str):
        self.root = Path(root)
        self.run_id = run_id
        self.dir = self.root / STAGING_DIR / run_id

    def write_part(self, table_name: str, part: str, table: pa.Table) -> Path | None:
        """Write one part file of a table (skipped when empty: ensure_schema_files covers empty tables)."""
        folder = self.dir / table_name
        folder.mkdir(parents=True, exist_ok=True)
        if table.num_rows == 0:
            return None
        path = folder / f"part-{part}.parquet"
        _write_parquet_durably(table, path)
        return path

    def ensure_schema_files(self, schemas: dict[str, pa.Schema]) -> None:
        """Give every table at least one (possibly empty) file, so readers always find its columns."""
        for name, schema in schemas.items():
            folder = self.dir / name
            folder.mkdir(parents=True, exist_ok=True)
            if not any(folder.glob("*.parquet")):
                _write_parquet_durably(schema.empty_table(), folder / "part-empty.parquet")

    def tables(self) -> list[str]:
        return sorted(p.name for p in self.dir.iterdir() if p.is_dir()) if self.dir.exists() else []

    def read(self, table_name: str, columns: list[str] | None = None) -> pa.Table:
        return read_table(self.dir / table_name, columns=columns)

    def schema(self, table_name: str) -> pa.Schema:
        files = sorted((self.dir / table_name).glob("*.parquet"))
        return pq.read_schema(files[0])

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def publish(self) -> None:
        publish(self.root, self.run_id, self.tables())


def _write_parquet_durably(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@contextmanager
def publish_lock(root: Path) -> Iterator[None]:
    """Serialise publications (a nightly run and a backfill may finish at the same time)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def publish(root: Path, run_id: str, table_names: list[str]) -> None:
    root = Path(root)
    with publish_lock(root):
        _recover_locked(root)
        journal = root / STAGING_DIR / f"{run_id}{JOURNAL_SUFFIX}"
        journal.write_text(json.dumps({"run_id": run_id, "tables": table_names}), encoding="utf-8")
        _fsync_dir(journal.parent)
        _roll_forward(root, run_id, table_names)
        journal.unlink()
        shutil.rmtree(root / STAGING_DIR / run_id, ignore_errors=True)


def _roll_forward(root: Path, run_id: str, table_names: list[str]) -> None:
    staged_root = root / STAGING_DIR / run_id
    for name in table_names:
        staged = staged_root / name
        live = root / name
        old = staged_root / f"{name}.old"
        if not staged.exists():  # already swapped in by an interrupted publish
            continue
        if live.exists():
            if old.exists():
                shutil.rmtree(old)
            os.rename(live, old)
        os.rename(staged, live)
        _fsync_dir(root)


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
        _roll_forward(root, entry["run_id"], entry["tables"])
        journal.unlink()
        shutil.rmtree(staging / entry["run_id"], ignore_errors=True)
        finished.append(entry["run_id"])
    return finished


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_table(path: Path, columns: list[str] | None = None) -> pa.Table:
    """Read a dataset folder as one table, the way consumers do (Hive partitioning allowed)."""
    dataset = pads.dataset(str(path), format="parquet", partitioning="hive")
    return dataset.to_table(columns=columns)
