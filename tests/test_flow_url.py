"""The real flows with the curated root at a URL (file://, which goes through fsspec exactly as s3:// or gs://
would): the same tables as with a plain path, the run manifests and reports beside them, and a second
nightly that finds nothing new."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from econ_news.ingest import LEDGER_TABLE
from econ_news.store import dataset_digest, join, read_table
from tests.conftest import SAMPLE_RAW

TABLES = ("articles", "projects", "metrics", "rejects", "quarantine", LEDGER_TABLE)


@pytest.fixture(autouse=True)
def work_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ECON_NEWS_WORK_DIR", str(tmp_path / "work"))
    return tmp_path / "work"


def digests(root) -> dict:
    return {name: dataset_digest(join(root, name)) for name in TABLES}


def test_run_to_a_url_root_writes_the_same_tables_as_to_a_folder(prefect_server, tmp_path, work_dir):
    from flows.pipeline import run_pipeline

    plain, remote = tmp_path / "plain", tmp_path / "remote"
    url = f"file://{remote}"
    run_pipeline(raw_dir=str(SAMPLE_RAW), curated_dir=str(plain), batch_size=2)
    summary = run_pipeline(raw_dir=str(SAMPLE_RAW), curated_dir=url, batch_size=2)
    assert digests(url) == digests(plain) and digests(url)["articles"][0] == 5
    assert len(pd.read_parquet(remote / "articles")) == len(pd.read_parquet(f"{url}/articles")) == 5
    manifest = json.loads((remote / "_runs" / f"{summary.run_id}.json").read_text(encoding="utf-8"))
    assert manifest["curated_dir"] == url and manifest["written"] == summary.written
    assert summary.report == f"{url}/_reports/{summary.run_id}/index.html"
    assert (remote / "_reports" / summary.run_id / "index.html").exists()
    # Staging and the lock stayed in the local work folder; the run left nothing there but the lock.
    assert not (remote / "_staging").exists() and not list(work_dir.rglob("*.parquet"))


def _sources_file(folder: Path, name: str, curated: str) -> Path:
    samples = folder / "samples"
    if not samples.exists():
        shutil.copytree(SAMPLE_RAW, samples)
    path = folder / f"sources-{name}.toml"
    path.write_text(f'[store]\nraw_dir = "raw"\ncurated_dir = "{curated}"\n\n'
                    '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n', encoding="utf-8")
    return path


def test_nightly_twice_on_a_url_root(prefect_server, tmp_path):
    from flows.pipeline import nightly

    url = f"file://{tmp_path}/remote"
    first = nightly(config_path=str(_sources_file(tmp_path, "url", url)))
    nightly(config_path=str(_sources_file(tmp_path, "plain", "plain")))
    assert first.files == 5 and first.curated_dir == url
    assert digests(url) == digests(tmp_path / "plain")
    before = digests(url)
    files_before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "remote").rglob("*.parquet"))

    again = nightly(config_path=str(_sources_file(tmp_path, "url", url)))
    assert again.files == 0 and again.written == {} and again.partitions == []
    assert digests(url) == before
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "remote").rglob("*.parquet")) == files_before
    assert read_table(f"{url}/{LEDGER_TABLE}").num_rows == 5
    assert len(list((tmp_path / "remote" / "_runs").glob("*.json"))) == 2
