#!/usr/bin/env python3
"""Print a content digest of every table the pure stages write, per corpus: equal output means the code
change kept every row.

    python scripts/table_digests.py [--pages 300] [--work DIR]

Corpora: ../shared/corpus/{seeds,dev,dev2}/raw, tests/adversarial and the benchmark's generated pages
(benchmarks.run_benchmark.build_corpus, --pages of them). Each goes through fetch, normalize, segment,
extract, validation and publish exactly as scripts/score_corpus.py does, with a fixed ingest date, and
each table's digest is store.dataset_digest (row order, part files and run id left out).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# ../shared beside the checkout; a worktree one level deeper (wt/<name>) finds it further up.
SHARED = next((p / "shared" for p in REPO.parents if (p / "shared" / "corpus").is_dir()), REPO.parent / "shared")
# The date the rows are staged under (and "today" for the date checks): fixed, so that runs on different
# days give the same digests.
INGEST_DATE = date(2026, 1, 1)
TABLES = ("articles", "projects", "metrics", "quarantine", "rejects")


def build_tables(raw_dir: Path, out: Path) -> None:
    from econ_news.curate import curate_folder
    from econ_news.quality import Validator

    curate_folder(raw_dir, out, Validator(REPO / "expectations"), "digest", INGEST_DATE)


def corpora(work: Path, pages: int) -> dict[str, Path]:
    from benchmarks.run_benchmark import build_corpus

    found = {split: SHARED / "corpus" / split / "raw" for split in ("seeds", "dev", "dev2")}
    missing = [str(path) for path in found.values() if not path.is_dir()]
    if missing:
        raise SystemExit(f"corpus not found: {', '.join(missing)}")
    found["adversarial"] = REPO / "tests" / "adversarial"
    generated = work / "generated"
    build_corpus(pages, generated)
    found[f"generated{pages}"] = generated
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=300, help="pages of the generated corpus")
    # Articles keep their source path, so the generated pages are written to the same place every time.
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "econ-news-table-digests",
                    help="folder for the generated pages and the tables (emptied first)")
    args = ap.parse_args()

    from econ_news.store import dataset_digest

    shutil.rmtree(args.work, ignore_errors=True)
    for name, raw in corpora(args.work, args.pages).items():
        out = args.work / "curated" / name
        build_tables(raw, out)
        for table in TABLES:
            rows, digest = dataset_digest(out / table)
            print(f"{name:14s} {table:11s} {rows:6d} {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
