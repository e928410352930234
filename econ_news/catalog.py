"""What analysts open beside the tables, written at publish time from the published tables:

- ``project_master/`` and ``project_events/``: the projects linked across articles (econ_news/linking.py),
  as Parquet beside the other tables, with ids kept from the last publish;
- ``econ_news.duckdb``: a DuckDB catalog of views over the Parquet (not copies), the lookup tables
  ``indicators``, ``divisions`` and ``statuses``, the view ``metric_series``, and a COMMENT on every table,
  view and column;
- ``_docs/dictionary.md`` and ``_docs/index.html``: the data dictionary.

Every description comes from one file, econ_news/reference/columns.json. Each output is written under a
temporary name and renamed into place, so a reader sees the old file or the new one. The views name the
Parquet folders by absolute path (DuckDB would resolve a relative path against the reader's working
directory, not against the catalog): after moving the curated folder, write the catalog again with
``python -m econ_news.catalog DIR``.

Only a plain local curated root gets these (a URL root is skipped with a log line).
"""
from __future__ import annotations

import csv
import html
import logging
import os
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from econ_news.dictionary import describe, dictionary, with_descriptions
from econ_news.linking import ProjectMention, article_place, link
from econ_news.records import CONTRACT_COLUMNS, CONTRACT_INDICATORS, SCHEMAS, STATUS_CODES
from econ_news.reference import load_json, read_text

CATALOG_FILE = "econ_news.duckdb"
DOCS_DIR = "_docs"
PARQUET_TABLES = ("articles", "projects", "metrics", "quarantine", "rejects")
log = logging.getLogger(__name__)

PROJECT_MASTER_SCHEMA = pa.schema([
    ("master_id", pa.string()), ("canonical_name", pa.string()), ("aliases", pa.list_(pa.string())),
    ("company", pa.string()), ("place_code", pa.string()), ("place_name", pa.string()),
    ("investment_cny", pa.float64()), ("status", pa.string()), ("status_date", pa.date32()),
    ("first_seen", pa.date32()), ("last_seen", pa.date32()), ("article_ids", pa.list_(pa.string())),
    ("n_articles", pa.int32()),
])
PROJECT_EVENTS_SCHEMA = pa.schema([
    ("master_id", pa.string()), ("project_id", pa.string()), ("article_id", pa.string()),
    ("published_date", pa.date32()), ("name", pa.string()), ("company", pa.string()),
    ("investment_cny", pa.float64()), ("status", pa.string()), ("status_date", pa.date32()),
    ("evidence", pa.string()),
])
LINKED_SCHEMAS = {"project_master": PROJECT_MASTER_SCHEMA, "project_events": PROJECT_EVENTS_SCHEMA}


# ---------------------------------------------------------------------------------------------------------
# The dictionary (pure)


def indicator_rows() -> list[dict]:
    """The indicators lookup table: every code the extractor can write, contract codes first."""
    words = load_json("indicators.json")
    wordings: dict[str, list[str]] = {}
    for code, items in words["money_indicators"].items():
        wordings.setdefault(code, []).extend(items)
    for code, items in words["count_wordings"].items():
        wordings.setdefault(code, []).extend(items)
    for wording, code in words["rate_indicators"].items():
        wordings.setdefault(code, []).append(wording)
    labels = dictionary()["indicators"]
    codes = list(CONTRACT_INDICATORS) + sorted(set(labels) - set(CONTRACT_INDICATORS))
    return [
        {"code": code, "wording_zh": (wordings.get(code) or [None])[0], "wordings_zh": wordings.get(code, []),
         "label_en": labels[code]["label_en"], "unit": labels[code]["unit"],
         "definition": labels[code]["definition"], "in_contract": code in CONTRACT_INDICATORS}
        for code in codes
    ]


def status_rows() -> list[dict]:
    wordings = load_json("status_words.json")["status_wordings"]
    labels = dictionary()["statuses"]
    return [{"code": code, "rank": i, "label_en": labels[code]["label_en"], "definition": labels[code]["definition"],
             "wordings_zh": list(wordings.get(code, []))} for i, code in enumerate(STATUS_CODES, start=1)]


def division_rows() -> list[dict]:
    return list(csv.DictReader(read_text("divisions.csv").splitlines()))


# ---------------------------------------------------------------------------------------------------------
# Writing (local paths)


