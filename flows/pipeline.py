"""The flows: wiring only. Every step is a task from tasks/, applied to batches of files.

- run_pipeline: every file of one folder, and the tables replaced whole (`econ-news run`);
- nightly: fetch the configured sources into the raw store, then process what is new (by content hash)
  and merge it into its partitions (the `nightly` deployment, on a cron schedule);
- backfill: reprocess (or complete) the partitions of a date range and some sources from the raw store,
  offline (the `backfill` deployment, run from the Prefect UI's form).
"""
from __future__ import annotations

import json
import os
import threading
import uuid
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.task_runners import ThreadPoolTaskRunner

from econ_news.fetch import DEFAULT_MAX_FILE_BYTES, DEFAULT_TIMEZONE, today_in
from econ_news.ingest import PartitionWork
from econ_news.sources.config import Config, FetchSettings, load_config
from econ_news.sources.intake import FetchOutcome
from econ_news.sources.web import AddressPolicy, Robots, origin_of
from econ_news.store import open_root
from flows.alerts import emit_if_quarantine_high
from flows.progress import current as current_progress
from flows.runners import build_task_runner
from flows.settings import nightly_timeout_seconds
from tasks.sources import fetch_feed, fetch_page, read_robots, with_retries
from tasks.stages import (check_and_publish, plan_work, process_batch, recover_and_check, scan_folder_work,
                          stage_rejects_and_ledger)

RUNS_DIR = "_runs"
# Batches submitted before the oldest must finish: enough to keep every core busy (two per core, so one
# batch's I/O overlaps another's work), few enough that memory stays flat as the corpus grows.
BATCHES_IN_FLIGHT = 2 * (os.cpu_count() or 2)
# Files per batch task. Validating a batch costs GX about 0.35 s whatever its size; 500 files make that
# under 1 ms a file while a batch in flight stays a few tens of MB.
DEFAULT_BATCH_SIZE = 500


@dataclass
class RunSummary:
    run_id: str
    raw_dir: str
    curated_dir: str
    kind: str = "run"  # run | nightly | backfill
    files: int = 0  # raw inputs processed
    written: dict = field(default_factory=dict)
    quarantined: dict = field(default_factory=dict)
    rejects: dict = field(default_factory=dict)
    partitions: list = field(default_factory=list)  # ingest_date=.../source=... written
    fetched: dict = field(default_factory=dict)  # URLs by fetch outcome
    fetch_problems: list = field(default_factory=list)  # [url, outcome, detail] of URLs not fetched
    expectations: list = field(default_factory=list)  # [table, expectation, column, level, success, unexpected]
    report: str | None = None  # the run's validation report (index.html)
    quarantined_rows: list = field(default_factory=list)  # the first quarantined rows, for the artifact
    stage_seconds: dict = field(default_factory=dict)  # CPU seconds per stage, summed over batches
    started_at: str = ""
    finished_at: str = ""

    def lines(self) -> list[str]:
        w, q = self.written, self.quarantined
        lines = [f"run {self.run_id}" + ("" if self.kind == "run" else f" ({self.kind})")]
        if self.kind == "nightly":
            lines.append(f"urls fetched:      {sum(self.fetched.values())} {dict(sorted(self.fetched.items()))}")
        if self.kind != "run":
            lines.append(f"partitions:        {len(self.partitions)}")
        lines += [
            f"files read:        {self.files}",
            f"articles:          {w.get('articles', 0)}",
            f"projects:          {w.get('projects', 0)}",
            f"metrics:           {w.get('metrics', 0)}",
            f"rows quarantined:  {sum(q.values())} {dict(q) if q else ''}".rstrip(),
            f"inputs rejected:   {sum(self.rejects.values())} {dict(self.rejects) if self.rejects else ''}".rstrip(),
            f"output:            {self.curated_dir}/{{articles,projects,metrics,quarantine,rejects}}/",
        ]
        if self.report:
            lines.append(f"validation report: {self.report}")
        return lines


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _new_summary(kind: str, raw_dir: str, curated_dir: str) -> RunSummary:
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    return RunSummary(run_id, raw_dir, curated_dir, kind, started_at=datetime.now(timezone.utc).isoformat())


