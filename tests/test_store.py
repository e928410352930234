"""Staged writes and the atomic publish, read back the way consumers read (pyarrow, pandas, DuckDB)."""
from __future__ import annotations

import json

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from econ_news.store import JOURNAL_SUFFIX, STAGING_DIR, StagedRun, read_table, recover

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


def test_interrupted_publish_rolls_forward(tmp_path):
    old = StagedRun(tmp_path, "old")
    old.write_part("a", "0", _table(["old-a"]))
    old.write_part("b", "0", _table(["old-b"]))
    old.publish()
    new = StagedRun(tmp_path, "new")
    new.write_part("a", "0", _table(["new-a"]))
    new.write_part("b", "0", _table(["new-b"]))
    # Simulate a process killed after the journal was written and table a was swapped, b not yet.
    journal = tmp_path / STAGING_DIR / f"new{JOURNAL_SUFFIX}"
    journal.write_text(json.dumps({"run_id": "new", "tables": ["a", "b"]}))
    (tmp_path / "a").rename(tmp_path / STAGING_DIR / "new" / "a.old")
    (tmp_path / STAGING_DIR / "new" / "a").rename(tmp_path / "a")
    assert recover(tmp_path) == ["new"]
    assert read_table(tmp_path / "a").column("id").to_pylist() == ["new-a"]
    assert read_table(tmp_path / "b").column("id").to_pylist() == ["new-b"]
    assert not journal.exists()


def test_unpublished_staging_is_invisible_to_readers(tmp_path):
    run = StagedRun(tmp_path, "r")
    run.write_part("t", "0", _table(["a"]))
    with pytest.raises((FileNotFoundError, pa.ArrowInvalid, OSError)):
        pd.read_parquet(tmp_path / "t")
    run.discard()
    assert not (tmp_path / STAGING_DIR / "r").exists()
