"""`econ-news doctor` as a real process, on a root a real nightly built, whole and then damaged."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from econ_news.ingest import LEDGER_SCHEMA, LEDGER_TABLE, inputs_in_tables, read_ledger
from econ_news.store import StagedRun, partition_path, read_table
from tests.conftest import REPO
from tests.test_publish_faults import NIGHT1, NIGHT2, _add_pages, write_config

DAY1, DAY2 = partition_path("2025-11-01", "pages"), partition_path("2025-11-02", "pages")


def doctor(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", "doctor", "--curated-dir", str(root), *args], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def healthy(prefect_server, tmp_path_factory) -> Path:
    from flows.pipeline import nightly

    folder = tmp_path_factory.mktemp("doctor")
    _add_pages(folder, {**NIGHT1, **NIGHT2})
    nightly(config_path=str(write_config(folder)))
    return folder / "curated"


@pytest.fixture
def root(healthy, tmp_path) -> Path:
    copy = tmp_path / "curated"
    shutil.copytree(healthy, copy)
    return copy


def test_a_healthy_root(root):
    got = doctor(root)
    assert got.returncode == 0, got.stdout
    assert got.stdout.strip().endswith("healthy")


def test_duplicate_keys_across_partitions_are_found_and_repaired(root):
    # An article of day 1 copied into day 2, as a lost ledger and touched files used to publish it.
    source = sorted((root / "articles" / DAY1).glob("part-*.parquet"))[0]
    shutil.copy(source, root / "articles" / DAY2 / "part-copied.parquet")
    got = doctor(root)
    assert got.returncode == 1
    lines = got.stdout.strip().splitlines()
    assert lines and all(line.startswith(("duplicate key in articles", "ledger")) for line in lines), lines
    assert sum(line.startswith("duplicate key in articles") for line in lines) == pq.read_metadata(source).num_rows
    repaired = doctor(root, "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert "repaired: removed" in repaired.stdout
    ids = read_table(root / "articles").column("article_id").to_pylist()
    assert len(ids) == len(set(ids)) == 5


def test_a_lost_ledger_is_reported_and_rebuilt_from_the_tables(root):
    shutil.rmtree(root / LEDGER_TABLE)
    got = doctor(root)
    assert got.returncode == 1
    assert got.stdout.count("ledger lacks an input the tables hold") == 5
    assert doctor(root, "--repair").returncode == 0
    assert read_ledger(root) == inputs_in_tables(root)


def test_a_ledger_listing_inputs_the_tables_do_not_hold_is_reported_and_repaired(root):
    # What `run` on an empty folder used to leave: the ledger listing inputs whose rows are gone.
    run = StagedRun(root, "stale")
    run.in_partition(DAY1).write_part(LEDGER_TABLE, "x", pa.table(
        {"sha256": ["f" * 64], "source_uri": ["/gone.txt"], "run_id": ["stale"]}, schema=LEDGER_SCHEMA))
    run.publish_partitions({LEDGER_TABLE: ("sha256",)})
    got = doctor(root)
    assert got.returncode == 1
    assert got.stdout.strip().splitlines() == [
        f"ledger lists an input the tables hold no row of: {'f' * 64} (/gone.txt) in {DAY1}"]
    assert doctor(root, "--repair").returncode == 0
    assert "f" * 64 not in read_ledger(root)


KILLED = """
import os, signal, sys
import econ_news.store as store
from econ_news.ingest import MERGE_KEYS
from econ_news.store import StagedRun, read_table
root, partition = sys.argv[1], sys.argv[2]
run = StagedRun(root, "killed").in_partition(partition)
for name in ("articles", "projects"):
    run.write_part(name, "0", read_table(f"{root}/{name}/{partition}", partitioning=None))
real_move = store._move_into_place
def move_then_die(a, b):
    real_move(a, b)
    os.kill(os.getpid(), signal.SIGKILL)
store._move_into_place = move_then_die
StagedRun(root, "killed").publish_partitions(MERGE_KEYS)
"""


def test_a_pending_publish_is_reported_and_rolled_forward(root):
    proc = subprocess.run([sys.executable, "-c", KILLED, str(root), DAY1], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    got = doctor(root)
    assert got.returncode == 1 and got.stdout.startswith("pending publish:") and "(run killed)" in got.stdout
    repaired = doctor(root, "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert "repaired: rolled forward the publish of run killed" in repaired.stdout


def test_an_unreadable_file_is_reported_even_after_repair(root):
    victim = sorted((root / "projects").rglob("part-*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:64])
    for args in ((), ("--repair",)):
        got = doctor(root, *args)
        assert got.returncode == 1
        assert [line for line in got.stdout.splitlines() if not line.startswith("repaired")] == [
            line for line in got.stdout.splitlines() if line.startswith("unreadable file: ")]
        assert str(victim) in got.stdout
