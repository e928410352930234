"""The real flow on the bundled seed pages, under a real (temporary) Prefect server, with real Parquet."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pytest
from opencc import OpenCC

from econ_news.records import SCHEMAS
from econ_news.store import PARTITION_KEYS
from tests.conftest import SAMPLE_RAW

PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}\)")
FURNITURE = re.compile(r"ICP备|公网安备|版权所有|许可证|分享到|责任编辑|查看原图|联系我们|[▲▼]")
MARKUP = re.compile(r"<[a-zA-Z/!][^>]*>|&[a-z]+;|&#\d+;")


@pytest.fixture(scope="module")
def curated(prefect_server, tmp_path_factory):
    from flows.pipeline import run_pipeline

    out = tmp_path_factory.mktemp("curated")
    summary = run_pipeline(raw_dir=str(SAMPLE_RAW), curated_dir=str(out), batch_size=2)
    return out, summary


def _read(root, name):
    return pads.dataset(str(root / name), format="parquet", partitioning="hive").to_table()


@pytest.mark.parametrize("name", ["articles", "projects", "metrics", "rejects", "quarantine"])
def test_tables_conform_to_the_contract_schemas(curated, name):
    root, _ = curated
    schema = _read(root, name).schema.remove_metadata()
    # The table's own columns, then the Hive partition columns readers add from the folder names.
    assert pa.schema(list(schema)[: len(SCHEMAS[name])]) == SCHEMAS[name].remove_metadata()
    assert schema.names[len(SCHEMAS[name]):] == list(PARTITION_KEYS)


def test_every_table_is_non_empty_and_counts_add_up(curated):
    root, summary = curated
    articles, projects, metrics = (_read(root, n) for n in ("articles", "projects", "metrics"))
    assert articles.num_rows >= 5 and projects.num_rows >= 10 and metrics.num_rows >= 20
    assert summary.files == 5
    assert summary.written == {"articles": articles.num_rows, "projects": projects.num_rows,
                               "metrics": metrics.num_rows}
    # Every raw file is accounted for: it yields an article or a reject.
    sources = set(articles.column("source_uri").to_pylist()) | set(_read(root, "rejects").column("source_uri").to_pylist())
    assert {p.name for p in SAMPLE_RAW.iterdir()} <= {s.rsplit("/", 1)[-1] for s in sources}
    manifest = json.loads(next((root / "_runs").glob("*.json")).read_text())
    assert manifest["run_id"] == summary.run_id


def test_every_run_leaves_its_validation_report(curated):
    root, summary = curated
    assert summary.report and Path(summary.report) == (root / "_reports" / summary.run_id / "index.html").resolve()
    assert Path(summary.report).exists()
    # The quarantined rows of the run are listed for the artifact, with the expectation that failed.
    quarantine = _read(root, "quarantine").to_pandas()
    assert len(summary.quarantined_rows) == min(len(quarantine), 50)
    assert all(q["expectation"] for q in summary.quarantined_rows)


def test_keys_unique_and_rows_point_at_articles(curated):
    root, _ = curated
    articles = _read(root, "articles").to_pandas()
    for name, key in (("articles", "article_id"), ("projects", "project_id"), ("metrics", "metric_id")):
        frame = _read(root, name).to_pandas()
        assert frame[key].is_unique and frame[key].notna().all()
        assert set(frame["article_id"]) <= set(articles["article_id"])


def test_article_text_is_clean(curated):
    root, _ = curated
    to_simplified = OpenCC("t2s")
    for row in _read(root, "articles").to_pylist():
        text = row["text"]
        assert not PINYIN.search(text), row["source_uri"]
        assert not MARKUP.search(text), row["source_uri"]
        assert not FURNITURE.search(text), (row["source_uri"], FURNITURE.search(text).group())
        assert to_simplified.convert(text) == text, f"traditional characters left in {row['source_uri']}"


def test_evidence_offsets_point_into_article_text(curated):
    root, _ = curated
    texts = dict(zip(*[_read(root, "articles").column(c).to_pylist() for c in ("article_id", "text")]))
    for name in ("projects", "metrics"):
        for row in _read(root, name).to_pylist():
            assert texts[row["article_id"]][row["evidence_start"]:row["evidence_end"]] == row["evidence"]


def test_known_facts_of_the_seed_pages(curated):
    root, _ = curated
    projects = _read(root, "projects").to_pandas()
    mine = projects[projects["name"].str.contains("平山湖一号矿井", na=False)]
    assert len(mine) == 1
    assert mine.iloc[0]["investment_cny"] == pytest.approx(3.7e9)
    assert "徐州矿务集团" in (mine.iloc[0]["company"] or "")
    metrics = _read(root, "metrics").to_pandas()
    output = metrics[(metrics["indicator"] == "industrial_output") & (metrics["entity"] == "张掖经开区")]
    assert len(output) == 1
    assert output.iloc[0]["value"] == pytest.approx(6.75e9) and output.iloc[0]["yoy_pct"] == pytest.approx(2.0)


def test_consumers_read_the_same_tables(curated):
    root, _ = curated
    for name in ("articles", "projects", "metrics"):
        n_pandas = len(pd.read_parquet(root / name))
        n_duckdb = duckdb.sql(
            f"select count(*) from read_parquet('{root / name}/**/*.parquet', hive_partitioning=1)").fetchall()[0][0]
        assert n_pandas == n_duckdb == _read(root, name).num_rows


def test_a_second_run_gives_identical_tables(curated, tmp_path):
    from flows.pipeline import run_pipeline

    root, _ = curated
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW, raw)
    out = tmp_path / "curated"
    run_pipeline(raw_dir=str(raw), curated_dir=str(out), batch_size=3)
    for name, key in (("articles", "article_id"), ("projects", "project_id"), ("metrics", "metric_id")):
        first = _read(root, name).drop_columns(["run_id", "source_uri"] if name == "articles" else ["run_id"])
        again = _read(out, name).drop_columns(["run_id", "source_uri"] if name == "articles" else ["run_id"])
        assert first.sort_by(key).equals(again.sort_by(key)), name
