#!/usr/bin/env python3
"""Measure what reruns do, on real components and nothing beyond loopback:

    python scripts/rerun_figures.py [--keep DIR]

A local news site on 127.0.0.1 (tests/pages_server.py: a GBK page, a page that fails once, one that never
answers in time, a 404, an RSS feed, robots.txt) and the bundled sample pages as a folder source; then

1. the nightly flow, twice: the second run, on unchanged sources, should fetch nothing new (conditional
   requests), process no input and write no row;
2. a backfill of every date, reprocessing, twice: the tables' row counts and content digests (all columns
   but run_id; econ_news.store.dataset_digest) should be identical after each.

Flows run under Prefect's temporary server, or the one at PREFECT_API_URL if set.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TABLES = ("articles", "projects", "metrics", "rejects", "quarantine")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", type=Path, default=None, help="work in this (new) folder and keep it")
    args = ap.parse_args()

    from flows.settings import configure_environment

    configure_environment()
    from econ_news.store import dataset_digest
    from flows.pipeline import backfill, nightly
    from tests.pages_server import start_news_site, write_sources

    work = args.keep or Path(tempfile.mkdtemp(prefix="econ-news-reruns-"))
    work.mkdir(parents=True, exist_ok=True)

    def digests() -> dict:
        return {name: dataset_digest(work / "curated" / name) for name in TABLES}

    def timed(flow, **kwargs):
        started = time.monotonic()
        summary = flow(**kwargs)
        return summary, time.monotonic() - started

    with start_news_site(slow_seconds=3.0) as site:
        config = str(write_sources(work, site.url))
        first, t1 = timed(nightly, config_path=config)
        after_first = digests()
        second, t2 = timed(nightly, config_path=config)
        unchanged = digests() == after_first
    everything = dict(start_date=date(2000, 1, 1), end_date=date(2100, 1, 1), reprocess=True, config_path=config)
    fill1, t3 = timed(backfill, **everything)
    once = digests()
    fill2, t4 = timed(backfill, **everything)
    twice = digests()

    print(f"work folder: {work}")
    print(f"nightly #1: {t1:5.1f} s  fetched {first.fetched}  inputs {first.files}  rows written {first.written}")
    print(f"nightly #2: {t2:5.1f} s  fetched {second.fetched}  inputs {second.files}  "
          f"rows written {sum(second.written.values())}  tables unchanged: {'yes' if unchanged else 'NO'}")
    print(f"backfill #1: {t3:5.1f} s  inputs {fill1.files}  partitions {len(fill1.partitions)}  rows {fill1.written}")
    print(f"backfill #2: {t4:5.1f} s  inputs {fill2.files}  partitions {len(fill2.partitions)}  rows {fill2.written}")
    for name in TABLES:
        (n1, d1), (n2, d2) = once[name], twice[name]
        print(f"  {name:10s} rows {n1:4d} / {n2:4d}  digest {d1[:16]} / {d2[:16]}  {'identical' if (n1, d1) == (n2, d2) else 'DIFFERENT'}")
    ok = unchanged and once == twice and sum(second.written.values()) == 0
    print("reruns are idempotent" if ok else "RERUNS DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
