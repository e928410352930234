"""Staged writes and the atomic publish, read back the way consumers read (pyarrow, pandas, DuckDB)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from econ_news.store import (JOURNAL_SUFFIX, STAGING_DIR, StagedRun, dataset_digest, partition_path, read_table,
                              recover)
from tests.conftest import REPO

SCHEMA = pa.schema([("id", pa.string()), ("v", pa.float64())])


def _table(ids, v=1.0):
    return pa.table({"id": list(ids), "v": [v] * len(ids)}, schema=SCHEMA)


def test_publish_replaces_a_table_as_a_whole(tmp_path):
    first = StagedRun(tmp_path, "run1")
    first.write_part("t", "00000", _table(["a", "b"]))
    first.write_part("t", "00001", _table(["c"]))
    first.publish()
    assert sorted(read_table(tmp_path / "t").column("id").to_pylist()) == ["a", "b", "c"]

    second = StagedRun(tmp_path, "run2")
    second.write_part("t", "00000", _table(["x"], 2.0))
    # Before publication readers still see the first run, whole.
    assert read_table(tmp_path / "t").num_rows == 3
    second.publish()
    assert read_table(tmp_path / "t").column("id").to_pylist() == ["x"]
    assert not (tmp_path / STAGING_DIR / "run2").exists()


def test_consumers_read_one_table(tmp_path):
    run = StagedRun(tmp_path, "r")
    run.write_part("t", "00000", _table(["a"]))
    run.write_part("t", "00001", _table(["b", "c"]))
    run.publish()
    assert len(pd.read_parquet(tmp_path / "t")) == 3
    n = duckdb.sql(f"select count(*) from read_parquet('{tmp_path}/t/**/*.parquet', hive_partitioning=1)").fetchall()[0][0]
    assert n == 3


def test_empty_table_still_has_its_schema(tmp_path):
    run = StagedRun(tmp_path, "r")
    run.write_part("t", "00000", SCHEMA.empty_table())
    run.ensure_schema_files({"t": SCHEMA})
    run.publish()
    table = read_table(tmp_path / "t")
    assert table.num_rows == 0 and table.schema.names == ["id", "v"]


def test_unpublished_staging_is_invisible_to_readers(tmp_path):
    run = StagedRun(tmp_path, "r")
    run.write_part("t", "0", _table(["a"]))
    with pytest.raises((FileNotFoundError, pa.ArrowInvalid, OSError)):
        pd.read_parquet(tmp_path / "t")
    run.discard()
    assert not (tmp_path / STAGING_DIR / "r").exists()


# ---------------------------------------------------------------------------------------------------
# Partitioned tables: a run publishes only the partitions it staged, replacing or merging each.

DAY1, DAY2 = partition_path("2025-11-01", "site"), partition_path("2025-11-02", "site")
KEYS = {"t": ("id",)}


def _stage(root, run_id, parts: dict[str, list[str]], v=1.0) -> StagedRun:
    run = StagedRun(root, run_id)
    for partition, ids in parts.items():
        run.in_partition(partition).write_part("t", "0", _table(ids, v))
        run.in_partition(partition).ensure_schema_files({"t": SCHEMA})
    return run


def _rows(root, name="t"):
    table = read_table(root / name)
    return sorted(zip(table.column("id").to_pylist(), table.column("v").to_pylist(),
                      table.column("ingest_date").to_pylist()))


def test_partitions_read_as_one_table_with_the_partition_columns(tmp_path):
    _stage(tmp_path, "r1", {DAY1: ["a", "b"], DAY2: ["c"]}).publish_partitions()
    assert _rows(tmp_path) == [("a", 1.0, "2025-11-01"), ("b", 1.0, "2025-11-01"), ("c", 1.0, "2025-11-02")]
    assert read_table(tmp_path / "t").schema.names == ["id", "v", "ingest_date", "source"]
    assert len(pd.read_parquet(tmp_path / "t")) == 3
    got = duckdb.sql(f"select source, count(*) from read_parquet('{tmp_path}/t/**/*.parquet', hive_partitioning=1) "
                     "group by source").fetchall()
    assert got == [("site", 3)]


def test_replace_rewrites_only_the_partitions_it_staged(tmp_path):
    _stage(tmp_path, "r1", {DAY1: ["a", "b"], DAY2: ["c"]}).publish_partitions()
    day2_files = sorted((tmp_path / "t" / DAY2).iterdir())
    swapped = _stage(tmp_path, "r2", {DAY1: ["a"]}, v=2.0).publish_partitions()
    assert swapped == [f"t/{DAY1}"]
    assert _rows(tmp_path) == [("a", 2.0, "2025-11-01"), ("c", 1.0, "2025-11-02")]
    assert sorted((tmp_path / "t" / DAY2).iterdir()) == day2_files  # untouched, same files


def test_replace_with_no_rows_left_empties_the_partition(tmp_path):
    _stage(tmp_path, "r1", {DAY1: ["a"], DAY2: ["c"]}).publish_partitions()
    run = StagedRun(tmp_path, "r2").in_partition(DAY1)
    run.ensure_schema_files({"t": SCHEMA})
    StagedRun(tmp_path, "r2").publish_partitions()
    assert _rows(tmp_path) == [("c", 1.0, "2025-11-02")]


def test_merge_adds_new_rows_and_replaces_rows_with_the_same_key(tmp_path):
    _stage(tmp_path, "r1", {DAY1: ["a", "b"]}).publish_partitions(KEYS)
    _stage(tmp_path, "r2", {DAY1: ["b", "x"], DAY2: ["y"]}, v=2.0).publish_partitions(KEYS)
    assert _rows(tmp_path) == [("a", 1.0, "2025-11-01"), ("b", 2.0, "2025-11-01"), ("x", 2.0, "2025-11-01"),
                               ("y", 2.0, "2025-11-02")]
    # The same rows merged again change nothing but files: the content is the same.
    before = dataset_digest(tmp_path / "t")
    _stage(tmp_path, "r3", {DAY1: ["b", "x"]}, v=2.0).publish_partitions(KEYS)
    assert dataset_digest(tmp_path / "t") == before



def test_merge_keeps_the_live_rows_after_a_replaced_one(tmp_path):
    # The in-memory merge this replaced kept b twice and lost c here.
    _stage(tmp_path, "r1", {DAY1: ["a", "b", "c"]}).publish_partitions(KEYS)
    _stage(tmp_path, "r2", {DAY1: ["b"]}, v=2.0).publish_partitions(KEYS)
    assert _rows(tmp_path) == [("a", 1.0, "2025-11-01"), ("b", 2.0, "2025-11-01"), ("c", 1.0, "2025-11-01")]

MERGER = """
import sys
from econ_news.store import StagedRun, partition_path
import pyarrow as pa
root, run_id, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
schema = pa.schema([("id", pa.string()), ("v", pa.float64())])
for i in range(n):
    run = StagedRun(root, f"{run_id}-{i}").in_partition(partition_path("2025-11-01", "site"))
    run.write_part("t", "0", pa.table({"id": [f"{run_id}-{i}"], "v": [1.0]}, schema=schema))
    StagedRun(root, f"{run_id}-{i}").publish_partitions({"t": ("id",)})
