#!/usr/bin/env python3
"""Time the pure text stages (normalize, segment, extract) per article, and find their hot spots.

    python benchmarks/profile_stages.py [--articles 500] [--repeat 3] [--profile extract] [--top 25]
    python benchmarks/profile_stages.py --compare /tmp/baseline .   # before/after, same corpus, one run
    python benchmarks/profile_stages.py --raw ../shared/corpus/dev/raw tests/adversarial --compare /tmp/baseline .

The corpus is benchmarks.run_benchmark.build_corpus (the bundled pages, each one varied), read into
memory once, so file I/O is not measured. Each stage is timed on its own over the whole corpus; the
best of --repeat runs is reported (the machine is shared: the minimum is the least noisy estimate).

--raw DIR... takes every file under the folders as it is instead (real pages, odd inputs), to check
that a change keeps the rows of pages unlike the bundled ones.
--profile STAGE prints cProfile's top functions (by own time and by cumulative time) for that stage.
--compare ROOT ROOT... times each code root (a checkout holding econ_news/, e.g. one made with
`git worktree add /tmp/baseline HEAD`) in child processes on the same corpus, the roots taking turns
run by run so that a busy spell of the machine hits them alike, prints them side by side, and checks
that every root produced the same rows (a digest of all articles, projects, metrics and rejects): a
speed-up must not change the output.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import hashlib
import json
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAGES = ("normalize", "segment", "extract")


def load_corpus(n: int) -> list[tuple[str, bytes]]:
    """N varied pages as (name, bytes), built once in a temporary folder."""
    sys.path.insert(0, str(REPO))
    from benchmarks.run_benchmark import build_corpus

    with tempfile.TemporaryDirectory(prefix="econ-news-profile-") as work:
        build_corpus(n, Path(work))
        return [(str(p.relative_to(work)), p.read_bytes()) for p in sorted(Path(work).rglob("*.txt"))]


def read_pages(folders: list[Path]) -> list[tuple[str, bytes]]:
    return [(str(p), p.read_bytes()) for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()]


def run_stages(pages: list[tuple[str, bytes]], repeat: int, profile: str | None, top: int) -> dict:
    """Time each stage over the corpus (econ_news is imported from sys.path, i.e. the chosen root)."""
    from econ_news import pipeline
    from econ_news.records import RawDocument

    raw = [RawDocument.from_bytes(name, data) for name, data in pages]
    # Warm-up: reference data, compiled regexes and OpenCC's tables load once per process, not per page.
    outputs = _run_once(pipeline, raw[:5])
    best = {stage: float("inf") for stage in STAGES}
    for _ in range(repeat):
        seconds, outputs = _timed_run(pipeline, raw)
        for stage in STAGES:
            best[stage] = min(best[stage], seconds[stage])
    articles = outputs["articles"]
    if profile:
        _profile(pipeline, raw, profile, top)
    return {
        "pages": len(raw),
        "articles": len(articles),
        "rows": {k: len(v) for k, v in outputs.items()},
        "ms_per_article": {stage: 1000 * best[stage] / max(1, len(articles)) for stage in STAGES},
        "digest": _digest(outputs),
    }


def _run_once(pipeline, raw: list) -> dict:
    normalized, r1 = pipeline.normalize_batch(raw)
    articles, r2 = pipeline.segment_batch(normalized)
    projects, metrics, r3 = pipeline.extract_batch(articles)
    return {"articles": articles, "projects": projects, "metrics": metrics, "rejects": r1 + r2 + r3}


def _timed_run(pipeline, raw: list) -> tuple[dict, dict]:
    seconds = {}
    t = time.perf_counter()
    normalized, r1 = pipeline.normalize_batch(raw)
    seconds["normalize"] = time.perf_counter() - t
    t = time.perf_counter()
    articles, r2 = pipeline.segment_batch(normalized)
    seconds["segment"] = time.perf_counter() - t
    t = time.perf_counter()
    projects, metrics, r3 = pipeline.extract_batch(articles)
    seconds["extract"] = time.perf_counter() - t
    return seconds, {"articles": articles, "projects": projects, "metrics": metrics, "rejects": r1 + r2 + r3}


def _profile(pipeline, raw: list, stage: str, top: int) -> None:
    normalized, _ = pipeline.normalize_batch(raw)
    articles, _ = pipeline.segment_batch(normalized)
    step = {
        "normalize": lambda: pipeline.normalize_batch(raw),
        "segment": lambda: pipeline.segment_batch(normalized),
        "extract": lambda: pipeline.extract_batch(articles),
    }[stage]
    profiler = cProfile.Profile()
    profiler.runcall(step)
    stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs()
    print(f"\n--- {stage}: top {top} by own time", file=sys.stderr)
    stats.sort_stats("tottime").print_stats(top)
    print(f"--- {stage}: top {top} by cumulative time", file=sys.stderr)
    stats.sort_stats("cumulative").print_stats(top)


def _digest(outputs: dict) -> str:
    """One hash of every row, field by field, in order: equal digests mean identical output."""
    h = hashlib.sha256()
    for table in ("articles", "projects", "metrics", "rejects"):
        for row in outputs[table]:
            h.update(repr(dataclasses.astuple(row)).encode("utf-8"))
    return h.hexdigest()[:16]


def _print(label: str, result: dict) -> None:
    ms = result["ms_per_article"]
    total = sum(ms.values())
    stages = "  ".join(f"{stage} {ms[stage]:6.3f}" for stage in STAGES)
    print(f"{label:28s} {stages}  total {total:6.3f} ms/article  "
          f"({result['articles']} articles, rows {result['rows']}, digest {result['digest']})")


def _run_child(root: str, corpus: str, profile: str | None, top: int) -> dict:
    """One timed run of the code under root. The child's own folder (benchmarks/) holds no econ_news,
    so the root it is given is where econ_news comes from."""
    cmd = [sys.executable, __file__, "--child", root, "--corpus", corpus, "--repeat", "1", "--top", str(top)]
    if profile:
        cmd += ["--profile", profile]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
    if proc.returncode != 0:
        raise RuntimeError(f"{root} failed:\n{proc.stderr[-4000:]}")
    sys.stderr.write(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500, help="pages to build (about one article each)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per stage; the best one counts")
    ap.add_argument("--profile", choices=STAGES, help="cProfile this stage (printed to stderr)")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--raw", type=Path, nargs="+", metavar="DIR", help="use the files under these folders")
    ap.add_argument("--compare", nargs="+", metavar="ROOT", help="code roots to time side by side")
    ap.add_argument("--child", metavar="ROOT", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:  # one code root, corpus from the parent, result as JSON on the last stdout line
        sys.path.insert(0, args.child)
        pages = [(name, bytes.fromhex(data)) for name, data in json.loads(args.corpus.read_text())]
        print(json.dumps(run_stages(pages, args.repeat, args.profile, args.top)))
        return 0

    pages = read_pages(args.raw) if args.raw else load_corpus(args.articles)
    print(f"{len(pages)} pages, {sum(len(d) for _, d in pages) / len(pages) / 1000:.1f} KB each on average; "
          f"best of {args.repeat} runs")
    if not args.compare:
        sys.path.insert(0, str(REPO))
        _print(str(REPO), run_stages(pages, args.repeat, args.profile, args.top))
        return 0

    roots = [str(Path(root).resolve()) for root in args.compare]
    best: dict[str, dict] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as corpus:
        json.dump([(name, data.hex()) for name, data in pages], corpus)
        corpus.flush()
        for turn in range(args.repeat):
            for root in roots:
                profile = args.profile if turn == 0 else None
                result = _run_child(root, corpus.name, profile, args.top)
                if root in best:
                    result["ms_per_article"] = {stage: min(ms, best[root]["ms_per_article"][stage])
                                                for stage, ms in result["ms_per_article"].items()}
                best[root] = result
    for root in roots:
        _print(root, best[root])
    digests = {result["digest"] for result in best.values()}
    print("rows identical across roots" if len(digests) == 1 else "ROWS DIFFER between roots")
    return 0 if len(digests) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