@flow(name="econ-news-run", log_prints=False, task_runner=build_task_runner())
def run_pipeline(raw_dir: str = "data/raw", curated_dir: str = "data/curated",
                 batch_size: int = DEFAULT_BATCH_SIZE,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES, allow_empty: bool = False) -> RunSummary:
    """Read every raw page under raw_dir and publish the articles, projects and metrics tables.

    A raw_dir with no input over tables that hold rows is refused (EmptyInputRefused), unless allow_empty.
    """
    summary = _new_summary("run", raw_dir, curated_dir)
    recover_and_check(curated_dir)
    work = scan_folder_work(raw_dir, max_file_bytes, DEFAULT_TIMEZONE, curated_dir, allow_empty)
    _process(work, summary, batch_size, max_file_bytes, "tables")
    return summary


@flow(name="econ-news-nightly", log_prints=False, task_runner=build_task_runner(),
      timeout_seconds=nightly_timeout_seconds())
def nightly(config_path: str = "sources.toml", batch_size: int = DEFAULT_BATCH_SIZE) -> RunSummary:
    """Fetch every configured source into the raw store, then process the raw inputs not yet in the tables.

    Args:
        config_path: the sources file (sources, fetch limits, schedule, raw and curated folders)
        batch_size: raw files per task run
    """
    config = load_config(config_path)
    summary = _new_summary("nightly", str(config.raw_dir), str(config.curated_dir))
    recover_and_check(str(config.curated_dir))  # before the ledger is read, whatever the night brings
    _fetch_sources(config, summary)
    work = plan_work(_folders(config), str(config.raw_dir), str(config.curated_dir), config.fetch.max_bytes,
                     config.timezone, reprocess=False, dates=None, sources=None)
    _process(work, summary, batch_size, config.fetch.max_bytes, "merge", config.timezone)
    return summary


@flow(name="econ-news-backfill", log_prints=False, task_runner=build_task_runner())
def backfill(start_date: date, end_date: date, sources: list[str] | None = None, reprocess: bool = True,
             config_path: str = "sources.toml", batch_size: int = DEFAULT_BATCH_SIZE) -> RunSummary:
    """Rebuild the tables' partitions for raw inputs that landed between two dates, from the raw store.

    Nothing is fetched: a backfill replays what is in the raw store, so it gives the same tables every
    time it is run on the same raw inputs.

    Args:
        start_date: first landing date (ingest_date) to process, inclusive
        end_date: last landing date (ingest_date) to process, inclusive
        sources: names of the sources to process, as in the sources file; empty for all
        reprocess: rebuild these partitions from all their raw inputs (replacing them); off: only add raw
            inputs that are not in the tables yet
        config_path: the sources file
        batch_size: raw files per task run
    """
    config = load_config(config_path)
    if end_date < start_date:
        raise ValueError(f"end_date {end_date} is before start_date {start_date}")
    for name in sources or []:
        config.source(name)  # an unknown name fails here, with the names the file has
    summary = _new_summary("backfill", str(config.raw_dir), str(config.curated_dir))
    recover_and_check(str(config.curated_dir))
    work = plan_work(_folders(config), str(config.raw_dir), str(config.curated_dir), config.fetch.max_bytes,
                     config.timezone, reprocess=reprocess, dates=(start_date, end_date), sources=sources or None)
    _process(work, summary, batch_size, config.fetch.max_bytes, "replace" if reprocess else "merge",
             config.timezone)
    return summary


def _folders(config: Config) -> list[tuple[str, str]]:
    return [(s.name, str(s.path)) for s in config.sources if s.kind == "folder"]


