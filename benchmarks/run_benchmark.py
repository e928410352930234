#!/usr/bin/env python3
"""End-to-end benchmark: the real flow against the same stages called without Prefect.

    python benchmarks/run_benchmark.py --articles 2000 20000 [--batch-size 200] [--task-runner process]

For each N it builds a corpus of N pages from the bundled real pages (each one varied: numbers changed,
paragraphs rotated, a unique line added, so neither caching nor de-duplication can skip work), then, each in
a child process so peak memory is measured per mode:
  flow   the real Prefect flow (embedded temporary server, validation, Parquet written), with time per task
         name read back from the Prefect API;
  pure   the same stages as plain function calls in a loop (fetch, normalize, segment, extract, validate,
         stage, publish);
  nightly (when the flow supports incremental runs) the flow again on the unchanged corpus.
  nightly the nightly flow (threads, one core, like pure) on a sources file naming the corpus folder, then
         the nightly again with nothing new (the incremental path: it must find nothing to do, fast).
It prints articles/s, MB/s, peak RSS and time per stage, and the orchestration overhead as a ratio of the
wall times of the one-core flow and the pure loop measured in the same run (machines are shared and
noisy: compare ratios, not seconds).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SOURCE_PAGES = sorted((REPO / "data" / "raw").glob("*.txt"))
DIGITS = re.compile(r"\d+(?:\.\d+)?")


def build_corpus(n: int, out: Path, seed: int = 7) -> int:
    """N varied pages, spread over folders of 1,000 like a real landing zone; returns bytes written."""
    rng = random.Random(seed)
    pages = [p.read_text(encoding="utf-8") for p in SOURCE_PAGES]
    total = 0
    for i in range(n):
        text = pages[i % len(pages)]
        paragraphs = text.split("\n\n")
        head, body = paragraphs[:3], paragraphs[3:]
        if body:
            k = rng.randrange(len(body))
            body = body[k:] + body[:k]
        varied = DIGITS.sub(lambda m: _jitter(m.group(), rng), "\n\n".join(head + body))
        varied += f"\n\n编号 {i:08d}。\n"
        folder = out / f"{i // 1000:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        data = varied.encode("utf-8")
        (folder / f"page_{i:08d}.txt").write_bytes(data)
        total += len(data)
    return total


def _jitter(number: str, rng: random.Random) -> str:
    if len(number) >= 4 and number.startswith(("19", "20")) and "." not in number:
        return number  # keep years, so periods still resolve
    if "." in number:
        whole, frac = number.split(".")
        return f"{max(1, int(whole) + rng.randint(-3, 3))}.{frac}"
    return str(max(1, int(number) + rng.randint(-3, 3)))


# ---------------------------------------------------------------------------------------------------
# The two modes, each run in a child process (python run_benchmark.py --child MODE RAW OUT BATCH RUNNER).

def child_flow(raw: str, out: str, batch_size: int, task_runner: str, nightly_runs: int = 0) -> dict:
    """The run flow (nightly_runs=0) or the nightly flow run nightly_runs times on a sources file naming
    the corpus folder; the figures are the last run's."""
    from flows.settings import configure_environment

    configure_environment()
    from prefect import get_client

    from flows.pipeline import nightly, run_pipeline
    from flows.runners import build_task_runner

    # The embedded Prefect server starts with the process's first flow run (several seconds, once per
    # process); a no-op flow takes that cost before the clock starts, so wall time is per-article work.
    server_started = time.perf_counter()
    _flow_no_op().with_options(name="benchmark-warm-up")()
    server_s = time.perf_counter() - server_started
    runner = build_task_runner(task_runner)
    if nightly_runs:
        config = Path(out).parent / f"{Path(out).name}-sources.toml"
        config.write_text(f'[store]\nraw_dir = "{raw}"\ncurated_dir = "{out}"\n\n'
                          f'[[sources]]\nname = "bench"\nkind = "folder"\npath = "{raw}"\n', encoding="utf-8")
        flow, kwargs = nightly.with_options(task_runner=runner), {"config_path": str(config), "batch_size": batch_size}
        for _ in range(nightly_runs - 1):
            flow(**kwargs)
    else:
        flow = run_pipeline.with_options(task_runner=runner)
        kwargs = {"raw_dir": raw, "curated_dir": out, "batch_size": batch_size}
    started = time.perf_counter()
    state = flow(**kwargs, return_state=True)
    wall = time.perf_counter() - started
    summary = state.result()
    stages: Counter = Counter()
    with get_client(sync_client=True) as client:
        for run in _all_task_runs(client, state.state_details.flow_run_id):
            stages[run.name.rsplit("-", 1)[0]] += run.total_run_time.total_seconds()
    return {"wall_s": wall, "written": summary.written, "stages_s": dict(stages), "peak_rss_mb": _peak_rss_mb(),
            "server_start_s": server_s}


def _no_op() -> None:
    """A flow with nothing to do (see child_flow)."""