def write_catalog(curated_dir: str | os.PathLike, logger: logging.Logger | logging.LoggerAdapter | None = None
                  ) -> Path | None:
    """Write project_master/project_events, the DuckDB catalog and the dictionary for the published tables
    of a curated root. Never raises: the tables are published already and matter more; a failure is
    logged and the previous files stay. Returns the catalog's path, or None."""
    logger = logger or log
    if "://" in str(curated_dir):
        logger.info("catalog not written: %s is a URL (the DuckDB catalog and dictionary are for local roots)",
                    curated_dir)
        return None
    root = Path(curated_dir).resolve()
    try:
        masters, events = write_project_tables(root)
        path = write_duckdb(root)
        write_docs(root)
    except Exception as exc:  # noqa: BLE001 - never lose a publish over its catalog
        logger.warning("catalog not written: %s: %s", type(exc).__name__, exc)
        return None
    logger.info("catalog written: %s (%d projects across articles from %d rows)", path, masters, events)
    return path


def _dataset(folder: Path) -> ds.Dataset | None:
    files = [p for p in folder.rglob("*.parquet") if not any(part.startswith((".", "_")) for part in
                                                               p.relative_to(folder).parts)]
    if not files:
        return None
    return ds.dataset([str(p) for p in sorted(files)], format="parquet",
                      partitioning=ds.partitioning(flavor="hive"), partition_base_dir=str(folder))


def _read(folder: Path, columns: list[str]) -> list[dict]:
    dataset = _dataset(folder)
    if dataset is None:
        return []
    present = [c for c in columns if c in dataset.schema.names]
    return dataset.to_table(columns=present).to_pylist()


def project_mentions(root: Path) -> list[ProjectMention]:
    """The published projects rows with their articles' dates and places, as linking input."""
    articles = {a["article_id"]: a for a in _read(root / "articles", ["article_id", "title", "published_date"])}
    codes: dict[str, list[str]] = {}
    for m in _read(root / "metrics", ["article_id", "entity_code"]):
        if m.get("entity_code"):
            codes.setdefault(m["article_id"], []).append(m["entity_code"])
    places = {aid: article_place(a.get("title"), codes.get(aid, ())) for aid, a in articles.items()}
    optional = ["company", "investment_cny", "status", "status_date", "phase", "capacity"]
    return [
        ProjectMention(p["project_id"], p["article_id"], p["name"], **{f: p.get(f) for f in optional},
                       evidence=p.get("evidence") or "",
                       published_date=articles.get(p["article_id"], {}).get("published_date"),
                       article_place=places.get(p["article_id"]))
        for p in _read(root / "projects", ["project_id", "article_id", "name", "evidence", *optional])
    ]


def write_project_tables(root: Path) -> tuple[int, int]:
    """Link the published projects and write project_master and project_events; returns their row counts.
    Ids already published (the last project_events) are kept."""
    previous = {e["project_id"]: e["master_id"] for e in _read(root / "project_events", ["project_id", "master_id"])}
    masters, events = link(project_mentions(root), previous)
    for table, rows in (("project_master", masters), ("project_events", events)):
        schema = LINKED_SCHEMAS[table]
        _replace_file(root / table / f"{table}.parquet",
                      pa.Table.from_pylist(rows, schema=schema).cast(with_descriptions(schema, table)))
    return len(masters), len(events)


