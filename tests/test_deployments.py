"""`econ-news serve` against a real `prefect server start` on loopback: both deployments registered, the
nightly one on its cron schedule, and a backfill started through the REST API exactly as the UI's run form
does (POST /deployments/{id}/create_flow_run with the form's parameters), then its output checked."""
from __future__ import annotations

import shutil

import httpx
import pytest

from econ_news.store import read_table
from tests.conftest import SAMPLE_RAW
from tests.prefect_server import deployment, econ_news_serve, prefect_server, text, wait_for

pytestmark = pytest.mark.prefect_server_process


@pytest.fixture()
def prefect_api(tmp_path):
    """A real Prefect server process on 127.0.0.1 with its own home and database."""
    with prefect_server(tmp_path / "server") as (api, env, _log):
        yield api, env


def test_serve_registers_both_deployments_and_runs_a_backfill_from_the_api(prefect_api, tmp_path):
    api, env = prefect_api
    shutil.copytree(SAMPLE_RAW, tmp_path / "samples")
    config = tmp_path / "sources.toml"
    config.write_text('[store]\nraw_dir = "raw"\ncurated_dir = "curated"\n'
                      '[schedule]\ncron = "30 1 * * *"\ntimezone = "Asia/Shanghai"\n'
                      '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n', encoding="utf-8")
    with econ_news_serve(api, env, config, tmp_path) as (_served, out, err):
        nightly = wait_for(lambda: deployment(api, "econ-news-nightly", "nightly"), 60, "the nightly deployment")
        backfill = wait_for(lambda: deployment(api, "econ-news-backfill", "backfill"), 30, "the backfill deployment")
        schedule = nightly["schedules"][0]["schedule"]
        assert (schedule["cron"], schedule["timezone"]) == ("30 1 * * *", "Asia/Shanghai")
        assert nightly["parameters"] == {"config_path": str(config)}
        assert backfill["schedules"] == []
        # The typed parameters the UI renders as the run form.
        form = backfill["parameter_openapi_schema"]
        assert form["required"] == ["start_date", "end_date"]
        assert form["properties"]["start_date"]["format"] == "date"
        assert form["properties"]["reprocess"]["type"] == "boolean"
        assert {"type": "array", "items": {"type": "string", "enum": ["samples"]}} in \
            form["properties"]["sources"]["anyOf"]  # the configured names, to pick from

        parameters = {"start_date": "2000-01-01", "end_date": "2100-01-01", "sources": ["samples"],
                      "reprocess": True, "config_path": str(config)}

        def create_run():
            # A busy SQLite-backed server may answer 5xx once (the runner writes too): ask again, as a user would.
            reply = httpx.post(f"{api}/deployments/{backfill['id']}/create_flow_run",
                               json={"parameters": parameters}, timeout=10)
            return reply.json() if reply.status_code == 201 else None

        run = wait_for(create_run, 30, "the backfill flow run to be created")

        def finished():
            state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5).json()["state"]
            return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        state = wait_for(finished, 150, "the backfill flow run")
        assert state["type"] == "COMPLETED", state
    log = text(out) + text(err)
    articles = read_table(tmp_path / "curated" / "articles")
    assert articles.num_rows >= 5, log
    assert set(articles.column("source").to_pylist()) == {"samples"}
    assert all(articles.column("ingest_date").to_pylist())
