"""The pipeline flow: wiring only. Every step is a task from tasks/, applied to batches of files."""
from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from prefect import flow
from prefect.artifacts import create_markdown_artifact

from econ_news.fetch import DEFAULT_MAX_FILE_BYTES
from tasks.stages import (check_and_publish, extract, fetch, normalize, scan_sources, segment, stage_rejects,
                          validate_and_stage)

RUNS_DIR = "_runs"


@dataclass
class RunSummary:
    run_id: str
    raw_dir: str
    curated_dir: str
    files: int = 0
    written: dict = field(default_factory=dict)
    quarantined: dict = field(default_factory=dict)
    rejects: dict = field(default_factory=dict)
    expectations: list = field(default_factory=list)  # [table, expectation, column, level, success, unexpected]
    started_at: str = ""
    finished_at: str = ""

    def lines(self) -> list[str]:
        w, q = self.written, self.quarantined
        return [
            f"run {self.run_id}",
            f"files read:        {self.files}",
            f"articles:          {w.get('articles', 0)}",
            f"projects:          {w.get('projects', 0)}",
            f"metrics:           {w.get('metrics', 0)}",
            f"rows quarantined:  {sum(q.values())} {dict(q) if q else ''}".rstrip(),
            f"inputs rejected:   {sum(self.rejects.values())} {dict(self.rejects) if self.rejects else ''}".rstrip(),
            f"output:            {self.curated_dir}/{{articles,projects,metrics,quarantine,rejects}}/",
        ]


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@flow(name="econ-news-run", log_prints=False)
def run_pipeline(raw_dir: str = "data/raw", curated_dir: str = "data/curated", batch_size: int = 200,
                 max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> RunSummary:
    """Read every raw page under raw_dir and publish the articles, projects and metrics tables."""
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    summary = RunSummary(run_id, raw_dir, curated_dir, started_at=datetime.now(timezone.utc).isoformat())
    today = date.today()
    refs, scan_rejects = scan_sources(raw_dir, max_file_bytes)
    summary.files = len(refs) + len(scan_rejects)
    reports = [stage_rejects.submit(scan_rejects, curated_dir, run_id, "scan", today)]
    for index, batch in enumerate(_chunks(refs, max(1, batch_size))):
        fetched = fetch.submit(batch, max_file_bytes)
        normalized = normalize.submit(fetched, max_file_bytes)
        segmented = segment.submit(normalized)
        extracted = extract.submit(segmented)
        reports.append(validate_and_stage.submit(extracted, curated_dir, run_id, f"{index:05d}", today))
    written, quarantined, rejected = Counter(), Counter(), Counter()
    row_outcomes: Counter = Counter()
    for future in reports:
        report = future.result()
        written.update(report.written)
        quarantined.update(report.quarantined)
        rejected.update(report.rejects)
        for o in report.outcomes:
            row_outcomes[(o.table, o.expectation, o.column, o.level)] += o.unexpected_count
    table_outcomes = check_and_publish(curated_dir, run_id, summary.files)
    summary.written, summary.quarantined, summary.rejects = dict(written), dict(quarantined), dict(rejected)
    summary.expectations = [[t, e, c, lvl, n == 0, n] for (t, e, c, lvl), n in sorted(row_outcomes.items())]
    summary.expectations += [[o.table, o.expectation, o.column, o.level, o.success, o.unexpected_count]
                             for o in table_outcomes]
    summary.finished_at = datetime.now(timezone.utc).isoformat()
    _record_run(summary)
    create_markdown_artifact(key="econ-news-run-summary", markdown=_markdown(summary),
                             description="Counts per table and validation outcomes of this run")
    return summary


def _record_run(summary: RunSummary) -> None:
    """Keep a JSON manifest per run beside the tables (in a folder readers of the tables ignore)."""
    runs = Path(summary.curated_dir) / RUNS_DIR
    runs.mkdir(parents=True, exist_ok=True)
    (runs / f"{summary.run_id}.json").write_text(json.dumps(asdict(summary), ensure_ascii=False, indent=2),
                                                 encoding="utf-8")


def _markdown(summary: RunSummary) -> str:
    rows = "\n".join(f"| {t} | {e} | {c or ''} | {lvl} | {'pass' if ok else 'FAIL'} | {n} |"
                     for t, e, c, lvl, ok, n in summary.expectations)
    counts = "\n".join(f"| {name} | {summary.written.get(name, 0)} | {summary.quarantined.get(name, 0)} |"
                       for name in ("articles", "projects", "metrics"))
    rejects = "\n".join(f"| {reason} | {n} |" for reason, n in sorted(summary.rejects.items())) or "| none | 0 |"
    return (f"# econ-news run {summary.run_id}\n\nFiles: {summary.files}; output: `{summary.curated_dir}`\n\n"
            f"| table | rows written | rows quarantined |\n|---|---|---|\n{counts}\n\n"
            f"| rejected input reason | files |\n|---|---|\n{rejects}\n\n"
            f"| table | expectation | column | level | result | unexpected rows |\n|---|---|---|---|---|---|\n{rows}\n")
