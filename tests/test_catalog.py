"""What analysts open (econ_news/catalog.py): project_master/project_events, the DuckDB catalog, the
dictionary. Written by the real flow's publish on the sample pages, read back by a fresh DuckDB process."""
from __future__ import annotations

import html.parser
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from econ_news.catalog import (CATALOG_FILE, LINKED_SCHEMAS, indicator_rows, write_catalog,
                               write_duckdb)
from econ_news.records import CONTRACT_COLUMNS, METRICS_SCHEMA, SCHEMAS, ARTICLES_SCHEMA, Article, Metric, to_table
from econ_news.dictionary import dictionary
from econ_news.reference import load_json

from tests.conftest import SAMPLE_RAW

NATA_LATER = "001_d6a5ce08102744b4.txt"  # the seed page that names 纳塔新材料 and 智鑫玄武岩纤维 again


def _duckdb(database: Path, script: str) -> object:
    """Run a snippet in a fresh Python process with only duckdb imported; it prints JSON."""
    code = ("import duckdb, json, sys\n"
            f"con = duckdb.connect({str(database)!r}, read_only=True)\n" + script)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd="/")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def curated(prefect_server, tmp_path_factory):
    """Two real flow runs into one curated root: the sample pages without 001, then all of them."""
    from flows.pipeline import run_pipeline

    raw = tmp_path_factory.mktemp("raw")
    for page in SAMPLE_RAW.glob("*.txt"):
        if page.name != NATA_LATER:
            shutil.copy2(page, raw / page.name)
    out = tmp_path_factory.mktemp("curated")
    run_pipeline(raw_dir=str(raw), curated_dir=str(out), batch_size=2)
    first = pq.read_table(out / "project_events").to_pylist()
    shutil.copy2(SAMPLE_RAW / NATA_LATER, raw / NATA_LATER)
    run_pipeline(raw_dir=str(raw), curated_dir=str(out), batch_size=2)
    return out, first


def test_the_dictionary_describes_every_column_of_every_table():
    tables = dictionary()["tables"]
    for name, schema in {**SCHEMAS, **LINKED_SCHEMAS}.items():
        missing = [f.name for f in schema if f.name not in tables[name]["columns"]]
        assert not missing, (name, missing)
    for name, columns in CONTRACT_COLUMNS.items():
        assert set(columns) <= set(tables[name]["columns"]), name
    assert "figure_kind" in tables["metrics"]["columns"]  # the contract's extra column


def test_every_indicator_code_the_extractor_writes_has_a_label():
    words = load_json("indicators.json")
    codes = {r["code"] for r in indicator_rows()}
    assert set(words["money_indicators"]) | set(words["count_wordings"]) | set(words["rate_indicators"].values()) <= codes
    assert all(r["label_en"] and r["unit"] and r["definition"] for r in indicator_rows())


def test_the_catalog_opens_in_a_fresh_duckdb_process_and_every_view_reads(curated):
    root, _ = curated
    counts = _duckdb(root / CATALOG_FILE, (
        "names = [r[0] for r in con.execute(\"SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main'\").fetchall()]\n"
        "print(json.dumps({n: con.execute(f'SELECT count(*) FROM \"{n}\"').fetchall()[0][0] for n in names}))"))
    expected = {"articles", "projects", "metrics", "quarantine", "rejects", "project_master", "project_events",
                "metric_series", "indicators", "divisions", "statuses"}
    assert set(counts) == expected
    for table in ("articles", "projects", "metrics"):
        assert counts[table] == pads.dataset(str(root / table), partitioning="hive").count_rows() > 0
    assert counts["project_events"] == counts["projects"]
    assert 0 < counts["project_master"] < counts["projects"]
    assert 0 < counts["metric_series"] <= counts["metrics"]
    assert counts["statuses"] == 6 and counts["divisions"] > 3000


def test_every_column_of_the_catalog_has_a_comment(curated):
    root, _ = curated
    rows = _duckdb(root / CATALOG_FILE, (
        "print(json.dumps(con.execute(\"SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND NOT internal\").fetchall()))"))
    comments = {(t, c): text for t, c, text in rows}
    for table, columns in CONTRACT_COLUMNS.items():
        for column in columns:
            assert comments.get((table, column)), (table, column)
    assert [k for k, text in comments.items() if not text] == []
    assert ("articles", "ingest_date") in comments  # the Hive partitions are columns too
    tables = _duckdb(root / CATALOG_FILE, (
        "print(json.dumps(con.execute(\"SELECT table_name, comment FROM duckdb_tables() WHERE NOT internal "
        "UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal\").fetchall()))"))
    assert all(text for _, text in tables) and len(tables) == 11


def test_repeats_across_runs_become_one_project_and_keep_their_ids(curated):
    root, first = curated
    masters = pq.read_table(root / "project_master").to_pylist()
    events = pq.read_table(root / "project_events").to_pylist()
    nata = [m for m in masters if "纳塔新材料" in m["canonical_name"]]
    assert len(nata) == 1 and nata[0]["n_articles"] == 2
    assert sorted([nata[0]["canonical_name"], *nata[0]["aliases"]]) == ["甘肃纳塔新材料", "纳塔新材料"]
    assert nata[0]["last_seen"] == date(2024, 10, 15)
    basalt = [m for m in masters if "智鑫玄武岩" in m["canonical_name"]]
    assert len(basalt) == 1 and basalt[0]["n_articles"] == 2
    # The second run added an article: every id of the first run is still there, on the same rows.
    now = {e["project_id"]: e["master_id"] for e in events}
    assert all(now[e["project_id"]] == e["master_id"] for e in first)
    assert len(events) > len(first)