"""


def test_overlapping_merges_from_two_processes_lose_no_rows(tmp_path):
    procs = [subprocess.Popen([sys.executable, "-c", MERGER, str(tmp_path), name, "15"], cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)}) for name in ("nightly", "backfill")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    ids = read_table(tmp_path / "t").column("id").to_pylist()
    assert sorted(ids) == sorted(f"{name}-{i}" for name in ("nightly", "backfill") for i in range(15))


KILLED_MID_PUBLISH = """
import os, signal, sys
import econ_news.store as store
from econ_news.store import StagedRun, partition_path
import pyarrow as pa
root, kind = sys.argv[1], sys.argv[2]
schema = pa.schema([("id", pa.string()), ("v", pa.float64())])
run = StagedRun(root, "new")
for day in ("2025-11-01", "2025-11-02"):
    for name in ("t", "u"):
        run.in_partition(partition_path(day, "site")).write_part(name, "0", pa.table({"id": ["new"], "v": [2.0]}, schema=schema))
real_exchange = store._exchange
def exchange_then_die(a, b):
    real_exchange(a, b)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 right after the first swap
store._exchange = exchange_then_die
run.publish() if kind == "tables" else run.publish_partitions()
"""


@pytest.mark.parametrize("kind", ["tables", "partitions"])
def test_kill_9_in_the_middle_of_a_publish_leaves_every_table_readable_and_recovers(tmp_path, kind):
    for name in ("t", "u"):
        old = StagedRun(tmp_path, f"old-{name}")
        for day in (DAY1, DAY2):
            old.in_partition(day).write_part(name, "0", _table(["old"]))
        old.publish_partitions()
    proc = subprocess.run([sys.executable, "-c", KILLED_MID_PUBLISH, str(tmp_path), kind], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    journal = tmp_path / STAGING_DIR / f"new{JOURNAL_SUFFIX}"
    assert journal.exists()
    # Before recovery: every table readable, every partition there, each wholly old or wholly new.
    seen = {name: sorted(read_table(tmp_path / name).column("id").to_pylist()) for name in ("t", "u")}
    assert seen["t"] in (["new", "new"], ["new", "old"]) and seen["u"] == ["old", "old"]
    assert recover(tmp_path) == ["new"]
    for name in ("t", "u"):
        assert read_table(tmp_path / name).column("id").to_pylist() == ["new", "new"]
    assert not journal.exists() and sorted(p.name for p in (tmp_path / STAGING_DIR).iterdir()) == []
