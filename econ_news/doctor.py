"""`econ-news doctor`: check a curated root, and repair what recovery can.

Healthy means: no publish left half done (no journal in the staging folder), every published Parquet file
readable, no key twice in a table (across all its partitions), and the ledger listing exactly the raw
inputs the tables hold rows of (articles' documents, quarantined articles' documents, rejected inputs), each
in the partition the tables have it in. A problem is reported on one line.

``--repair``: rolls pending publishes forward (and removes journals set aside as corrupt), removes duplicate
keys (the row in the first partition, in path order, stays), rewrites the ledger partitions that disagree
with the tables (an input the ledger lists but the tables hold nothing of is dropped from it, so the next
nightly processes it again), and checks again. An unreadable file is not repaired: it is reported, for a
backfill or a restore to replace.
"""
from __future__ import annotations

import sys
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from econ_news.ingest import LEDGER_SCHEMA, LEDGER_TABLE, MERGE_KEYS, inputs_in_tables, read_ledger
from econ_news.store import (JOURNAL_SUFFIX, PARTITION_KEYS, STAGING_DIR, StagedRun, join, open_root,
                             partition_path, read_columns, recover, table_names, unreadable_files)

# Problems of one kind shown one per line; beyond this, one line says how many more.
SHOWN_PER_KIND = 20
# Tables whose key is one column: duplicates there are found and removed by that column.
SINGLE_KEYS = {table: keys[0] for table, keys in MERGE_KEYS.items() if len(keys) == 1}


def diagnose(root: str | Path) -> list[str]:
    """One line per problem; empty when the root is healthy."""
    curated = open_root(root)
    problems: list[str] = []
    staging = curated.work_dir / STAGING_DIR
    if staging.exists():
        problems += [f"pending publish: {j} (run {j.name[: -len(JOURNAL_SUFFIX)]}); `--repair` rolls it forward"
                     for j in sorted(staging.glob(f"*{JOURNAL_SUFFIX}"))]
        problems += [f"corrupt publish journal set aside: {j}"
                     for j in sorted(staging.glob(f"*{JOURNAL_SUFFIX}.corrupt"))]
    unreadable = unreadable_files(curated)
    problems += [f"unreadable file: {line}" for line in unreadable]
    if unreadable:
        return problems  # the checks below read the tables
    for table, column in sorted(_duplicates(curated).items()):
        problems += _capped(f"duplicate key in {table}", column)
    problems += _ledger_problems(curated)
    return problems


def _duplicates(curated) -> dict[str, list[str]]:
    """table -> 'key: partitions' for every key found more than once in the table."""
    found = {}
    for table in table_names(curated):
        keys = MERGE_KEYS.get(table)
        if not keys:
            continue
        got = _read(curated, table, [*keys, *PARTITION_KEYS])
        where = defaultdict(list)
        for row in zip(*(got.column(c).to_pylist() for c in [*keys, *PARTITION_KEYS])):
            where[row[: len(keys)]].append(partition_path(str(row[-2]), str(row[-1])))
        dups = [f"{'/'.join(map(str, key))} in {', '.join(sorted(parts))}"
                for key, parts in sorted(where.items(), key=str) if len(parts) > 1]
        if dups:
            found[table] = dups
    return found


def _read(curated, table: str, columns: list[str]) -> pa.Table:
    return read_columns(join(curated.location, table), columns)


def _ledger_problems(curated) -> list[str]:
    listed, held = read_ledger(curated.location), inputs_in_tables(curated.location)
    lacks = [f"{sha} ({uri}) held in {partition_path(day, source)}"
             for sha, (day, source, uri) in sorted(held.items()) if sha not in listed]
    extra = [f"{sha} ({uri}) in {partition_path(day, source)}"
             for sha, (day, source, uri) in sorted(listed.items()) if sha not in held]
    moved = [f"{sha}: ledger {partition_path(*listed[sha][:2])}, tables {partition_path(*held[sha][:2])}"
             for sha in sorted(held.keys() & listed.keys()) if listed[sha][:2] != held[sha][:2]]
    return (_capped("ledger lacks an input the tables hold", lacks)
            + _capped("ledger lists an input the tables hold no row of", extra)
            + _capped("ledger puts an input in another partition than the tables", moved))


