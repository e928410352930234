"""Faults of the publish path, the ledger and recovery (issue 13), reproduced on real components: the real
flows under a real (temporary) Prefect server, real `econ-news` processes (subprocess, kill -9 at exact
publish steps), real Parquet files read back."""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from econ_news.doctor import diagnose
from econ_news.fetch import RawFileRef
from econ_news.ingest import LEDGER_TABLE, Inventory, plan, read_ledger
from econ_news.store import (JOURNAL_SUFFIX, STAGING_DIR, LockTimeout, StagedRun, dataset_digest, partition_path,
                             publish_lock, read_table, recover)
from tests.conftest import REPO, SAMPLE_RAW

TABLES = ("articles", "projects", "metrics", "rejects", "quarantine")
KEYS = {"articles": "article_id", "projects": "project_id", "metrics": "metric_id"}
SCHEMA = pa.schema([("id", pa.string()), ("v", pa.float64())])


def digests(curated: Path) -> dict[str, tuple[int, str]]:
    return {name: dataset_digest(curated / name) for name in (*TABLES, LEDGER_TABLE)}


def set_day(path: Path, day: str) -> None:
    """Give a plain file the modification time of noon (Shanghai) of day: its ingest_date partition."""
    stamp = datetime.fromisoformat(f"{day}T04:00:00").replace(tzinfo=timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))


def write_config(folder: Path, source_dir: str = "pages") -> Path:
    config = folder / "sources.toml"
    config.write_text(f"""
[store]
raw_dir = "raw"
curated_dir = "curated"

[[sources]]
name = "pages"
kind = "folder"
path = "{source_dir}"
""", encoding="utf-8")
    return config


def subprocess_env() -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": PREFECT_API_URL.value()}


def assert_no_duplicate_keys(curated: Path) -> None:
    for name, key in KEYS.items():
        keys = read_table(curated / name).column(key).to_pylist()
        assert len(keys) == len(set(keys)), f"{name}: {len(keys) - len(set(keys))} duplicate {key}"


# ---------------------------------------------------------------------------------------------------
# Item 2: a missing or empty raw folder must not wipe the tables.

