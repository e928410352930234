"""The `econ-news` command. Starts fast: Prefect and GX are imported only when a command needs them.

Exit codes: 0 done; 1 failed (a traceback says why); 2 a usage or configuration error (one line naming the
file and key, before anything starts); 3 the table checks failed, so nothing was published; 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from econ_news.sources.config import ConfigError, load_config
from flows.settings import configure_environment

EXIT_FAILED, EXIT_USAGE, EXIT_GATE, EXIT_INTERRUPTED = 1, 2, 3, 130
# Tracebacks of the failures the command explains itself (a held table gate) are kept off the console.
LOGGING_SETTINGS = Path(__file__).with_name("logging.yml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="econ-news", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
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
                             help="where batch tasks run: thread, process[:N], dask (local cluster) or tcp://host:8786 "
                                  "(a Dask scheduler); default $ECON_NEWS_TASK_RUNNER, else for run and "
                                  "backfill a process per core (threads on one core), for nightly threads")
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
    if args.command == "doctor":  # no Prefect: reads and repairs the files of a curated root
        from econ_news.doctor import doctor_main

        return doctor_main(args.curated_dir, repair=args.repair)
    try:
        config = _checked(args)  # before Prefect starts: a mistake costs a second, not a server start
    except ConfigError as exc:
        print(f"econ-news: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_environment()
    if args.command == "serve":  # a long-running service: Prefect's own console and stop handling
        from flows.deployments import serve_deployments

        serve_deployments(config)
        return 0
    os.environ.setdefault("PREFECT_LOGGING_SETTINGS_PATH", str(LOGGING_SETTINGS))
    if sys.stderr.isatty():
        # The bar is the console's; the logs still go to the Prefect server (the run's page in the UI).
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    from econ_news.quality import TableValidationError
    from flows import progress

    before = progress.current()
    shown = progress.install(progress.for_stream(sys.stderr))
    try:
        return _execute(args, config)
    except ConfigError as exc:  # the file changed under a served run, or a check only a flow can make
        print(f"econ-news: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TableValidationError as exc:
        shown.close()
        print("econ-news: the table checks failed; nothing was published (the tables are as they were):",
              file=sys.stderr)
        for failure in exc.failures:
            print(f"  {failure.table}: {failure.expectation}({failure.column or ''}) {failure.detail}",
                  file=sys.stderr)
        if exc.report:
            print(f"validation report: {exc.report}", file=sys.stderr)
        return EXIT_GATE
    except KeyboardInterrupt:
        print("econ-news: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        shown.close()
        progress.install(before)  # main() called in a process that goes on (a test, a script)


def _checked(args):
    """What can be checked without Prefect; raises ConfigError. Returns the sources file, if the command has one."""
    if args.command == "run":
        if not Path(args.raw_dir).is_dir() and not args.allow_empty:  # a typo, an unmounted share
            raise ConfigError(f"--raw-dir {args.raw_dir}: no such folder; refusing to run "
                              f"(pass --allow-empty to publish empty tables)")
        if args.batch_size < 1:
            raise ConfigError(f"--batch-size {args.batch_size}: must be at least 1")
        return None
    config = load_config(args.config)
    if args.command == "backfill":
        if args.end < args.start:
            raise ConfigError(f"--end {args.end} is before --start {args.start}")
        for name in args.sources or []:
            config.source(name)
    return config


def _execute(args, config) -> int:
    if args.command == "run":
        from econ_news.ingest import EmptyInputRefused
        from flows.pipeline import run_pipeline

        try:
            summary = _with_runner(run_pipeline, args)(raw_dir=args.raw_dir, curated_dir=args.curated_dir,
                                                       batch_size=args.batch_size, allow_empty=args.allow_empty)
        except EmptyInputRefused as exc:
            print(f"econ-news run: {exc}", file=sys.stderr)
            return EXIT_USAGE
    elif args.command == "nightly":
        from flows.pipeline import nightly as nightly_flow

        summary = _with_runner(nightly_flow, args)(config_path=str(config.path))
    else:
        from flows.pipeline import backfill as backfill_flow

        summary = _with_runner(backfill_flow, args)(start_date=args.start, end_date=args.end, sources=args.sources,
                                                    reprocess=args.reprocess, config_path=str(config.path))
    print("\n".join(summary.lines()))
    return 0


def _version() -> str:
    try:
        return version("econ-news")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _dask_address(value: str) -> str:
    """A scheduler address as Dask prints it (tcp://10.0.0.5:8786), or host:port, read as tcp://host:port."""
    return value if "://" in value else f"tcp://{value}"


def _with_runner(flow, args):
    from flows.runners import all_cores_spec, build_task_runner

    # run and backfill are CPU-bound text work: every core unless told otherwise. The nightly fetches too,
    # and its per-host politeness holds within one process: it keeps the flows' default (threads).
    default = all_cores_spec() if args.command in ("run", "backfill") else None
    return flow.with_options(task_runner=build_task_runner(args.task_runner or default))


if __name__ == "__main__":
    sys.exit(main())
