"""The streaming partition merge: the same rows as merging whole partitions in memory, live files kept as
they are when untouched, compaction, and memory bounded by a file rather than the partition."""
from __future__ import annotations

import os
import random

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import econ_news.store as store
from econ_news.store import StagedRun, dataset_digest, partition_path, read_table

DAY = partition_path("2025-11-01", "site")
OLD_SCHEMA = pa.schema([("k1", pa.string()), ("k2", pa.int64()), ("v", pa.float64())])
NEW_SCHEMA = OLD_SCHEMA.append(pa.field("note", pa.string()))  # a column a newer version added
KEYS = {"t": ("k1", "k2")}


def _reference_merge(fresh: pa.Table, live: pa.Table, keys) -> pa.Table:
    """The merge in memory, whole partitions: fresh rows then live rows (conformed), the first row of each
    key kept. (The merge before streaming took pc.sort_indices of the first positions, positions into the
    groups rather than into the rows, and so dropped live rows that came after a replaced one.)"""
    both = pa.concat_tables([fresh, store._conform(live, fresh.schema)])
    numbered = both.append_column("__pos", pa.array(range(both.num_rows), pa.int64()))
    first = numbered.group_by(list(keys), use_threads=False).aggregate([("__pos", "min")])
    return both.take(first.column("__pos_min"))


def _random_rows(rng: random.Random, n: int, schema: pa.Schema, label: str) -> pa.Table:
    rows = {"k1": [rng.choice(["a", "b", "c", None]) for _ in range(n)],
            "k2": [rng.randrange(6) for _ in range(n)],
            "v": [rng.random() for _ in range(n)]}
    if "note" in schema.names:
        rows["note"] = [f"{label}-{i}" for i in range(n)]
    return pa.table(rows, schema=schema)


def _publish_files(root, run_id: str, files: list[pa.Table], keys=None) -> None:
    """One run that stages the given part files in DAY and publishes them (replace, or merge with keys)."""
    run = StagedRun(root, run_id).in_partition(DAY)
    for index, table in enumerate(files):
        run.write_part("t", f"{index:05d}", table)
    run.ensure_schema_files({"t": files[0].schema if files else NEW_SCHEMA})
    StagedRun(root, run_id).publish_partitions(keys)


def _part_files(root) -> list:
    return sorted((root / "t" / DAY).glob("*.parquet"))


def _digest_of(table: pa.Table, tmp_path, name: str):
    folder = tmp_path / name
    folder.mkdir()
    pq.write_table(table, folder / "all.parquet")
    return dataset_digest(folder)


@pytest.mark.parametrize("seed", range(12))
def test_merge_gives_the_rows_of_the_in_memory_merge(tmp_path, seed):
    rng = random.Random(seed)
    root = tmp_path / "curated"
    # The live partition: files of an older schema and of the new one, keys repeated across files.
    live_files = [_random_rows(rng, rng.randrange(0, 8), rng.choice([OLD_SCHEMA, NEW_SCHEMA]), f"live{i}")
                  for i in range(rng.randrange(1, 5))]
    _publish_files(root, "r1", live_files)
    live = pa.concat_tables([store._conform(f, NEW_SCHEMA) for f in
                             (pq.read_table(p) for p in _part_files(root))])
    fresh_files = [_random_rows(rng, rng.randrange(1, 6), NEW_SCHEMA, f"fresh{i}") for i in range(rng.randrange(1, 4))]
    _publish_files(root, "r2", fresh_files, KEYS)

    expected = _reference_merge(pa.concat_tables(fresh_files), live, KEYS["t"])
    got = read_table(root / "t", partitioning=None)
    assert dataset_digest(root / "t" / DAY) == _digest_of(expected, tmp_path, "expected")
    assert got.num_rows == expected.num_rows
    # Every file now has the run's schema, so every reader sees one table.
    assert all(pq.read_schema(p).remove_metadata().equals(NEW_SCHEMA) for p in _part_files(root))
    n = duckdb.sql(f"select count(*) from read_parquet('{root}/t/**/*.parquet', hive_partitioning=1)").fetchall()
    assert n[0][0] == len(pd.read_parquet(root / "t")) == expected.num_rows


def test_the_merged_content_does_not_depend_on_how_the_new_rows_are_split_into_files(tmp_path):
    rng = random.Random(7)
    base = [_random_rows(rng, 6, NEW_SCHEMA, "live")]
    fresh = pa.table({"k1": list("pqrstu"), "k2": list(range(6)), "v": [1.0] * 6, "note": ["n"] * 6},
                     schema=NEW_SCHEMA)
    digests = set()
    for name, split in (("one", [fresh]), ("two", [fresh.slice(3), fresh.slice(0, 3)]),
                        ("six", [fresh.slice(i, 1) for i in reversed(range(6))])):
        root = tmp_path / name
        _publish_files(root, "r1", base)
        _publish_files(root, "r2", split, KEYS)
        digests.add(dataset_digest(root / "t"))
    assert len(digests) == 1