def _fetch_sources(config: Config, summary: RunSummary) -> None:
    """Feeds first (their entries are pages to fetch), then every page; robots.txt once per origin.

    Every fetch runs in this process, on a pool of its own of fetch_workers threads, whatever task runner
    the run's other stages use: one process holds the one per-host limiter, so per_host_concurrency and the
    request rate hold for the whole run (a process pool would give each worker a limiter of its own). This
    is simpler and sturdier than Prefect's global concurrency limits keyed by host (a limit object per
    host on the server, a server round trip per request, slots that outlive a killed run), and fetching is
    waiting on sockets, which threads do well.
    """
    settings, raw_dir, zone = config.fetch, str(config.raw_dir), config.timezone
    web_sources = {s.name: s for s in config.sources if s.kind != "folder"}
    policies = {name: AddressPolicy.of(s.allow_private, s.allowed_hosts) for name, s in web_sources.items()}
    robots: dict[str, Robots] = {}
    outcomes: list[FetchOutcome] = []
    over_cap: list[list] = []  # [feed url, "over_feed_cap", detail] of feeds that listed too many entries
    entries_over_cap = 0
    feed_task, page_task = with_retries(fetch_feed, settings), with_retries(fetch_page, settings)
    with ThreadPoolTaskRunner(max_workers=settings.fetch_workers) as runner:
        feeds = {s.urls[0]: name for name, s in web_sources.items() if s.kind == "feed"}
        _read_robots(runner, feeds, settings, robots, policies)
        feed_runs = [(name, url, runner.submit(feed_task, dict(
            url=url, source=name, settings=settings, robots=robots[origin_of(url)], raw_dir=raw_dir, timezone=zone,
            policy=policies[name], allowed_hosts=web_sources[name].allowed_hosts))) for url, name in feeds.items()]
        pages: dict[str, str] = {}  # url -> source; a URL listed by two sources is fetched once, for the first
        for name, url, future in feed_runs:
            got = _outcome(future, url, name)
            outcomes.append(got)
            outcomes += [FetchOutcome(link, name, "off_source_host",
                                      detail=f"feed {url} lists it; its host is not the feed's nor in allowed_hosts")
                         for link in got.off_source]
            if got.over_cap:
                entries_over_cap += got.over_cap
                over_cap.append([url, "over_feed_cap", f"{got.over_cap} entries past max_feed_entries = "
                                 f"{settings.max_feed_entries}: not fetched tonight"])
            for link in got.links:
                pages.setdefault(link, name)
        for name, source in web_sources.items():
            if source.kind == "urls":
                for url in source.urls:
                    pages.setdefault(url, name)
        _read_robots(runner, pages, settings, robots, policies)
        page_runs = [(url, name, runner.submit(page_task, dict(
            url=url, source=name, settings=settings, robots=robots[origin_of(url)], raw_dir=raw_dir, timezone=zone,
            policy=policies[name]))) for url, name in _host_by_host(pages)]
        outcomes += [_outcome(future, url, name) for url, name, future in page_runs]
    summary.fetched = dict(Counter(o.outcome for o in outcomes))
    if entries_over_cap:
        summary.fetched["over_feed_cap"] = entries_over_cap
    summary.fetch_problems = [[o.url, o.outcome, o.detail] for o in outcomes if not o.ok] + over_cap


def _host_by_host(pages: dict[str, str]) -> list[tuple[str, str]]:
    """The pages in turns, one host after another: the pool's threads are shared among hosts instead of
    all waiting in the queue of the host listed first."""
    queues: dict[str, deque] = {}
    for url, name in pages.items():
        queues.setdefault(origin_of(url), deque()).append((url, name))
    order = []
    while queues:
        for origin in list(queues):
            order.append(queues[origin].popleft())
            if not queues[origin]:
                del queues[origin]
    return order