def _flow_no_op():
    from prefect import flow

    return flow(_no_op)


def _all_task_runs(client, flow_run_id) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs, offset = [], 0
    while True:
        page = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                                     limit=200, offset=offset)
        runs += page
        if len(page) < 200:
            return runs
        offset += 200


def child_pure(raw: str, out: str, batch_size: int) -> dict:
    from econ_news import pipeline
    from econ_news.curate import check_tables, stage_batch
    from econ_news.fetch import scan_raw_files
    from econ_news.quality import Validator
    from econ_news.store import StagedRun

    timers: Counter = Counter()
    started = time.perf_counter()

    def timed(name, fn, *args):
        t = time.perf_counter()
        value = fn(*args)
        timers[name] += time.perf_counter() - t
        return value

    validator = timed("validate-setup", Validator, REPO / "expectations")
    staged = StagedRun(Path(out), "bench")
    refs, rejects = timed("fetch-manifest", scan_raw_files, raw)
    written: Counter = Counter()
    for index in range(0, len(refs), batch_size):
        batch = refs[index : index + batch_size]
        docs, r1 = timed("fetch", pipeline.fetch_batch, batch)
        normalized, r2 = timed("normalize", pipeline.normalize_batch, docs)
        articles, r3 = timed("segment", pipeline.segment_batch, normalized)
        projects, metrics, r4 = timed("extract", pipeline.extract_batch, articles)
        result = pipeline.BatchResult(articles, projects, metrics, r1 + r2 + r3 + r4)
        report = timed("validate-and-stage", stage_batch, result, staged, validator, f"{index // batch_size:05d}",
                       "bench", date.today())
        written.update(report.written)
    timed("check-and-publish", lambda: (check_tables(staged, validator, len(refs)), staged.publish()))
    return {"wall_s": time.perf_counter() - started, "written": dict(written), "stages_s": dict(timers),
            "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(mode: str, raw: Path, out: Path, batch_size: int, task_runner: str) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, str(raw), str(out), str(batch_size), task_runner]
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started  # including interpreter start and imports
    return result


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, raw, out, batch_size, task_runner = sys.argv[2:7]
        if mode == "pure":
            result = child_pure(raw, out, int(batch_size))
        else:
            result = child_flow(raw, out, int(batch_size), task_runner,
                                nightly_runs={"flow": 0, "nightly": 1, "nightly-again": 2}[mode])
        print(json.dumps(result))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, nargs="+", default=[2000])
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--task-runner", default="process",
                    help="runner of the throughput run: process[:N] | dask | tcp://host:8786 (default: process)")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus and output")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    results = []
    for n in args.articles:
        work = Path(tempfile.mkdtemp(prefix=f"econ-news-bench-{n}-"))
        raw = work / "raw"
        size = build_corpus(n, raw)
        pure = run_child("pure", raw, work / "curated-pure", args.batch_size, "thread")
        one_core = run_child("nightly", raw, work / "curated-nightly", args.batch_size, "thread")
        again = run_child("nightly-again", raw, work / "curated-again", args.batch_size, "thread")
        scaled = run_child("flow", raw, work / "curated-scaled", args.batch_size, args.task_runner)
        row = {"articles": n, "mb": size / 1e6, "task_runner": args.task_runner, "pure": pure,
               "flow_one_core": one_core, "nightly_nothing_new": again, "flow_scaled": scaled,
               "overhead_ratio": one_core["wall_s"] / pure["wall_s"] - 1}
        results.append(row)
        _print(row)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


def _print(row: dict) -> None:
    n, mb = row["articles"], row["mb"]
    print(f"\n== N={n} pages ({mb:.1f} MB)")
    labels = {"pure": "pure loop, 1 core", "flow_one_core": "nightly flow, threads",
              "nightly_nothing_new": "nightly again, nothing new", "flow_scaled": f"run flow, {row['task_runner']}"}
    for mode, label in labels.items():
        r = row[mode]
        articles = n if mode != "nightly_nothing_new" else r["written"].get("articles", 0)
        rate = f"{articles / r['wall_s']:8.1f} articles/s  {mb / r['wall_s']:6.2f} MB/s" if mode != "nightly_nothing_new" \
            else f"{'':>30s}"
        print(f"{label:28s} wall {r['wall_s']:7.1f} s (process {r['process_s']:6.1f} s)  {rate}  "
              f"peak RSS {r['peak_rss_mb']:6.0f} MB  rows {r['written']}")
        stages = "  ".join(f"{k} {v:.1f}s" for k, v in sorted(r["stages_s"].items(), key=lambda kv: -kv[1]))
        print(f"{'':28s} stages: {stages}" + (f"  (embedded server start before the clock: {r['server_start_s']:.1f}s)"
                                                  if "server_start_s" in r else ""))
    print(f"Prefect overhead (one-core flow wall / pure wall - 1): {row['overhead_ratio'] * 100:.1f}%")


if __name__ == "__main__":
    sys.exit(main())
