#!/usr/bin/env python3
"""Run the pipeline's pure stages (with validation, no Prefect) on a corpus split and score it against gold.

    python scripts/score_corpus.py seeds dev [--show-errors] [--out /tmp/curated]
    python scripts/score_corpus.py --raw DIR --gold DIR [--show-errors]   # any folder of pages with its gold

For each split: ../shared/corpus/<split>/raw -> <out>/<split>/ (articles, projects, metrics, quarantine,
rejects), then ../shared/eval/score.py against ../shared/corpus/<split>/gold.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# ../shared beside the checkout; a worktree one level deeper (wt/<name>) finds it further up.
SHARED = next((p / "shared" for p in REPO.parents if (p / "shared" / "eval" / "score.py").is_file()), REPO.parent / "shared")


def build_curated(raw_dir: Path, out: Path) -> dict:
    from econ_news.curate import curate_folder
    from econ_news.fetch import DEFAULT_TIMEZONE, today_in
    from econ_news.quality import Validator

    # "today" (no article from the future) in the papers' calendar, as the flows count it
    report = curate_folder(raw_dir, out, Validator(REPO / "expectations"), "score", today_in(DEFAULT_TIMEZONE))
    return {"written": dict(report.written), "quarantined": dict(report.quarantined), "rejects": dict(report.rejects)}


def load_scorer():
    spec = importlib.util.spec_from_file_location("score", SHARED / "eval" / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("splits", nargs="*")
    ap.add_argument("--raw", type=Path, default=None, help="score this folder of pages (with --gold) as split 'raw'")
    ap.add_argument("--gold", type=Path, default=None, help="gold folder for --raw")
    ap.add_argument("--show-errors", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="write all results here")
    args = ap.parse_args()
    if (args.raw is None) != (args.gold is None) or not (args.splits or args.raw):
        ap.error("give split names, or --raw DIR with --gold DIR")
    out_root = args.out or Path(tempfile.mkdtemp(prefix="econ-news-score-"))
    scorer = load_scorer()
    results = {}
    inputs = [(split, SHARED / "corpus" / split / "raw", SHARED / "corpus" / split / "gold") for split in args.splits]
    if args.raw is not None:
        inputs.append((args.raw.resolve().name, args.raw, args.gold))
    for split, raw_dir, gold_dir in inputs:
        counts = build_curated(raw_dir, out_root / split)
        res = scorer.score(out_root / split, gold_dir, args.show_errors)
        results[split] = {"counts": counts, "score": res}
        print(f"== {split}: {counts}  (tables in {out_root / split})")
        for table in ("articles", "projects", "metrics"):
            r = res[table]
            extras = " ".join(f"{k}={v}" for k, v in r.items() if k.endswith("_accuracy"))
            print(f"{table:9s} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f} "
                  f"(tp={r['tp']} pred={r['pred']} gold={r['gold']}) {extras}")
        for e in res.get("errors", []):
            print("  " + e)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