def _replace_file(path: Path, table: pa.Table) -> None:
    """Write table to path through a hidden temporary name; an unchanged table leaves the file as it is (a
    backfill of one source touches no file outside its partitions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_file() and pq.read_table(path).equals(table):
        return
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _empty_select(schema: pa.Schema) -> str:
    import duckdb

    # The column types DuckDB gives these Arrow types, through an empty Arrow table.
    con = duckdb.connect()
    con.register("empty", pa.Table.from_pylist([], schema=schema))
    types = con.execute("SELECT column_name, column_type FROM (DESCRIBE empty)").fetchall()
    con.close()
    return "SELECT " + ", ".join(f"CAST(NULL AS {t}) AS \"{n}\"" for n, t in types) + " WHERE false"


def write_duckdb(root: Path) -> Path:
    """The catalog file: views over the Parquet tables, lookup tables, metric_series, comments."""
    import duckdb

    target = root / CATALOG_FILE
    tmp = root / f".{CATALOG_FILE}.{uuid.uuid4().hex}.tmp"
    try:
        con = duckdb.connect(str(tmp))
        schemas = {**SCHEMAS, **LINKED_SCHEMAS}
        for table in (*PARQUET_TABLES, *LINKED_SCHEMAS):
            folder = root / table
            if _dataset(folder) is None:
                con.execute(f'CREATE VIEW "{table}" AS {_empty_select(schemas[table])}')
            else:
                glob = _sql_string(f"{folder.as_posix()}/**/*.parquet")
                con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM read_parquet({glob}, '
                            "hive_partitioning = true, union_by_name = true)")
        for table, rows in (("indicators", indicator_rows()), ("statuses", status_rows()),
                            ("divisions", division_rows())):
            con.register("rows_in", pa.Table.from_pylist(rows))
            con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM rows_in')
            con.unregister("rows_in")
        metric_columns = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE metrics)").fetchall()}
        con.execute(_metric_series_sql("figure_kind" in metric_columns))
        _comment(con)
        con.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)
    return target


def _metric_series_sql(has_figure_kind: bool) -> str:
    kind = "coalesce(m.figure_kind, 'actual')" if has_figure_kind else "'actual'"
    # The latest report wins: publication date, then metric_id so that ties are broken the same way always.
    latest = "coalesce(strftime(published_date, '%Y-%m-%d'), '0000-00-00') || metric_id"
    return f"""
CREATE VIEW metric_series AS
WITH m AS (
    SELECT m.metric_id, m.article_id, m.entity, m.entity_code, m.indicator, m.period_start, m.period_end,
           m.unit, {kind} AS figure_kind, m.value, m.yoy_pct, a.published_date
    FROM metrics AS m LEFT JOIN (SELECT article_id, published_date FROM articles) AS a USING (article_id)
)
SELECT entity, entity_code, indicator, period_start, period_end, unit, figure_kind,
       arg_max(value, {latest}) FILTER (WHERE value IS NOT NULL) AS value,
       arg_max(yoy_pct, {latest}) FILTER (WHERE yoy_pct IS NOT NULL) AS yoy_pct,
       count(DISTINCT value) AS n_values,
       list(DISTINCT value ORDER BY value) FILTER (WHERE value IS NOT NULL) AS reported_values,
       count(DISTINCT article_id) AS n_articles,
       list(DISTINCT article_id ORDER BY article_id) AS article_ids,
       list(metric_id ORDER BY metric_id) AS metric_ids,
       min(published_date) AS first_reported,
       max(published_date) AS last_reported
