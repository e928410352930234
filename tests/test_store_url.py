"""The curated root at an fsspec URL: the same publishes as a plain path (file:// and memory:// here;
s3:// and gs:// go through the same code with s3fs or gcsfs installed), and a publish killed mid-upload
rolled forward by recover."""
from __future__ import annotations

import uuid
from pathlib import Path

import fsspec
import pyarrow as pa
import pytest

from econ_news.store import (JOURNAL_SUFFIX, STAGING_DIR, StagedRun, UrlRoot, count_rows, dataset_digest, join,
                             open_root, partition_path, read_table, recover, sweep_abandoned)

SCHEMA = pa.schema([("id", pa.string()), ("v", pa.float64())])
DAY1, DAY2 = partition_path("2025-11-01", "site"), partition_path("2025-11-02", "site")
KEYS = {"t": ("id",), "u": ("id",)}


@pytest.fixture(autouse=True)
def work_dir(tmp_path, monkeypatch):
    """URL roots stage under $ECON_NEWS_WORK_DIR (not ~/.cache) in tests."""
    monkeypatch.setenv("ECON_NEWS_WORK_DIR", str(tmp_path / "work"))
    return tmp_path / "work"


def _table(ids, v):
    return pa.table({"id": list(ids), "v": [v] * len(ids)}, schema=SCHEMA)


def _run(root, run_id, parts: dict[str, list[str]], v: float, tables=("t", "u")) -> StagedRun:
    run = StagedRun(root, run_id)
    for partition, ids in parts.items():
        for name in tables:
            run.in_partition(partition).write_part(name, "00000", _table(ids, v))
            run.in_partition(partition).ensure_schema_files({name: SCHEMA})
    return run


def _history(root) -> None:
    """The same sequence of publishes, whatever the root: a full run, a merge, a replace, a merge."""
    _run(root, "r1", {DAY1: ["a", "b"], DAY2: ["c"]}, 1.0).publish()
    _run(root, "r2", {DAY1: ["b", "x"]}, 2.0).publish_partitions(KEYS)
    _run(root, "r3", {DAY2: ["d"]}, 3.0).publish_partitions()
    _run(root, "r4", {DAY1: ["a"], DAY2: ["e"]}, 4.0).publish_partitions(KEYS)


def _digests(root) -> dict:
    return {name: dataset_digest(join(root, name)) for name in ("t", "u")}


@pytest.mark.parametrize("scheme", ["file", "memory"])
def test_a_url_root_ends_with_the_same_tables_as_a_plain_path(tmp_path, scheme):
    plain = tmp_path / "plain"
    _history(plain)
    url = f"file://{tmp_path}/remote" if scheme == "file" else f"memory://econ-news-test-{uuid.uuid4().hex}/curated"
    _history(url)
    assert _digests(url) == _digests(plain)
    assert sorted(read_table(join(url, "t")).column("id").to_pylist()) == ["a", "b", "d", "e", "x"]
    assert count_rows(join(url, "t")) == 5
    # Nothing of the run stays at the URL but the tables: no staging, no lock, no temporary names.
    fs, path = fsspec.core.url_to_fs(url)
    names = [p[len(path.rstrip("/")) + 1:] for p in fs.find(path)]
    assert names and all(n.startswith(("t/", "u/")) and "/." not in n and n.endswith(".parquet") for n in names)
    assert not list((tmp_path / "work").rglob("*.parquet"))  # staging cleaned up


def test_a_url_root_stages_and_locks_in_its_local_work_folder(tmp_path, work_dir):
    url = f"file://{tmp_path}/remote"
    run = _run(url, "r1", {DAY1: ["a"]}, 1.0)
    assert open_root(url).work_dir.parent == work_dir and run.dir.is_relative_to(work_dir)
    assert not (tmp_path / "remote" / STAGING_DIR).exists()
    run.publish_partitions()
    assert (open_root(url).work_dir / "_publish.lock").exists() and not (tmp_path / "remote" / "_publish.lock").exists()
    assert sweep_abandoned(url, 0) == []


