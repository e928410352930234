"""`econ-news serve` against a real `prefect server start` on loopback: both deployments registered, the
nightly one on its cron schedule, and a backfill started through the REST API exactly as the UI's run form
does (POST /deployments/{id}/create_flow_run with the form's parameters), then its output checked."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from econ_news.store import read_table
from flows.settings import PREFECT_ENVIRONMENT
from tests.conftest import REPO, SAMPLE_RAW

pytestmark = pytest.mark.prefect_server_process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
            if got:
                return got
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.stdout.read().decode("utf-8", errors="replace")[-3000:] if proc.stdout else ""


@pytest.fixture()
def prefect_api(tmp_path):
    """A real Prefect server process on 127.0.0.1 with its own home and database."""
    port = _free_port()
    env = {**os.environ, **PREFECT_ENVIRONMENT, "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port)}
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait(lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 90, "prefect server start")
        yield api, env
    finally:
        _stop(server)


def test_serve_registers_both_deployments_and_runs_a_backfill_from_the_api(prefect_api, tmp_path):
    api, env = prefect_api
    shutil.copytree(SAMPLE_RAW, tmp_path / "samples")
    config = tmp_path / "sources.toml"
    config.write_text('[store]\nraw_dir = "raw"\ncurated_dir = "curated"\n'
                      '[schedule]\ncron = "30 1 * * *"\ntimezone = "Asia/Shanghai"\n'
                      '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n', encoding="utf-8")
    serve_env = {**env, "PREFECT_API_URL": api, "PYTHONPATH": str(REPO), "PREFECT_RUNNER_POLL_FREQUENCY": "1"}
    served = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--config", str(config)], env=serve_env,
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def deployment(flow: str, name: str):
            reply = httpx.get(f"{api}/deployments/name/{flow}/{name}", timeout=5)
            return reply.json() if reply.status_code == 200 else None

        nightly = _wait(lambda: deployment("econ-news-nightly", "nightly"), 60, "the nightly deployment")
        backfill = _wait(lambda: deployment("econ-news-backfill", "backfill"), 30, "the backfill deployment")
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

        run = _wait(create_run, 30, "the backfill flow run to be created")

        def finished():
            state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5).json()["state"]
            return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        state = _wait(finished, 150, "the backfill flow run")
        assert state["type"] == "COMPLETED", state
    finally:
        log = _stop(served)
    articles = read_table(tmp_path / "curated" / "articles")
    assert articles.num_rows >= 5, log
    assert set(articles.column("source").to_pylist()) == {"samples"}
    assert all(articles.column("ingest_date").to_pylist())