FROM m
GROUP BY entity, entity_code, indicator, period_start, period_end, unit, figure_kind
"""


def _comment(con) -> None:
    objects = con.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'").fetchall()
    for name, kind in objects:
        entry = dictionary()["tables"].get(name, {})
        word = "VIEW" if kind == "VIEW" else "TABLE"
        if entry.get("description"):
            con.execute(f'COMMENT ON {word} "{name}" IS {_sql_string(entry["description"])}')
        columns = con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                              "AND table_name = ?", [name]).fetchall()
        for (column,) in columns:
            text = describe(name, column)
            if text:
                con.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {_sql_string(text)}')


# ---------------------------------------------------------------------------------------------------------
# The dictionary as documents


@dataclass(frozen=True)
class _DocColumn:
    name: str
    type: str
    description: str
    contract: bool


def _doc_tables() -> list[tuple[str, str, str, list[_DocColumn]]]:
    """(table, kind, description, columns) for every table of the dictionary, columns typed from the
    schemas in code (records.py, this module) and, for metric_series and the lookups, from the dictionary."""
    out = []
    schemas = {**SCHEMAS, **LINKED_SCHEMAS}
    for table, entry in dictionary()["tables"].items():
        contract = set(CONTRACT_COLUMNS.get(table, ()))
        if table in schemas:
            schema = schemas[table]
            names = [(f.name, str(f.type)) for f in schema]
            extra = [c for c in entry["columns"] if c not in schema.names]
            names += [(c, "string") for c in extra]  # columns the contract adds before the code writes them
            if table in PARQUET_TABLES:
                names += [(c, "string (DATE in DuckDB)" if c == "ingest_date" else "string")
                          for c in dictionary()["partition_columns"]]
        else:
            names = [(c, "") for c in entry["columns"]]
        columns = [_DocColumn(n, t, describe(table, n) or "", n in contract) for n, t in names]
        out.append((table, entry["kind"], entry["description"], columns))
    return out


KIND_WORDS = {"parquet": "Parquet dataset (a folder)", "view": "DuckDB view in econ_news.duckdb",
              "lookup": "DuckDB table in econ_news.duckdb"}


def dictionary_markdown() -> str:
    lines = ["# econ-news data dictionary", "",
             "Generated from `econ_news/reference/columns.json` at every publish. Money is in yuan (CNY); "
             "growth rates are in percent points. Columns marked **contract** are fixed by the output contract.",
             "", "Open the tables in DuckDB: `duckdb econ_news.duckdb` (or `python -c \"import duckdb; "
             "duckdb.connect('econ_news.duckdb', read_only=True).sql('FROM metric_series LIMIT 5').show()\"`).", ""]
    for table, kind, description, columns in _doc_tables():
        lines += [f"## {table}", "", f"*{KIND_WORDS[kind]}.* {description}", "",
                  "| column | type | meaning |", "|---|---|---|"]
        for c in columns:
            mark = " **contract**" if c.contract else ""
            meaning = c.description.replace("|", "\\|")
            lines.append(f"| `{c.name}`{mark} | {c.type} | {meaning} |")
        lines.append("")
    lines += ["## indicator codes", "", "| code | wording | label | unit | definition |", "|---|---|---|---|---|"]
    for r in indicator_rows():
        lines.append(f"| `{r['code']}` | {r['wording_zh'] or ''} | {r['label_en']} | {r['unit']} | {r['definition']} |")
    lines += ["", "## status codes", "", "| rank | code | label | definition |", "|---|---|---|---|"]
    for r in status_rows():
        lines.append(f"| {r['rank']} | `{r['code']}` | {r['label_en']} | {r['definition']} |")
    return "\n".join(lines) + "\n"


def dictionary_html() -> str:
    e = html.escape
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'><title>econ-news data dictionary</title>",
             "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}"
             "code{background:#f4f4f4}.contract{font-weight:bold}</style></head><body>",
             "<h1>econ-news data dictionary</h1><p>Generated from <code>econ_news/reference/columns.json</code> at "
             "every publish. Money is in yuan (CNY); growth rates in percent points. Bold columns are fixed by the "
             "output contract.</p><ul>"]
    tables = _doc_tables()
    parts += [f"<li><a href='#{e(t)}'>{e(t)}</a></li>" for t, *_ in tables] + ["</ul>"]
    for table, kind, description, columns in tables:
        parts.append(f"<h2 id='{e(table)}'>{e(table)}</h2><p><em>{e(KIND_WORDS[kind])}.</em> {e(description)}</p>")
        parts.append("<table><tr><th>column</th><th>type</th><th>meaning</th></tr>")
        for c in columns:
            cls = " class='contract'" if c.contract else ""
            parts.append(f"<tr><td{cls}><code>{e(c.name)}</code></td><td>{e(c.type)}</td><td>{e(c.description)}</td></tr>")
        parts.append("</table>")
    parts.append("<h2 id='indicator-codes'>indicator codes</h2><table><tr><th>code</th><th>wording</th>"
                 "<th>label</th><th>unit</th><th>definition</th></tr>")
    for r in indicator_rows():
        parts.append(f"<tr><td><code>{e(r['code'])}</code></td><td>{e(r['wording_zh'] or '')}</td>"
                     f"<td>{e(r['label_en'])}</td><td>{e(r['unit'])}</td><td>{e(r['definition'])}</td></tr>")
    parts.append("</table><h2 id='status-codes'>status codes</h2><table><tr><th>rank</th><th>code</th>"
                 "<th>label</th><th>definition</th></tr>")
    for r in status_rows():
        parts.append(f"<tr><td>{r['rank']}</td><td><code>{e(r['code'])}</code></td><td>{e(r['label_en'])}</td>"
                     f"<td>{e(r['definition'])}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts) + "\n"


def write_docs(root: Path) -> Path:
    folder = root / DOCS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("dictionary.md", dictionary_markdown()), ("index.html", dictionary_html())):
        tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / name)
    return folder / "index.html"


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for location in sys.argv[1:] or ["data/curated"]:
        if write_catalog(location) is None:
            sys.exit(1)