def test_run_on_a_missing_or_empty_raw_dir_is_refused_and_publishes_nothing(prefect_server, tmp_path):
    raw, curated = tmp_path / "raw", tmp_path / "curated"
    shutil.copytree(SAMPLE_RAW, raw)
    cli = [sys.executable, "-m", "flows.cli", "run", "--curated-dir", str(curated)]
    first = subprocess.run([*cli, "--raw-dir", str(raw)], cwd=REPO, env=subprocess_env(), capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    published = digests(curated)
    assert published["articles"][0] == 5 and published[LEDGER_TABLE][0] == 5

    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "raws", tmp_path / "empty"):  # a typo, an unmounted share
        refused = subprocess.run([*cli, "--raw-dir", str(folder)], cwd=REPO, env=subprocess_env(),
                                 capture_output=True, text=True, timeout=300)
        assert refused.returncode != 0
        last = refused.stderr.strip().splitlines()[-1]
        # A missing folder is refused before Prefect starts; an empty one once the tables are seen to hold rows.
        assert "refusing" in last and str(folder) in last and "--allow-empty" in last, refused.stderr[-2000:]
        assert digests(curated) == published  # nothing published
        assert diagnose(curated) == []

    # Asked explicitly: the tables are emptied, and so is the ledger (it says what they hold: nothing).
    emptied = subprocess.run([*cli, "--raw-dir", str(tmp_path / "empty"), "--allow-empty"], cwd=REPO,
                             env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert emptied.returncode == 0, emptied.stderr[-2000:]
    assert all(rows == 0 for rows, _ in digests(curated).values())
    assert diagnose(curated) == []


# ---------------------------------------------------------------------------------------------------
# Item 4: a newer version of the same page replaces the older one's rows.

def test_a_page_that_changes_every_night_is_counted_once(prefect_server, tmp_path):
    from flows.pipeline import nightly

    pages = tmp_path / "pages"
    pages.mkdir()
    page = pages / "page.txt"
    original = (SAMPLE_RAW / "000_ff023e30cb72fc27.txt").read_text(encoding="utf-8")
    config = write_config(tmp_path)
    counts = []
    for night, day in enumerate(("2025-11-01", "2025-11-02", "2025-11-03"), start=1):
        page.write_text(original + f"\n\n（本文已被浏览{night * 37}次）\n", encoding="utf-8")
        set_day(page, day)  # each version lands on its own day: the older rows live in another partition
        nightly(config_path=str(config))
        counts.append({name: read_table(tmp_path / "curated" / name).num_rows for name in KEYS})
    assert counts[0]["articles"] == 1 and counts[0]["projects"] > 0
    assert counts[2] == counts[1] == counts[0]  # not 3x
    articles = read_table(tmp_path / "curated" / "articles").to_pylist()
    assert [Path(a["source_uri"]).resolve() for a in articles] == [page.resolve()]
    assert articles[0]["ingest_date"] == "2025-11-03"
    ledger = read_ledger(tmp_path / "curated")
    assert list(ledger) == [articles[0]["doc_sha256"]]
    assert_no_duplicate_keys(tmp_path / "curated")
    assert diagnose(tmp_path / "curated") == []
    assert nightly(config_path=str(config)).files == 0  # nothing new: nothing reprocessed


def _landed(folder: Path, name: str, data: bytes, day: str, url: str) -> RawFileRef:
    path = folder / name
    path.write_bytes(data)
    return RawFileRef(str(path), len(data), hashlib.sha256(data).hexdigest(), url, "site", day)


def test_only_the_newest_version_of_a_url_is_processed_and_the_older_is_retired(tmp_path):
    url = "https://example.gov.cn/news/1.html"
    old = _landed(tmp_path, "a.html", b"<p>version 1</p>", "2025-11-01", url)
    other = _landed(tmp_path, "b.html", b"<p>another page</p>", "2025-11-01", "https://example.gov.cn/news/2.html")
    ledger = {old.sha256: ("2025-11-01", "site", url), other.sha256: ("2025-11-01", "site", other.uri)}
    time.sleep(0.01)
    new = _landed(tmp_path, "c.html", b"<p>version 2</p>", "2025-11-02", url)
    # The raw store keeps both versions: both are on disk.
    work = plan(Inventory([old, other, new], []), ledger, reprocess=False)
    by_path = {w.path: w for w in work}
    assert [r.sha256 for r in by_path[partition_path("2025-11-02", "site")].refs] == [new.sha256]
    assert by_path[partition_path("2025-11-01", "site")].retired == {old.sha256}
    assert by_path[partition_path("2025-11-01", "site")].refs == []
    # The next night: the older version is not processed again, and nothing is left to do.
    after = {other.sha256: ledger[other.sha256], new.sha256: ("2025-11-02", "site", url)}
    assert plan(Inventory([old, other, new], []), after, reprocess=False) == []
    # A backfill reprocessing the first day does not bring the older version back.
    again = plan(Inventory([old, other, new], []), after, reprocess=True)
    assert {r.sha256 for w in again for r in w.refs} == {other.sha256, new.sha256}


# ---------------------------------------------------------------------------------------------------
# Item 6: a killed nightly is recovered by the next run, whatever it finds to do; recovery on a copy.

KILLED_NIGHTLY = """
import os, signal, sys
import econ_news.store as store
config, kill_after = sys.argv[1], int(sys.argv[2])
moves = []
real_move = store._move_into_place
def move_then_die(staged, live):
    real_move(staged, live)
    moves.append(str(live))
    with open(os.environ["MOVES_LOG"], "a") as log:
        log.write(str(live) + "\\n")
    if len(moves) == kill_after:
        os.kill(os.getpid(), signal.SIGKILL)  # kill -9 right after this swap
store._move_into_place = move_then_die
from flows.pipeline import nightly
nightly(config_path=config)
"""

NIGHT1 = {"000_ff023e30cb72fc27.txt": "2025-11-01", "001_d6a5ce08102744b4.txt": "2025-11-01",
          "002_7194760b0f93c0f2.txt": "2025-11-02"}
NIGHT2 = {"003_33e208abd139723a.txt": "2025-11-01", "004_349d94f3ff379270.txt": "2025-11-03"}


def _add_pages(folder: Path, days: dict[str, str]) -> None:
    (folder / "pages").mkdir(exist_ok=True)
    for name, day in days.items():
        shutil.copy(SAMPLE_RAW / name, folder / "pages" / name)
        set_day(folder / "pages" / name, day)


@pytest.fixture(scope="module")
def after_first_night(prefect_server, tmp_path_factory):
    """A root after one nightly, with the second night's pages already in the folder."""
    from flows.pipeline import nightly

    base = tmp_path_factory.mktemp("night1")
    config = write_config(base)
    _add_pages(base, NIGHT1)
    nightly(config_path=str(config))
    _add_pages(base, NIGHT2)
    return base


@pytest.mark.slow
def test_a_nightly_killed_after_any_swap_is_recovered_by_a_nightly_with_nothing_new(after_first_night,
                                                                                   tmp_path):
    from flows.pipeline import nightly

    base = after_first_night
    folder = tmp_path / "root"  # every run at the same path: source_uri (a file's path) is in the digests
    shutil.copytree(base, folder, symlinks=True)
    nightly(config_path=str(folder / "sources.toml"))
    reference = digests(folder / "curated")  # the second night, uninterrupted
    results = []  # (kill point, swapped folder, matched the reference)
    for kill_after in range(1, 40):
        shutil.rmtree(folder)
        shutil.copytree(base, folder, symlinks=True)
        log = tmp_path / "moves.log"
        log.unlink(missing_ok=True)
        proc = subprocess.run([sys.executable, "-c", KILLED_NIGHTLY, str(folder / "sources.toml"), str(kill_after)],
                              cwd=REPO, env={**subprocess_env(), "MOVES_LOG": str(log)}, capture_output=True,
                              timeout=300)
        if proc.returncode == 0:
            break  # past the last swap: every kill point has been tried
        assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
        swapped = log.read_text().splitlines()[-1]
        assert list((folder / "curated" / STAGING_DIR).glob(f"*{JOURNAL_SUFFIX}"))  # left half done
        for name in (*TABLES, LEDGER_TABLE):  # every table readable meanwhile
            read_table(folder / "curated" / name)
        night = nightly(config_path=str(folder / "sources.toml"))
        matched = digests(folder / "curated") == reference
        results.append((kill_after, Path(swapped).relative_to(folder / "curated").as_posix(), matched))
        # Recovery ran first and finished the killed publish: nothing new for this night.
        assert night.files == 0, (kill_after, swapped)
        assert diagnose(folder / "curated") == [], (kill_after, swapped)
        assert_no_duplicate_keys(folder / "curated")
    print(f"\nkill points after a swap of a nightly: {len(results)}; matched the reference after the next "
          f"nightly: {sum(m for *_, m in results)}; {results}")
    assert len(results) >= 4 and any(s.startswith(LEDGER_TABLE) for _, s, _ in results)
    assert all(m for *_, m in results)


KILLED_MID_PUBLISH = """
import os, signal, sys
import econ_news.store as store
from econ_news.store import StagedRun, partition_path
import pyarrow as pa
root = sys.argv[1]
schema = pa.schema([("id", pa.string()), ("v", pa.float64())])
run = StagedRun(root, "new")
for name in ("t", "u"):
    run.in_partition(partition_path("2025-11-01", "site")).write_part(name, "0", pa.table({"id": ["new"], "v": [2.0]}, schema=schema))
real_move = store._move_into_place
def move_then_die(a, b):
    real_move(a, b)
    os.kill(os.getpid(), signal.SIGKILL)  # kill -9 right after the first swap
store._move_into_place = move_then_die
run.publish_partitions()
"""


def test_recover_on_a_copy_of_the_root_finishes_the_publish_and_does_not_undo_it(tmp_path):
    root = tmp_path / "root"
    for name in ("t", "u"):
        old = StagedRun(root, f"old-{name}").in_partition(partition_path("2025-11-01", "site"))
        old.write_part(name, "0", pa.table({"id": ["old"], "v": [1.0]}, schema=SCHEMA))
        StagedRun(root, f"old-{name}").publish_partitions()
    proc = subprocess.run([sys.executable, "-c", KILLED_MID_PUBLISH, str(root)], cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert read_table(root / "t").column("id").to_pylist() == ["new"]  # swapped before the kill
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(root), str(copy)], check=True)  # new inodes
    assert recover(copy) == ["new"]
    for name in ("t", "u"):
        assert read_table(copy / name).column("id").to_pylist() == ["new"], name
    assert recover(root) == ["new"]
    for name in ("t", "u"):
        assert read_table(root / name).column("id").to_pylist() == ["new"], name