def _read_robots(runner, urls: dict[str, str], settings: FetchSettings, robots: dict[str, Robots],
                 policies: dict[str, AddressPolicy]) -> None:
    """robots.txt of every origin of urls (url -> source) not read yet, with the address policy of the first
    source that needs it."""
    robots_task = with_retries(read_robots, settings)
    needed: dict[str, str] = {}
    for url, name in urls.items():
        if origin_of(url) not in robots:
            needed.setdefault(origin_of(url), name)
    pending = {origin: runner.submit(robots_task, dict(origin=origin, settings=settings, policy=policies[name]))
               for origin, name in sorted(needed.items())}
    for origin, future in pending.items():
        future.wait()
        # RFC 9309: robots.txt that cannot be had (5xx, timeouts) means stay out of the whole site tonight.
        robots[origin] = future.result() if future.state.is_completed() else Robots(
            origin, None, "robots_unavailable", f"robots.txt of {origin}: {str(future.state.message or '')[:200]}")


def _outcome(future, url: str, source: str) -> FetchOutcome:
    """A fetch task's result; a fetch that failed after its retries is recorded, not raised: one dead
    site must not stop the night."""
    future.wait()
    if future.state.is_completed():
        return future.result()
    return FetchOutcome(url, source, "failed", detail=str(future.state.message or "")[:300])


def _process(work: list[PartitionWork], summary: RunSummary, batch_size: int, max_file_bytes: int,
             mode: str, zone: str = DEFAULT_TIMEZONE) -> None:
    """Process every planned partition's inputs, stage them, check and publish, and record the run.

    zone: the schedule's time zone; "today" (no article from the future) is its date, not the host's."""
    curated_dir, run_id, today = summary.curated_dir, summary.run_id, today_in(zone)
    summary.files = sum(w.inputs for w in work)
    summary.partitions = [w.path for w in work]
    reports = []
    in_flight: deque = deque()  # batches not yet known to be finished
    progress = current_progress()
    progress.start(sum(len(w.refs) for w in work))
    shown: dict = {}  # id of a batch's future -> its progress callback
    for entry in work:
        if not entry.inputs and not entry.ledger:
            # Planned only to retire rows: staging nothing keeps a replacing publish from emptying it.
            continue
        reports.append(stage_rejects_and_ledger.submit(entry, curated_dir, run_id, today))
        for index, batch in enumerate(_chunks(entry.refs, max(1, batch_size))):
            # Stream: a bounded number of batches in memory at once, however large the backfill.
            while len(in_flight) >= BATCHES_IN_FLIGHT:
                in_flight.popleft().wait()
            reports.append(process_batch.submit(batch, max_file_bytes, curated_dir, run_id, entry.path,
                                                f"{index:05d}", today))
            shown[id(reports[-1])] = _progress_of(progress, len(batch))
            reports[-1].add_done_callback(shown[id(reports[-1])])
            in_flight.append(reports[-1])
    written, quarantined, rejected, seconds = Counter(), Counter(), Counter(), Counter()
    row_outcomes: Counter = Counter()
    for future in reports:
        report = future.result()
        if id(future) in shown:
            shown[id(future)](future)  # a done-callback may run just after result() returns: count it now
        written.update(report.written)
        quarantined.update(report.quarantined)
        rejected.update(report.rejects)
        seconds.update(report.seconds)
        for o in report.outcomes:
            row_outcomes[(o.table, o.expectation, o.column, o.level)] += o.unexpected_count
    progress.close()
    # A nightly run with nothing new has nothing to publish: the tables stay exactly as they are.
    # Submitted, not called: on a process pool or Dask it runs in a worker that has GX loaded already,
    # and the flow's own process never imports GX (a few hundred MB on top of the workers').
    retired = {w.path: sorted(w.retired) for w in work if w.retired}
    stale_rejects = {w.path: sorted(map(list, w.stale_rejects)) for w in work if w.stale_rejects}
    published = check_and_publish.submit(curated_dir, run_id, summary.files, mode, retired,
                                         stale_rejects).result() \
        if work or mode == "tables" else None
    if published:
        recover_and_check(curated_dir)  # what this run published reads back
    table_outcomes = published.outcomes if published else []
    if published:
        summary.report, summary.quarantined_rows = published.report, published.quarantined
        seconds.update(published.seconds)
    summary.written, summary.quarantined, summary.rejects = dict(written), dict(quarantined), dict(rejected)
    summary.stage_seconds = {stage: round(s, 3) for stage, s in seconds.items()}
    summary.expectations = [[t, e, c, lvl, n == 0, n] for (t, e, c, lvl), n in sorted(row_outcomes.items())]
    summary.expectations += [[o.table, o.expectation, o.column, o.level, o.success, o.unexpected_count]
                             for o in table_outcomes]
    summary.finished_at = datetime.now(timezone.utc).isoformat()
    _record_run(summary)
    emit_if_quarantine_high(summary)
    create_markdown_artifact(key=f"econ-news-{summary.kind}-summary", markdown=_markdown(summary),
                             description="Counts per table and validation outcomes of this run")


