"""The `econ-news` command. Starts fast: Prefect and GX are imported only when a command needs them."""
from __future__ import annotations

import argparse
import sys

from flows.settings import configure_environment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="econ-news", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="process raw pages into curated Parquet tables (one Prefect flow run)")
    run.add_argument("--raw-dir", default="data/raw", help="folder of raw pages, read recursively (default: data/raw)")
    run.add_argument("--curated-dir", default="data/curated", help="output root (default: data/curated)")
    run.add_argument("--batch-size", type=int, default=200, help="files per task run (default: 200)")
    args = parser.parse_args(argv)

    configure_environment()
    if args.command == "run":
        from flows.pipeline import run_pipeline

        summary = run_pipeline(raw_dir=args.raw_dir, curated_dir=args.curated_dir, batch_size=args.batch_size)
        print("\n".join(summary.lines()))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
