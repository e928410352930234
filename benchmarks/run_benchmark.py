#!/usr/bin/env python3
"""End-to-end benchmark: the real flow against the same stages called without Prefect.

    python benchmarks/run_benchmark.py --articles 2000 20000 [--batch-size 200] [--task-runner process]

For each N it builds a corpus of N pages from the bundled real pages (each one varied: numbers changed,
paragraphs rotated, a unique line added, so neither caching nor de-duplication can skip work), then runs,
each in a child process so that memory is measured per mode:
  pure      the flow's work as plain calls of the same pure functions, in a loop, on one core (fetch,
            normalize, segment, extract, validate, write, check, publish): the baseline;
  nightly   the real nightly flow (embedded temporary Prefect server, GX validation, Parquet published),
            default thread runner, so on one core like pure: wall(nightly) / wall(pure) - 1 is the
            orchestration overhead, measured in the same run (machines are shared and noisy: compare
            ratios, not seconds);
  again     the nightly once more in a new process on the same folders: nothing is new (the incremental
            path must find that fast);
  run       the run flow on --task-runner (process pool by default, or dask / tcp://...): every core.
It prints articles/s, MB/s, time per stage (summed over batches, from the run summary), and peak memory
two ways: the flow process's own peak RSS, and the peak of the summed RSS of the process and everything
it started (pool or Dask workers, the embedded server), sampled every 0.2 s.
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

def child_flow(raw: str, out: str, batch_size: int, task_runner: str, kind: str) -> dict:
    """kind "run": the run flow over the folder; "nightly": the nightly flow on a sources file naming the
    folder (the second time on the same curated folder, it must find nothing new)."""
    from flows.settings import configure_environment

    configure_environment()
    from flows.pipeline import nightly, run_pipeline
    from flows.runners import build_task_runner

    # The embedded Prefect server starts with the process's first flow run (several seconds, once per
    # process); a no-op flow takes that cost before the clock starts, so wall time is per-article work.
    server_started = time.perf_counter()
    _flow_no_op().with_options(name="benchmark-warm-up")()
    server_s = time.perf_counter() - server_started
    runner = build_task_runner(task_runner)
    if kind == "nightly":
        config = Path(out).parent / f"{Path(out).name}-sources.toml"
        config.write_text(f'[store]\nraw_dir = "{raw}"\ncurated_dir = "{out}"\n\n'
                          f'[[sources]]\nname = "bench"\nkind = "folder"\npath = "{raw}"\n', encoding="utf-8")
        flow, kwargs = nightly.with_options(task_runner=runner), {"config_path": str(config), "batch_size": batch_size}
    else:
        flow = run_pipeline.with_options(task_runner=runner)
        kwargs = {"raw_dir": raw, "curated_dir": out, "batch_size": batch_size}
    started = time.perf_counter()
    summary = flow(**kwargs)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "written": summary.written, "stages_s": summary.stage_seconds,
            "peak_rss_mb": _peak_rss_mb(), "server_start_s": server_s}


def _no_op() -> None:
    """A flow with nothing to do (see child_flow)."""


def _flow_no_op():
    from prefect import flow

    return flow(_no_op)


def child_pure(raw: str, out: str, batch_size: int) -> dict:
    """The flow's work as plain calls: the same pure functions the tasks call, in a loop, on one core."""
    from econ_news import pipeline
    from econ_news.curate import check_tables, stage_batch
    from econ_news.fetch import scan_raw_files
    from econ_news.quality import Validator
    from econ_news.store import StagedRun

    started = time.perf_counter()
    seconds: Counter = Counter()
    with pipeline.timed(seconds, "validate-setup"):
        validator = Validator(REPO / "expectations")
    staged = StagedRun(Path(out), "bench")
    with pipeline.timed(seconds, "fetch-manifest"):
        refs, _ = scan_raw_files(raw)
    written: Counter = Counter()
    for index in range(0, len(refs), batch_size):
        result = pipeline.process_refs(refs[index : index + batch_size])
        report = stage_batch(result, staged, validator, f"{index // batch_size:05d}", "bench", date.today())
        written.update(report.written)
        seconds.update(report.seconds)
    with pipeline.timed(seconds, "check-tables"):
        check_tables(staged, validator, len(refs))
    with pipeline.timed(seconds, "publish"):
        staged.publish()
    return {"wall_s": time.perf_counter() - started, "written": dict(written), "stages_s": dict(seconds),
            "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    """This process's peak resident memory (the flow's own process; workers and the server are measured
    from outside, see run_child)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(mode: str, raw: Path, out: Path, batch_size: int, task_runner: str) -> dict:
    """Run one mode in a child process; besides the child's own figures, sample the summed resident memory
    of the child and all its descendants (process-pool or Dask workers, the embedded Prefect server)."""
    cmd = [sys.executable, __file__, "--child", mode, str(raw), str(out), str(batch_size), task_runner]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, text=True, cwd=REPO)
        tree_peak = _watch_tree_rss(proc)
        stdout.seek(0), stderr.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{mode} run failed:\n{stderr.read()[-4000:]}")
        result = json.loads(stdout.read().strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started  # including interpreter start and imports
    result["tree_peak_rss_mb"] = tree_peak
    return result


def _watch_tree_rss(proc: subprocess.Popen, every_s: float = 0.2) -> float:
    """Wait for proc, sampling the RSS of it and its descendants; returns the peak of their sum in MB."""
    import psutil

    root, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            total = 0
            for p in tree:
                try:
                    total += p.memory_info().rss
                except psutil.Error:  # a worker exiting between the listing and the reading
                    pass
            peak = max(peak, total)
        except psutil.Error:
            pass
        time.sleep(every_s)
    return peak / 2**20


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, raw, out, batch_size, task_runner = sys.argv[2:7]
        if mode == "pure":
            result = child_pure(raw, out, int(batch_size))
        else:
            result = child_flow(raw, out, int(batch_size), task_runner, mode)
        print(json.dumps(result))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, nargs="+", default=[2000])
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--task-runner", default="process",
                    help="runner of the throughput run: process[:N] | dask | tcp://host:8786 (default: process)")
    ap.add_argument("--modes", default="pure,nightly,again,run",
                    help="which runs, comma-separated (default: all four; the overhead needs pure and nightly)")
    ap.add_argument("--keep", action="store_true", help="keep the generated corpus and output")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    results = []
    for n in args.articles:
        work = Path(tempfile.mkdtemp(prefix=f"econ-news-bench-{n}-"))
        raw = work / "raw"
        size = build_corpus(n, raw)
        modes = set(args.modes.split(","))
        row = {"articles": n, "mb": size / 1e6, "task_runner": args.task_runner}
        if "pure" in modes:
            row["pure"] = run_child("pure", raw, work / "curated-pure", args.batch_size, "thread")
        if modes & {"nightly", "again"}:
            row["flow_one_core"] = run_child("nightly", raw, work / "curated-nightly", args.batch_size, "thread")
        if "again" in modes:  # the same nightly on the same folders, in a new process: nothing is new
            row["nightly_nothing_new"] = run_child("nightly", raw, work / "curated-nightly", args.batch_size,
                                                   "thread")
        if "run" in modes:
            row["flow_scaled"] = run_child("run", raw, work / "curated-scaled", args.batch_size, args.task_runner)
        if "pure" in row and "flow_one_core" in row:
            row["overhead_ratio"] = row["flow_one_core"]["wall_s"] / row["pure"]["wall_s"] - 1
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
        if mode not in row:
            continue
        r = row[mode]
        rate = f"{n / r['wall_s']:7.1f} articles/s {mb / r['wall_s']:5.2f} MB/s" if mode != "nightly_nothing_new" \
            else f"{'':>28s}"
        print(f"{label:28s} wall {r['wall_s']:7.1f} s  {rate}  peak RSS {r['peak_rss_mb']:5.0f} MB "
              f"(with children {r['tree_peak_rss_mb']:5.0f} MB)  rows {r['written']}")
        stages = "  ".join(f"{k} {v:.1f}s" for k, v in sorted(r["stages_s"].items(), key=lambda kv: -kv[1]))
        print(f"{'':28s} stages: {stages or '-'}" + (f"  (server start, before the clock: {r['server_start_s']:.1f}s)"
                                                     if "server_start_s" in r else ""))
    if "overhead_ratio" in row:
        print(f"Prefect overhead (one-core nightly wall / pure wall - 1): {row['overhead_ratio'] * 100:.1f}%")


if __name__ == "__main__":
    sys.exit(main())
