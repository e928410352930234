"""The `econ-news` command. Starts fast: Prefect and GX are imported only when a command needs them."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from flows.settings import configure_environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="econ-news", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="process raw pages into curated Parquet tables (one Prefect flow run)")
    run.add_argument("--raw-dir", default="data/raw", help="folder of raw pages, read recursively (default: data/raw)")
    run.add_argument("--curated-dir", default="data/curated",
                     help="output root: a folder, or an fsspec URL such as s3://bucket/prefix (default: data/curated)")
    run.add_argument("--batch-size", type=int, default=500, help="files per task run (default: 500)")
    run.add_argument("--allow-empty", action="store_true",
                     help="publish empty tables when the raw folder holds no input (refused otherwise)")
    doctor = commands.add_parser("doctor", help="check a curated root: readable tables, ledger equal to the "
                                                "tables' inputs, no duplicate keys, no pending publish")
    doctor.add_argument("--curated-dir", default="data/curated", help="the curated root (default: data/curated)")
    doctor.add_argument("--repair", action="store_true",
                        help="finish pending publishes, remove duplicate keys, rewrite the ledger from the tables; "
                             "then check again")
    serve = commands.add_parser("serve", help="register the nightly and backfill deployments on the Prefect server "
                                               "(PREFECT_API_URL) and run their flow runs until stopped")
    nightly = commands.add_parser("nightly", help="fetch the sources and process what is new, once, now")
    backfill = commands.add_parser("backfill", help="reprocess the raw inputs that landed between two dates, now")
    backfill.add_argument("--start", required=True, type=date.fromisoformat, help="first ingest date, YYYY-MM-DD")
    backfill.add_argument("--end", required=True, type=date.fromisoformat, help="last ingest date, YYYY-MM-DD")
    backfill.add_argument("--source", action="append", dest="sources", metavar="NAME",
                          help="a source to process (repeatable; default: all)")
    backfill.add_argument("--no-reprocess", dest="reprocess", action="store_false",
                          help="only add raw inputs that are not in the tables yet")
    for command in (serve, nightly, backfill):
        command.add_argument("--config", default="sources.toml", help="the sources file (default: ./sources.toml)")
    for command in (run, nightly, backfill):
        command.add_argument("--task-runner", default=None, metavar="RUNNER",
                             help="where batch tasks run: thread (default), process[:N], dask (local cluster) or "
                                  "tcp://host:8786 (a Dask scheduler); default from $ECON_NEWS_TASK_RUNNER")
        command.add_argument("--dask-address", dest="task_runner", metavar="tcp://HOST:PORT", type=_dask_address,
                             help="the same as --task-runner tcp://HOST:PORT: run batch tasks on that Dask cluster")
    export = commands.add_parser("export", help="write a table as CSV (UTF-8 with BOM) or xlsx for spreadsheets")
    export.add_argument("--curated-dir", default="data/curated", help="the curated root (default: data/curated)")
    export.add_argument("--table", default="metrics", help="articles, projects, metrics, project_master, "
                        "metric_series, ... (default: metrics)")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv", dest="fmt")
    export.add_argument("--where", help="a DuckDB SQL predicate over the table's columns, e.g. "
                                        "\"indicator = 'gdp' AND period_end >= DATE '2024-01-01'\"")
    export.add_argument("--out", help="the file to write (default: ./<table>.<format>)")
    args = parser.parse_args(argv)

    if args.command == "export":  # no Prefect: DuckDB over the published files
        from econ_news.export import ExportError, export_table

        try:
            path, rows = export_table(args.curated_dir, args.table, args.fmt, args.where, args.out)
        except ExportError as exc:
            parser.exit(2, f"econ-news export: {exc}\n")
        print(f"{rows} rows -> {path}")
        return 0
    configure_environment()
    if args.command == "doctor":
        from econ_news.doctor import doctor_main

        return doctor_main(args.curated_dir, repair=args.repair)
    if args.command == "run":
        from econ_news.ingest import EmptyInputRefused
        from flows.pipeline import run_pipeline

        try:
            summary = _with_runner(run_pipeline, args)(raw_dir=args.raw_dir, curated_dir=args.curated_dir,
                                                       batch_size=args.batch_size, allow_empty=args.allow_empty)
        except EmptyInputRefused as exc:
            print(f"econ-news run: {exc}", file=sys.stderr)
            return 2
    elif args.command == "serve":
        from econ_news.sources.config import load_config
        from flows.deployments import serve_deployments

        serve_deployments(load_config(args.config))
        return 0
    elif args.command == "nightly":
        from flows.pipeline import nightly as nightly_flow

        summary = _with_runner(nightly_flow, args)(config_path=str(Path(args.config).resolve()))
    else:
        from flows.pipeline import backfill as backfill_flow

        summary = _with_runner(backfill_flow, args)(start_date=args.start, end_date=args.end, sources=args.sources,
                                reprocess=args.reprocess, config_path=str(Path(args.config).resolve()))
    print("\n".join(summary.lines()))
    return 0


def _dask_address(value: str) -> str:
    """A scheduler address as Dask prints it (tcp://10.0.0.5:8786), or host:port, read as tcp://host:port."""
    return value if "://" in value else f"tcp://{value}"


def _with_runner(flow, args):
    from flows.runners import build_task_runner

    return flow.with_options(task_runner=build_task_runner(args.task_runner))


if __name__ == "__main__":
    sys.exit(main())