def test_a_url_passed_through_path_is_refused_not_written_to_a_local_folder(tmp_path):
    with pytest.raises(ValueError, match="mangled"):
        open_root(Path("s3://bucket/curated"))


def test_small_files_written_to_a_url_root(tmp_path):
    root = open_root(f"file://{tmp_path}/remote")
    root.write_text("_runs/r1.json", '{"run_id": "r1"}')
    assert (tmp_path / "remote" / "_runs" / "r1.json").read_text() == '{"run_id": "r1"}'
    site = root.local_folder("_reports/r1")
    site.mkdir(parents=True)
    (site / "index.html").write_text("<html/>")
    root.publish_folder("_reports/r1")
    assert (tmp_path / "remote" / "_reports" / "r1" / "index.html").read_text() == "<html/>"
    assert root.subfolders("_reports") == ["r1"] and root.display("_reports/r1/index.html").startswith("file://")


class UploadKilled(Exception):
    pass


@pytest.mark.parametrize("uploads_before_the_kill", [0, 1, 3])
def test_a_publish_killed_mid_upload_is_rolled_forward(tmp_path, monkeypatch, uploads_before_the_kill):
    url = f"file://{tmp_path}/remote"
    _run(url, "old", {DAY1: ["a", "b"], DAY2: ["c"]}, 1.0).publish_partitions()
    expected_root = tmp_path / "expected"
    _run(expected_root, "old", {DAY1: ["a", "b"], DAY2: ["c"]}, 1.0).publish_partitions()
    _run(expected_root, "new", {DAY1: ["b", "x"], DAY2: ["y"]}, 2.0).publish_partitions(KEYS)

    real_put = UrlRoot.put_file
    done = []

    def put_then_die(self, local, rel):
        if len(done) == uploads_before_the_kill:
            raise UploadKilled(rel)
        real_put(self, local, rel)
        done.append(rel)

    monkeypatch.setattr(UrlRoot, "put_file", put_then_die)
    with pytest.raises(UploadKilled):
        _run(url, "new", {DAY1: ["b", "x"], DAY2: ["y"]}, 2.0).publish_partitions(KEYS)
    monkeypatch.setattr(UrlRoot, "put_file", real_put)

    journal = open_root(url).work_dir / STAGING_DIR / f"new{JOURNAL_SUFFIX}"
    assert journal.exists()
    # Mid-upload every partition still has all its old rows (new files may be there beside them).
    for name in ("t", "u"):
        ids = read_table(join(url, name)).column("id").to_pylist()
        assert {"a", "b", "c"} <= set(ids)
    assert recover(url) == ["new"]
    assert _digests(url) == _digests(expected_root)
    assert not journal.exists() and not list((open_root(url).work_dir / STAGING_DIR).iterdir())
    assert not [p for p in Path(tmp_path / "remote").rglob("*") if p.name.startswith(".")]


def test_the_next_publish_recovers_a_killed_one_first(tmp_path, monkeypatch):
    url = f"file://{tmp_path}/remote"
    _run(url, "old", {DAY1: ["a"]}, 1.0).publish_partitions()

    def die(self, local, rel):
        raise UploadKilled(rel)

    monkeypatch.setattr(UrlRoot, "put_file", die)
    with pytest.raises(UploadKilled):
        _run(url, "killed", {DAY1: ["b"]}, 2.0).publish_partitions(KEYS)
    monkeypatch.undo()
    monkeypatch.setenv("ECON_NEWS_WORK_DIR", str(tmp_path / "work"))
    _run(url, "next", {DAY1: ["c"]}, 3.0).publish_partitions(KEYS)
    assert sorted(read_table(join(url, "t")).column("id").to_pylist()) == ["a", "b", "c"]