def test_descriptions_travel_in_the_parquet_schema(curated):
    root, _ = curated
    schema = pq.read_schema(root / "project_master" / "project_master.parquet")
    assert schema.field("investment_cny").metadata[b"description"].decode().startswith("Total investment in yuan")
    assert b"description" in schema.metadata
    for table, column in (("metrics", "value"), ("projects", "investment_cny"), ("articles", "published_date")):
        part = next(p for p in sorted((root / table).rglob("*.parquet")) if not p.name.startswith("."))
        text = pq.read_schema(part).field(column).metadata[b"description"].decode()
        assert text == dictionary()["tables"][table]["columns"][column]


def test_the_dictionary_documents_are_written_and_parse(curated):
    root, _ = curated
    markdown = (root / "_docs" / "dictionary.md").read_text(encoding="utf-8")
    page = (root / "_docs" / "index.html").read_text(encoding="utf-8")
    for table, columns in CONTRACT_COLUMNS.items():
        assert f"## {table}" in markdown
        for column in columns:
            assert f"`{column}` **contract**" in markdown
            assert f"<code>{column}</code>" in page
    parser = html.parser.HTMLParser()
    parser.feed(page)
    parser.close()
    assert "funds_in_place" in markdown and "到位资金" in markdown


def test_a_catalog_that_cannot_be_written_is_logged_and_the_tables_stay(curated, tmp_path, caplog):
    root, _ = curated
    copy = tmp_path / "curated"
    shutil.copytree(root, copy)
    before = (copy / CATALOG_FILE).read_bytes()
    shutil.rmtree(copy / "project_master")
    (copy / "project_master").write_text("not a folder")  # the linked tables cannot be written
    assert write_catalog(copy) is None
    assert "catalog not written" in caplog.text
    assert (copy / CATALOG_FILE).read_bytes() == before
    assert pads.dataset(str(copy / "projects"), partitioning="hive").count_rows() > 0


def test_metric_series_collapses_a_figure_reported_twice_and_keeps_kinds_apart(tmp_path):
    def metric(mid, aid, value, yoy, start=date(2025, 1, 1)):
        return Metric(mid, aid, "张掖经开区", "funds_in_place", start, date(2025, 9, 30), value, "CNY", yoy,
                      "…", 0, 1, entity_code="620700")

    articles = [Article(aid, f"data/raw/{aid}.txt", "0" * 64, 0, "t", day, "stated", None, "text")
                for aid, day in (("a1", date(2025, 10, 8)), ("a2", date(2025, 10, 20)), ("a3", None))]
    metrics = [metric("m1", "a1", 3.1e9, 12.0), metric("m2", "a2", 3.2e9, None), metric("m3", "a3", 3.1e9, 12.0),
               metric("m4", "a2", 1.0e9, None, start=date(2025, 7, 1))]
    for name, table in (("articles", to_table(articles, ARTICLES_SCHEMA)), ("metrics", to_table(metrics, METRICS_SCHEMA))):
        (tmp_path / name).mkdir()
        pq.write_table(table, tmp_path / name / "part-0.parquet")
    write_duckdb(tmp_path)
    rows = _duckdb(tmp_path / CATALOG_FILE, (
        "print(json.dumps(con.execute(\"SELECT period_start::VARCHAR, figure_kind, value, yoy_pct, n_values, "
        "reported_values, n_articles, article_ids FROM metric_series ORDER BY period_start\").fetchall()))"))
    assert rows == [
        ["2025-01-01", "actual", 3.2e9, 12.0, 2, [3.1e9, 3.2e9], 3, ["a1", "a2", "a3"]],  # the latest article's value
        ["2025-07-01", "actual", 1.0e9, None, 1, [1.0e9], 1, ["a2"]],
    ]


def test_writing_the_catalog_again_over_the_same_tables_leaves_the_linked_files_alone(curated, tmp_path):
    root, _ = curated
    copy = tmp_path / "curated"
    shutil.copytree(root, copy)
    files = [copy / t / f"{t}.parquet" for t in LINKED_SCHEMAS]
    before = [f.stat().st_ino for f in files]
    assert write_catalog(copy) is not None
    assert [f.stat().st_ino for f in files] == before


def test_metric_series_keeps_a_projection_apart_when_figure_kind_is_written(tmp_path):
    import pyarrow as pa

    metrics = [Metric(mid, aid, "张掖经开区", "output_value", date(2025, 1, 1), date(2025, 12, 31), value, "CNY",
                      None, "…", 0, 1) for mid, aid, value in (("m1", "a1", 5e8), ("m2", "a2", 5e8), ("m3", "a2", 9e9))]
    articles = [Article(aid, f"data/raw/{aid}.txt", "0" * 64, 0, "t", date(2025, 3, 1), "stated", None, "text")
                for aid in ("a1", "a2")]
    table = to_table(metrics, METRICS_SCHEMA)
    table = table.append_column("figure_kind", pa.array([None, "actual", "projection"], pa.string()))
    for name, data in (("articles", to_table(articles, ARTICLES_SCHEMA)), ("metrics", table)):
        (tmp_path / name).mkdir()
        pq.write_table(data, tmp_path / name / "part-0.parquet")
    write_duckdb(tmp_path)
    rows = _duckdb(tmp_path / CATALOG_FILE, (
        "print(json.dumps(con.execute(\"SELECT figure_kind, value, n_articles FROM metric_series "
        "ORDER BY figure_kind\").fetchall()))"))
    assert rows == [["actual", 5e8, 2], ["projection", 9e9, 1]]  # a null figure_kind reads as actual