def _progress_of(progress, files: int):
    """A batch's done-callback: its files and articles to the command's progress display, once."""
    counted = threading.Event()

    def done(future) -> None:
        # result(), not state: state may be read from the API before it records the end of the run.
        try:
            report = future.result()
        except Exception:  # noqa: BLE001 - a failed batch: its files are done, with no articles; the run says why
            report = None
        with _PROGRESS_LOCK:
            if counted.is_set():
                return
            counted.set()
        progress.advance(files, report.written.get("articles", 0) if report else 0)
    return done


_PROGRESS_LOCK = threading.Lock()


def _record_run(summary: RunSummary) -> None:
    """Keep a JSON manifest per run beside the tables (in a folder readers of the tables ignore)."""
    open_root(summary.curated_dir).write_text(f"{RUNS_DIR}/{summary.run_id}.json",
                                              json.dumps(asdict(summary), ensure_ascii=False, indent=2))


def _markdown(summary: RunSummary) -> str:
    rows = "\n".join(f"| {t} | {e} | {c or ''} | {lvl} | {'pass' if ok else 'FAIL'} | {n} |"
                     for t, e, c, lvl, ok, n in summary.expectations)
    counts = "\n".join(f"| {name} | {summary.written.get(name, 0)} | {summary.quarantined.get(name, 0)} |"
                       for name in ("articles", "projects", "metrics"))
    rejects = "\n".join(f"| {reason} | {n} |" for reason, n in sorted(summary.rejects.items())) or "| none | 0 |"
    fetched = "\n".join(f"| {outcome} | {n} |" for outcome, n in sorted(summary.fetched.items())) or "| none | 0 |"
    stages = "\n".join(f"| {stage} | {s:.2f} |" for stage, s in summary.stage_seconds.items())
    problems = "\n".join(f"| {url} | {outcome} | {detail} |" for url, outcome, detail in summary.fetch_problems)
    quarantined = "\n".join(f"| {q['table']} | {q['row_key']} | {q['expectation']} | {q['column'] or ''} | "
                            f"{q['value'] or ''} | {q['why'] or ''} |" for q in summary.quarantined_rows)
    sections = [
        f"# econ-news {summary.kind} {summary.run_id}\n\nFiles: {summary.files}; partitions: "
        f"{len(summary.partitions)}; output: `{summary.curated_dir}`",
        f"| fetch outcome | urls |\n|---|---|\n{fetched}",
        f"| url not fetched | outcome | detail |\n|---|---|---|\n{problems}" if problems else "",
        f"| table | rows written | rows quarantined |\n|---|---|---|\n{counts}",
        f"Validation report: `{summary.report}`" if summary.report else "",
        f"| quarantined from | row key | expectation | column | value | why |\n|---|---|---|---|---|---|\n{quarantined}"
        if quarantined else "",
        f"| rejected input reason | files |\n|---|---|\n{rejects}",
        f"| stage | CPU seconds (summed over batches) |\n|---|---|\n{stages}" if stages else "",
        f"| table | expectation | column | level | result | unexpected rows |\n|---|---|---|---|---|---|\n{rows}",
    ]
    return "\n\n".join(s for s in sections if s) + "\n"