# ---------------------------------------------------------------------------------------------------
# Item 10: ledger lost and files touched.

def test_a_lost_ledger_and_touched_files_publish_no_duplicates(prefect_server, tmp_path):
    from flows.pipeline import nightly

    config = write_config(tmp_path)
    _add_pages(tmp_path, {**NIGHT1, **NIGHT2})
    nightly(config_path=str(config))
    curated = tmp_path / "curated"
    before = digests(curated)
    shutil.rmtree(curated / LEDGER_TABLE)
    for page in (tmp_path / "pages").iterdir():
        set_day(page, "2025-12-24")  # touched: they would land in a new partition
    night = nightly(config_path=str(config))
    assert_no_duplicate_keys(curated)
    assert night.files == 0
    assert digests(curated) == before  # the ledger is back, each input in the partition it is in
    assert diagnose(curated) == []


# ---------------------------------------------------------------------------------------------------
# Low: journals, truncated files, the lock.

@pytest.mark.parametrize("garbage", ["", "{not json", "[]"])
def test_a_garbage_journal_is_set_aside_and_named_and_publishing_goes_on(tmp_path, caplog, garbage):
    staging = tmp_path / STAGING_DIR
    staging.mkdir(parents=True)
    journal = staging / f"dead{JOURNAL_SUFFIX}"
    journal.write_text(garbage, encoding="utf-8")
    run = StagedRun(tmp_path, "r1").in_partition(partition_path("2025-11-01", "site"))
    run.write_part("t", "0", pa.table({"id": ["a"], "v": [1.0]}, schema=SCHEMA))
    with caplog.at_level(logging.ERROR, logger="econ_news.store"):
        StagedRun(tmp_path, "r1").publish_partitions()
    assert read_table(tmp_path / "t").column("id").to_pylist() == ["a"]
    assert not journal.exists() and journal.with_name(journal.name + ".corrupt").exists()
    assert str(journal) in caplog.text