def _capped(kind: str, items: list[str]) -> list[str]:
    lines = [f"{kind}: {item}" for item in items[:SHOWN_PER_KIND]]
    if len(items) > SHOWN_PER_KIND:
        lines.append(f"{kind}: ... and {len(items) - SHOWN_PER_KIND} more")
    return lines


def repair_root(root: str | Path) -> list[str]:
    """Apply what can be repaired; returns what was done, one line each."""
    curated = open_root(root)
    done = [f"rolled forward the publish of run {run}" for run in recover(curated)]
    staging = curated.work_dir / STAGING_DIR
    for journal in sorted(staging.glob(f"*{JOURNAL_SUFFIX}.corrupt")) if staging.exists() else []:
        journal.unlink()  # nothing was applied from it (see store._read_journal)
        done.append(f"removed the corrupt publish journal {journal}")
    if unreadable_files(curated):
        return done
    run_id = "doctor-" + datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:8]
    retire: dict[str, dict[str, tuple[str, frozenset]]] = defaultdict(dict)
    for table, column in SINGLE_KEYS.items():
        if table not in table_names(curated):
            continue
        got = _read(curated, table, [column, *PARTITION_KEYS])
        where = defaultdict(set)
        for key, day, source in zip(*(got.column(c).to_pylist() for c in (column, *PARTITION_KEYS))):
            where[key].add(partition_path(str(day), str(source)))
        extra = defaultdict(set)
        for key, parts in where.items():
            for partition in sorted(parts)[1:]:
                extra[partition].add(key)
        for partition, keys in extra.items():
            retire[partition][table] = (column, frozenset(keys))
            done.append(f"removed {len(keys)} duplicate {table} key(s) from {partition}")
    if retire:
        StagedRun(curated, run_id).publish_partitions(MERGE_KEYS, dict(retire))
        run_id += "-ledger"
    listed, held = read_ledger(curated.location), inputs_in_tables(curated.location)
    by_partition: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for sha, (day, source, uri) in held.items():
        by_partition[(day, source)][sha] = uri
    listed_by_partition: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for sha, (day, source, uri) in listed.items():
        listed_by_partition[(day, source)][sha] = uri
    staged = StagedRun(curated, run_id)
    rewritten = []
    for key in sorted(by_partition.keys() | listed_by_partition.keys()):
        if set(by_partition[key]) == set(listed_by_partition[key]):
            continue
        rows = sorted(by_partition[key].items())
        part = staged.in_partition(partition_path(*key))
        part.write_part(LEDGER_TABLE, "ledger", pa.table(
            {"sha256": [s for s, _ in rows], "source_uri": [u for _, u in rows], "run_id": [run_id] * len(rows)},
            schema=LEDGER_SCHEMA))
        part.ensure_schema_files({LEDGER_TABLE: LEDGER_SCHEMA})
        rewritten.append(partition_path(*key))
    if rewritten:
        staged.publish_partitions(None)
        done.append(f"rewrote the ledger of {len(rewritten)} partition(s) from the tables: {', '.join(rewritten[:5])}"
                    + (" ..." if len(rewritten) > 5 else ""))
    return done


def doctor_main(root: str, repair: bool = False) -> int:
    """The command: exit 0 when healthy, 1 with one line per problem on stdout otherwise."""
    if repair:
        for line in repair_root(root):
            print(f"repaired: {line}")
    problems = diagnose(root)
    for line in problems:
        print(line)
    if problems:
        print(f"{root}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{root}: healthy")
    return 0
