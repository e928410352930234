"""The nightly and backfill flows on real components: pages fetched from a real HTTP server on 127.0.0.1,
the flows under a real (temporary) Prefect server, real Parquet read back by pyarrow, pandas and DuckDB;
and a real `econ-news run` process killed with SIGKILL while it writes."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from econ_news.ingest import LEDGER_TABLE
from econ_news.sources.rawstore import PAGES_DIR, read_sidecar
from econ_news.store import STAGING_DIR, dataset_digest, read_table
from tests.conftest import REPO, SAMPLE_RAW
from tests.pages_server import FOOTER, NAV, start_news_site, write_sources

TABLES = ("articles", "projects", "metrics", "rejects", "quarantine")


def table_digests(curated: Path) -> dict[str, tuple[int, str]]:
    return {name: dataset_digest(curated / name) for name in TABLES}


@pytest.fixture(scope="module")
def site():
    with start_news_site(slow_seconds=3.0) as server:
        yield server


@pytest.fixture(scope="module")
def first_night(prefect_server, site, tmp_path_factory):
    from flows.pipeline import nightly

    folder = tmp_path_factory.mktemp("ops")
    config = write_sources(folder, site.url)
    summary = nightly(config_path=str(config))
    return folder, config, summary


def test_nightly_fetches_every_kind_of_page_and_processes_them(first_night, site):
    folder, _, summary = first_night
    # gbk, flaky (after one 500), the feed's item, and the feed itself landed; the rest are answers.
    assert summary.fetched == {"landed": 4, "failed": 1, "http_error": 1, "disallowed": 1}
    problems = {url.rsplit("/", 1)[-1]: outcome for url, outcome, _ in summary.fetch_problems}
    assert problems == {"slow.html": "failed", "gone.html": "http_error", "secret.html": "disallowed"}
    assert site.hits["/news/flaky.html"] == 2  # a 500, then the retry's 200
    assert site.hits["/news/slow.html"] == 3  # timed out three times: the first try and two retries
    assert site.hits["/private/secret.html"] == 0  # robots.txt said no
    assert site.hits["/news/gone.html"] == 1  # a 404 is an answer, not retried

    articles = read_table(folder / "curated" / "articles").to_pandas()
    by_source = articles.groupby("source")["source_uri"].apply(set).to_dict()
    assert by_source["zhangye"] == {site.url("/news/gbk.html"), site.url("/news/flaky.html")}
    assert by_source["zhangye_feed"] == {site.url("/news/feed-item.html")}
    assert len(by_source["samples"]) == 5
    gbk = articles[articles["source_uri"] == site.url("/news/gbk.html")].iloc[0]
    assert gbk["title"] == "张掖经开区:打造高质量发展强引擎" and str(gbk["published_date"]) == "2025-10-12"
    assert NAV not in gbk["text"] and FOOTER not in gbk["text"]
    # Every fetched article's raw bytes are in the store, with the sidecar that names its URL.
    for row in articles[articles["source"] != "samples"].itertuples():
        landed = next((folder / "raw" / PAGES_DIR).rglob(f"{row.doc_sha256}.html"))
        assert read_sidecar(landed)["final_url"] == row.source_uri
    metrics = read_table(folder / "curated" / "metrics").to_pandas()
    assert set(metrics["article_id"]) & set(articles.loc[articles["source"] == "zhangye", "article_id"])


def test_tables_read_as_one_table_each_in_every_reader(first_night):
    folder, _, _ = first_night
    for name in TABLES:
        path = folder / "curated" / name
        n_duckdb = duckdb.sql(f"select count(*) from read_parquet('{path}/**/*.parquet', hive_partitioning=1)"
                              ).fetchall()[0][0]
        assert len(pd.read_parquet(path)) == n_duckdb == read_table(path).num_rows


def test_a_second_night_on_unchanged_sources_writes_nothing(first_night, site):
    from flows.pipeline import nightly

    folder, config, _ = first_night
    before = table_digests(folder / "curated")
    not_modified_before = sum(site.not_modified.values())
    started = time.monotonic()
    again = nightly(config_path=str(config))
    elapsed = time.monotonic() - started
    assert again.files == 0 and again.written == {} and again.partitions == []
    assert again.fetched["not_modified"] == 4  # conditional requests: the feed and three pages
    assert sum(site.not_modified.values()) - not_modified_before == 4
    assert table_digests(folder / "curated") == before
    print(f"second nightly on unchanged sources: {elapsed:.1f} s, 0 rows written")


def test_backfill_twice_gives_identical_tables_and_no_duplicates(first_night):
    from flows.pipeline import backfill

    folder, config, _ = first_night
    nightly_digests = table_digests(folder / "curated")
    today = date.fromisoformat(max(read_table(folder / "curated" / "articles").column("ingest_date").to_pylist()))
    first = backfill(start_date=date(2000, 1, 1), end_date=today, reprocess=True, config_path=str(config))
    once = table_digests(folder / "curated")
    second = backfill(start_date=date(2000, 1, 1), end_date=today, reprocess=True, config_path=str(config))
    twice = table_digests(folder / "curated")
    assert once == twice == nightly_digests  # row counts and content (all but run_id) identical
    assert first.written == second.written and first.files == second.files == 8
    for name, key in (("articles", "article_id"), ("projects", "project_id"), ("metrics", "metric_id")):
        assert read_table(folder / "curated" / name).to_pandas()[key].is_unique


def test_backfill_of_one_source_rewrites_only_its_partitions(first_night):
    from flows.pipeline import backfill

    folder, config, _ = first_night
    curated = folder / "curated"
    files = {p: p.stat().st_ino for p in curated.rglob("*.parquet") if STAGING_DIR not in p.parts}
    summary = backfill(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1), sources=["zhangye"],
                       reprocess=True, config_path=str(config))
    assert summary.partitions and all(p.endswith("source=zhangye") for p in summary.partitions)
    after = {p: p.stat().st_ino for p in curated.rglob("*.parquet") if STAGING_DIR not in p.parts}
    changed = {p for p in files.keys() | after.keys() if files.get(p) != after.get(p)}
    assert changed and all("source=zhangye" in p.parts[-2] for p in changed)


def test_backfill_without_reprocess_adds_only_what_is_missing(first_night):
    from flows.pipeline import backfill

    folder, config, _ = first_night
    before = table_digests(folder / "curated")
    summary = backfill(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1), reprocess=False,
                       config_path=str(config))
    assert summary.files == 0 and table_digests(folder / "curated") == before


def test_unknown_source_or_reversed_dates_fail_before_any_work(first_night):
    from flows.pipeline import backfill

    _, config, _ = first_night
    with pytest.raises(Exception, match="no source named 'nope'"):
        backfill(start_date=date(2025, 1, 1), end_date=date(2025, 1, 2), sources=["nope"], config_path=str(config))
    with pytest.raises(Exception, match="before start_date"):
        backfill(start_date=date(2025, 1, 2), end_date=date(2025, 1, 1), config_path=str(config))


def test_a_night_whose_only_new_input_yields_no_article_publishes_its_reject(first_night):
    from flows.pipeline import nightly

    folder, config, _ = first_night
    stray = folder / "samples" / "scan.png"
    stray.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    night = nightly(config_path=str(config))
    assert night.files == 1 and sum(night.rejects.values()) == 1 and night.written["articles"] == 0
    rejects = read_table(folder / "curated" / "rejects").to_pandas()
    assert rejects["source_uri"].str.endswith("scan.png").sum() == 1
    assert nightly(config_path=str(config)).files == 0  # in the ledger now: not read again


def test_kill_9_while_a_run_writes_leaves_the_previous_tables_whole(prefect_server, tmp_path):
    """A real `econ-news run` process, killed with SIGKILL as soon as its first part file is staged."""
    from prefect.settings import PREFECT_API_URL

    from flows.pipeline import run_pipeline

    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    curated = tmp_path / "curated"
    run_pipeline(raw_dir=str(raw), curated_dir=str(curated))
    published = table_digests(curated)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PREFECT_API_URL": PREFECT_API_URL.value()}
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(raw), "--curated-dir",
                             str(curated), "--batch-size", "1"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any((curated / STAGING_DIR).rglob("part-*.parquet")) and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never staged a part file"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    assert table_digests(curated) == published  # the killed run left the published tables as they were
    run_pipeline(raw_dir=str(raw), curated_dir=str(curated))  # the next run goes through
    assert table_digests(curated) == published
    assert read_table(curated / LEDGER_TABLE).num_rows == 5
