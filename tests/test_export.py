"""econ-news export: a curated table as CSV (UTF-8 with BOM) or xlsx, filtered by a DuckDB SQL predicate.
The tables are the real stages' output on the sample pages; the files are read back with csv and openpyxl."""
from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import subprocess
import sys

import pyarrow.dataset as pads
import pytest
from openpyxl import load_workbook

from econ_news.catalog import CATALOG_FILE, write_catalog
from econ_news.export import ExportError, export_table
from tests.conftest import REPO, SAMPLE_RAW


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("score_corpus", REPO / "scripts" / "score_corpus.py")
    score_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score_corpus)
    out = tmp_path_factory.mktemp("curated")
    score_corpus.build_curated(SAMPLE_RAW, out)
    assert write_catalog(out) is not None
    return out


def _metrics(root, predicate):
    rows = pads.dataset(str(root / "metrics"), partitioning="hive").to_table().to_pylist()
    return [r for r in rows if predicate(r)]


def test_the_xlsx_opens_with_openpyxl_and_holds_the_rows(curated, tmp_path):
    path, count = export_table(curated, "metrics", "xlsx", "unit = 'CNY' AND value > 1e9", tmp_path / "m.xlsx")
    expected = _metrics(curated, lambda r: r["unit"] == "CNY" and (r["value"] or 0) > 1e9)
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert count == len(body) == len(expected) > 0
    ids = header.index("metric_id")
    assert sorted(r[ids] for r in body) == sorted(r["metric_id"] for r in expected)
    by_id = {r["metric_id"]: r for r in expected}
    for row in body:
        record = dict(zip(header, row))
        assert record["entity"] == by_id[record["metric_id"]]["entity"]  # Chinese text intact
        assert record["value"] == by_id[record["metric_id"]]["value"]


def test_the_csv_has_a_bom_and_holds_the_rows(curated, tmp_path):
    path, count = export_table(curated, "metrics", "csv", "indicator = 'project_count'", tmp_path / "m.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = _metrics(curated, lambda r: r["indicator"] == "project_count")
    assert count == len(rows) == len(expected) > 0
    assert sorted(r["metric_id"] for r in rows) == sorted(r["metric_id"] for r in expected)
    assert any("张掖" in r["entity"] for r in rows)


def test_list_columns_are_written_as_json(curated, tmp_path):
    path, count = export_table(curated, "project_master", "csv", "n_articles > 1", tmp_path / "pm.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert count == len(rows) >= 1
    assert all(len(json.loads(r["article_ids"])) == int(r["n_articles"]) for r in rows)


def test_without_a_catalog_the_parquet_tables_still_export(curated, tmp_path):
    bare = tmp_path / "curated"
    shutil.copytree(curated, bare)
    (bare / CATALOG_FILE).unlink()
    path, count = export_table(bare, "projects", "xlsx", None, tmp_path / "p.xlsx")
    assert count == pads.dataset(str(bare / "projects"), partitioning="hive").count_rows() > 0
    assert len(list(load_workbook(path, read_only=True).active.iter_rows())) == count + 1
    with pytest.raises(ExportError):
        export_table(bare, "metric_series", "csv", None, tmp_path / "x.csv")


def test_the_command_exports_and_a_bad_predicate_fails_clearly(curated, tmp_path):
    out = tmp_path / "gdp.xlsx"
    done = subprocess.run([sys.executable, "-m", "flows.cli", "export", "--curated-dir", str(curated), "--table",
                           "metric_series", "--format", "xlsx", "--where", "indicator = 'gdp'", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert len(list(load_workbook(out, read_only=True).active.iter_rows())) >= 2
    bad = tmp_path / "bad.csv"
    done = subprocess.run([sys.executable, "-m", "flows.cli", "export", "--curated-dir", str(curated),
                           "--where", "no_such_column = 1", "--out", str(bad)],
                          capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 2 and "no_such_column" in done.stderr
    assert not bad.exists() and not list(tmp_path.glob(".bad.csv*"))
