"""Flat exports of a curated table for spreadsheet users: CSV (UTF-8 with a BOM, so Excel shows Chinese) or
xlsx (openpyxl), optionally filtered by a DuckDB SQL predicate (``--where "indicator = 'gdp'"``).

Tables are read through the catalog (econ_news.duckdb, so metric_series, project_master and the lookups are
there too) when it exists, else straight from the Parquet folder. Rows stream: memory holds one batch.
"""
from __future__ import annotations

import csv
import json
import os
import uuid
from datetime import date, datetime
from pathlib import Path

from econ_news.catalog import CATALOG_FILE, PARQUET_TABLES

FORMATS = ("csv", "xlsx")
BATCH_ROWS = 10_000
XLSX_MAX_ROWS = 1_048_575  # a sheet's rows, less the header


class ExportError(ValueError):
    """The export cannot be made as asked (unknown table, bad predicate, too many rows for a sheet)."""


def export_table(curated_dir: str | os.PathLike, table: str, fmt: str, where: str | None = None,
                 out: str | os.PathLike | None = None) -> tuple[Path, int]:
    """Write table (filtered by the SQL predicate where) to out (default ./<table>.<fmt>); returns
    (path, rows written). The file appears whole or not at all."""
    import duckdb

    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r} is not one of {FORMATS}")
    root = Path(curated_dir)
    target = Path(out) if out else Path(f"{table}.{fmt}")
    con = _connect(duckdb, root, table)
    sql = f'SELECT * FROM "{table}"' + (f" WHERE ({where})" if where else "")
    try:
        cursor = con.execute(sql)
    except duckdb.Error as exc:
        raise ExportError(f"cannot select from {table} where {where!r}: {exc}") from exc
    columns = [d[0] for d in cursor.description]
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        rows = (_write_csv if fmt == "csv" else _write_xlsx)(cursor, columns, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        con.close()
    return target, rows


def _connect(duckdb, root: Path, table: str):
    catalog = root / CATALOG_FILE
    if catalog.exists():
        con = duckdb.connect(str(catalog), read_only=True)
        names = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        if table not in names:
            con.close()
            raise ExportError(f"no table {table!r} in {catalog}; tables: {', '.join(sorted(names))}")
        return con
    if table not in PARQUET_TABLES or not (root / table).is_dir():
        raise ExportError(f"no table {table!r} under {root} (and no {CATALOG_FILE} there)")
    con = duckdb.connect()
    glob = (root / table).resolve().as_posix().replace("'", "''") + "/**/*.parquet"
    con.execute(f"CREATE VIEW \"{table}\" AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
                "union_by_name = true)")
    return con


def _batches(cursor):
    while True:
        rows = cursor.fetchmany(BATCH_ROWS)
        if not rows:
            return
        yield rows


def _flat(value):
    """A cell: lists and structs as JSON (article_ids, aliases), dates as they are."""
    if isinstance(value, (list, dict, tuple)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _write_csv(cursor, columns: list[str], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # utf-8-sig: the BOM Excel needs
        writer = csv.writer(f)
        writer.writerow(columns)
        for rows in _batches(cursor):
            writer.writerows([[_csv_cell(v) for v in row] for row in rows])
            count += len(rows)
    return count


def _csv_cell(value):
    value = _flat(value)
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def _write_xlsx(cursor, columns: list[str], path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.freeze_panes = "A2"
    sheet.append(columns)
    count = 0
    for rows in _batches(cursor):
        count += len(rows)
        if count > XLSX_MAX_ROWS:
            raise ExportError(f"more than {XLSX_MAX_ROWS:,} rows do not fit a sheet: export as csv, or narrow --where")
        for row in rows:
            cells = []
            for value in row:
                value = _flat(value)
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters Excel refuses
                cells.append(value)
            sheet.append(cells)
    book.save(path)
    return count