def test_live_files_the_merge_does_not_touch_are_kept_as_they_are(tmp_path):
    one = pa.table({"k1": ["a", "b"], "k2": [1, 1], "v": [1.0, 1.0], "note": ["x", "x"]}, schema=NEW_SCHEMA)
    two = pa.table({"k1": ["c", "d"], "k2": [1, 1], "v": [1.0, 1.0], "note": ["x", "x"]}, schema=NEW_SCHEMA)
    _publish_files(tmp_path, "r1", [one, two])
    before = {p.name: p.stat().st_ino for p in _part_files(tmp_path)}
    fresh = pa.table({"k1": ["c", "e"], "k2": [1, 1], "v": [2.0, 2.0], "note": ["y", "y"]}, schema=NEW_SCHEMA)
    _publish_files(tmp_path, "r2", [fresh], KEYS)
    after = {p.name: p.stat().st_ino for p in _part_files(tmp_path)}
    # The file of a and b is the very same file (same inode); the file of c and d lost c and was rewritten.
    assert after["part-r1-00000.parquet"] == before["part-r1-00000.parquet"]
    assert "part-r1-00001.parquet" not in after
    assert "part-r2-00000.parquet" in after and any("-merged-" in name for name in after)
    rows = sorted(zip(*(read_table(tmp_path / "t").column(c).to_pylist() for c in ("k1", "v"))))
    assert rows == [("a", 1.0), ("b", 1.0), ("c", 2.0), ("d", 1.0), ("e", 2.0)]


def test_a_merge_that_replaces_every_row_of_a_file_drops_it(tmp_path):
    old = pa.table({"k1": ["a"], "k2": [1], "v": [1.0], "note": ["x"]}, schema=NEW_SCHEMA)
    _publish_files(tmp_path, "r1", [old])
    _publish_files(tmp_path, "r2", [old.set_column(2, "v", pa.array([2.0]))], KEYS)
    assert [p.name for p in _part_files(tmp_path)] == ["part-r2-00000.parquet"]


def test_an_empty_staged_partition_leaves_the_live_one_alone(tmp_path):
    _publish_files(tmp_path, "r1", [_random_rows(random.Random(1), 5, NEW_SCHEMA, "live")])
    before = {p.name: p.stat().st_ino for p in _part_files(tmp_path)}
    _publish_files(tmp_path, "r2", [], KEYS)
    assert {p.name: p.stat().st_ino for p in _part_files(tmp_path)} == before


def test_a_partition_with_too_many_files_is_compacted(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_FILES_PER_PARTITION", 4)
    expected = []
    for night in range(6):  # one new file per night: the sixth night finds five live files
        table = pa.table({"k1": [f"n{night}"], "k2": [night], "v": [float(night)], "note": ["x"]}, schema=NEW_SCHEMA)
        expected.append(table)
        _publish_files(tmp_path, f"r{night}", [table], KEYS)
        assert len(_part_files(tmp_path)) <= 4
    assert dataset_digest(tmp_path / "t" / DAY) == _digest_of(pa.concat_tables(expected), tmp_path, "expected")
    assert any("-compacted-" in p.name for p in _part_files(tmp_path))


def test_a_replaced_partition_with_too_many_staged_files_is_compacted(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "MAX_FILES_PER_PARTITION", 4)
    files = [pa.table({"k1": [f"b{i}"], "k2": [i], "v": [1.0], "note": ["x"]}, schema=NEW_SCHEMA) for i in range(9)]
    _publish_files(tmp_path, "r1", files)
    assert [p.name for p in _part_files(tmp_path)] == ["part-r1-compacted-00000.parquet"]
    assert read_table(tmp_path / "t").num_rows == 9


def test_merge_memory_is_bounded_by_a_file_not_by_the_partition(tmp_path):
    """Peak Arrow allocation while merging into a partition of 16 files of about 2.4 MB each (text that does
    not compress), where the run's rows replace one row in every file, so every file is rewritten."""
    files, rows_per_file, text_bytes = 16, 300, 8000
    schema = pa.schema([("id", pa.string()), ("text", pa.string())])
    run = StagedRun(tmp_path, "live").in_partition(DAY)
    for f in range(files):
        ids = [f"{f}-{i}" for i in range(rows_per_file)]
        run.write_part("t", f"{f:05d}", pa.table({"id": ids, "text": [os.urandom(text_bytes // 2).hex() for _ in ids]},
                                                 schema=schema))
    StagedRun(tmp_path, "live").publish_partitions()
    partition_bytes = read_table(tmp_path / "t", partitioning=None).nbytes
    fresh = StagedRun(tmp_path, "night").in_partition(DAY)
    fresh.write_part("t", "00000", pa.table({"id": [f"{f}-0" for f in range(files)], "text": ["new"] * files},
                                            schema=schema))

    default_pool = pa.default_memory_pool()
    measured = pa.proxy_memory_pool(default_pool)
    pa.set_memory_pool(measured)
    try:
        StagedRun(tmp_path, "night").publish_partitions({"t": ("id",)})
    finally:
        pa.set_memory_pool(default_pool)

    assert len(_part_files(tmp_path)) == files + 1  # every file rewritten (not compacted into one)
    assert read_table(tmp_path / "t").num_rows == files * rows_per_file
    file_bytes = partition_bytes / files
    # It did read whole row groups (the measurement sees them), and never much more than a few at once.
    peak = measured.max_memory()
    assert file_bytes / 2 < peak < 4 * file_bytes, (peak, file_bytes)
    assert peak < partition_bytes / 4, (peak, partition_bytes)