def test_a_nightly_over_a_truncated_table_file_fails_and_names_it(prefect_server, tmp_path):
    from flows.pipeline import nightly

    config = write_config(tmp_path)
    _add_pages(tmp_path, NIGHT1)
    nightly(config_path=str(config))
    victim = sorted((tmp_path / "curated" / "metrics").rglob("part-*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:100])
    with pytest.raises(Exception, match=victim.name):
        nightly(config_path=str(config))  # nothing new, and still it must not exit 0
    assert any(victim.name in line for line in diagnose(tmp_path / "curated"))


HOLD_LOCK = """
import sys, time
from econ_news.store import publish_lock
with publish_lock(sys.argv[1], holder="run held-by-test"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_held_lock_names_its_holder_and_times_out(tmp_path, monkeypatch):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("ECON_NEWS_LOCK_TIMEOUT", "1")
        run = StagedRun(tmp_path, "waiting").in_partition(partition_path("2025-11-01", "site"))
        run.write_part("t", "0", pa.table({"id": ["a"], "v": [1.0]}, schema=SCHEMA))
        started = time.monotonic()
        with pytest.raises(LockTimeout, match=f"pid={holder.pid} .*run held-by-test"):
            StagedRun(tmp_path, "waiting").publish_partitions()
        assert time.monotonic() - started < 30  # gave up instead of waiting for ever
        assert not (tmp_path / "t").exists()
    finally:
        holder.kill()
        holder.wait()
    with publish_lock(tmp_path, timeout=5):  # the kernel released it with its holder
        pass


def test_a_key_already_in_another_partition_fails_the_publish_and_publishes_nothing(tmp_path):
    from econ_news.store import DuplicateKeys

    day1, day2 = partition_path("2025-11-01", "site"), partition_path("2025-12-24", "site")
    first = StagedRun(tmp_path, "r1").in_partition(day1)
    first.write_part("t", "0", pa.table({"id": ["a", "b"], "v": [1.0, 1.0]}, schema=SCHEMA))
    StagedRun(tmp_path, "r1").publish_partitions({"t": ("id",)}, unique={"t": "id"})
    before = dataset_digest(tmp_path / "t")
    again = StagedRun(tmp_path, "r2").in_partition(day2)  # the same input, processed again under a new date
    again.write_part("t", "0", pa.table({"id": ["b", "c"], "v": [1.0, 1.0]}, schema=SCHEMA))
    with pytest.raises(DuplicateKeys, match="already in .*ingest_date=2025-11-01.*id=b"):
        StagedRun(tmp_path, "r2").publish_partitions({"t": ("id",)}, unique={"t": "id"})
    assert dataset_digest(tmp_path / "t") == before
    # Within the partitions a publish touches, equal keys are merged as before.
    same = StagedRun(tmp_path, "r3").in_partition(day1)
    same.write_part("t", "0", pa.table({"id": ["b"], "v": [2.0]}, schema=SCHEMA))
    StagedRun(tmp_path, "r3").publish_partitions({"t": ("id",)}, unique={"t": "id"})
    assert sorted(read_table(tmp_path / "t").column("id").to_pylist()) == ["a", "b"]


def test_a_web_page_with_a_view_counter_is_counted_once_and_the_raw_store_keeps_every_version(prefect_server,
                                                                                             tmp_path):
    from flows.pipeline import nightly
    from econ_news.sources.rawstore import PAGES_DIR
    from tests.pages_server import PageServer, Route, news_page, sample_article

    title, paragraphs = sample_article(0)
    page = Route()
    with PageServer({"/news/1.html": page}) as site:
        config = tmp_path / "sources.toml"
        config.write_text(f"""
[store]
raw_dir = "raw"
curated_dir = "curated"

[fetch]
timeout_seconds = 2.0
retries = 0
per_host_requests_per_second = 50.0

[[sources]]
name = "site"
kind = "urls"
allow_private = true  # the test site is on 127.0.0.1, which sources must name to be fetched
urls = ["{site.url('/news/1.html')}"]
""", encoding="utf-8")
        counts = []
        for night in (1, 2, 3):
            page.body = news_page(title, [*paragraphs, f"阅读次数：{night * 101}"], "2025-10-12").encode("utf-8")
            nightly(config_path=str(config))
            counts.append({name: read_table(tmp_path / "curated" / name).num_rows for name in KEYS})
    assert counts[0]["articles"] == 1 and counts[0]["projects"] > 0
    assert counts[2] == counts[1] == counts[0]
    landed = [p for p in (tmp_path / "raw" / PAGES_DIR).rglob("*.html")]
    assert len(landed) == 3  # every version kept
    articles = read_table(tmp_path / "curated" / "articles").to_pylist()
    newest = max(landed, key=lambda p: p.stat().st_mtime_ns)
    assert [a["doc_sha256"] for a in articles] == [newest.stem]
    assert list(read_ledger(tmp_path / "curated")) == [newest.stem]
    assert diagnose(tmp_path / "curated") == []
