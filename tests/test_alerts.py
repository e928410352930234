"""Alerts and guard rails against a real `prefect server start` and `econ-news serve`, with a webhook receiver
on 127.0.0.1: a failed run POSTs to the webhook, a run quarantining too large a share of its rows emits
econ-news.run.quarantine-high (and that POSTs too), the nightly is limited to one run at a time, serving
again updates the automations instead of adding more, and SIGTERM stops `serve` without pausing the schedule
(Prefect's own handler paused it and printed "coroutine 'Runner.astop' was never awaited")."""
from __future__ import annotations

import json
import shutil
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from econ_news.alerts import QUARANTINE_HIGH_EVENT, AlertConfigError, deadline_seconds, load_alert_settings
from flows.alerts import FAILED, LATE, QUARANTINE_HIGH, WEBHOOK_BLOCK
from tests.conftest import SAMPLE_RAW
from tests.prefect_server import deployment, econ_news_serve, prefect_server, stop, text, wait_for


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every POSTed JSON body."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append(json.loads(body or b"{}"))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def matching(self, word: str) -> list[dict]:
        return [r for r in self.received if word in r.get("subject", "") + r.get("body", "")]


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def _config(tmp_path, alerts: str, cron: str = "0 2 * * *") -> object:
    shutil.copytree(SAMPLE_RAW, tmp_path / "samples")
    config = tmp_path / "sources.toml"
    config.write_text('[store]\nraw_dir = "raw"\ncurated_dir = "curated"\n'
                      f'[schedule]\ncron = "{cron}"\ntimezone = "Asia/Shanghai"\n'
                      '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n' + alerts, encoding="utf-8")
    return config


def _run_to_end(api: str, deployment_id: str, parameters: dict) -> tuple[dict, dict]:
    def create():
        reply = httpx.post(f"{api}/deployments/{deployment_id}/create_flow_run", json={"parameters": parameters},
                           timeout=10)
        return reply.json() if reply.status_code == 201 else None

    run = wait_for(create, 60, "a flow run to be created")

    def finished():
        state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5).json()["state"]
        return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

    return run, wait_for(finished, 240, f"flow run {run['name']}")


def _automations(api: str) -> list[dict]:
    return httpx.post(f"{api}/automations/filter", json={}, timeout=10).json()


@pytest.mark.slow
@pytest.mark.prefect_server_process
def test_a_failed_run_and_a_high_quarantine_share_reach_the_webhook(tmp_path, receiver):
    # The sample pages quarantine 1 row of about 120: over a 0.1% threshold. A nightly starting at 03:59 with
    # a deadline at 04:00 has one minute to complete, so the deadline automation fires within the test.
    config = _config(tmp_path, f'[alerts]\nwebhook_url = "{receiver.url}"\nnightly_deadline_hour = 4\n'
                               f"quarantine_share_threshold = 0.001\n", cron="59 3 * * *")
    with prefect_server(tmp_path / "server") as (api, env, server_log):
        with econ_news_serve(api, env, config, tmp_path) as (_served, out, err):
            nightly = wait_for(lambda: deployment(api, "econ-news-nightly", "nightly"), 90, "the nightly deployment")
            backfill = wait_for(lambda: deployment(api, "econ-news-backfill", "backfill"), 30, "the backfill")
            assert nightly["global_concurrency_limit"]["limit"] == 1  # one nightly at a time
            automations = wait_for(lambda: {a["name"]: a for a in _automations(api)} if len(_automations(api)) >= 3
                                   else None, 60, "the automations\n" + text(err))
            assert set(automations) == {FAILED, LATE, QUARANTINE_HIGH}
            late = automations[LATE]["trigger"]
            assert (late["posture"], late["within"], late["expect"]) == ("Proactive", 60.0,
                                                                         ["prefect.flow-run.Completed"])
            assert late["match_related"] == {"prefect.resource.id": [f"prefect.deployment.{nightly['id']}"]}

            dates = {"start_date": "2000-01-01", "end_date": "2100-01-01", "reprocess": True}
            failing, state = _run_to_end(api, nightly["id"], {"config_path": str(tmp_path / "missing.toml")})
            assert state["type"] == "FAILED"
            posted = wait_for(lambda: receiver.matching(failing["name"]), 90,
                              "the failure notification\n" + text(server_log))
            assert "Failed" in posted[0]["subject"] and "econ-news-nightly" in posted[0]["subject"]
            assert posted[0]["sender"] == WEBHOOK_BLOCK

            run, state = _run_to_end(api, backfill["id"], {**dates, "config_path": str(config)})
            assert state["type"] == "COMPLETED", text(out) + text(err)

            def quarantine_events():
                reply = httpx.post(f"{api}/events/filter", timeout=10,
                                   json={"filter": {"event": {"name": [QUARANTINE_HIGH_EVENT]}}, "limit": 10})
                return reply.json()["events"]

            events = wait_for(quarantine_events, 60, "the quarantine-high event")
            assert len(events) == 1
            payload = events[0]["payload"]
            assert payload["quarantined_rows"] >= 1 and payload["share"] == \
                payload["quarantined_rows"] / payload["judged_rows"] > payload["threshold"] == 0.001
            assert {"prefect.resource.id": f"prefect.flow-run.{run['id']}", "prefect.resource.role": "flow-run",
                    "prefect.resource.name": run["name"]} in events[0]["related"]
            posted = wait_for(lambda: receiver.matching("quarantined"), 90, "the quarantine notification")
            assert f"{payload['quarantined_rows']} of {payload['judged_rows']} rows" in posted[0]["body"]
            # The successful run did not notify as a failure.
            assert not receiver.matching(run["name"] + " of")
            # The failed nightly never completed: a minute after it started, the deadline automation fires.
            late_posts = wait_for(lambda: receiver.matching("has not completed by 04:00"), 240,
                                  "the deadline notification\n" + text(server_log))
            assert f"Flow run {failing['name']} of econ-news-nightly (nightly) did not complete" in late_posts[0]["body"]


@pytest.mark.slow
@pytest.mark.prefect_server_process
def test_sigterm_keeps_the_schedule_and_serving_again_updates_the_automations(tmp_path, receiver):
    config = _config(tmp_path, f'[alerts]\nwebhook_url = "{receiver.url}"\n')
    with prefect_server(tmp_path / "server") as (api, env, _server_log):
        for attempt in (1, 2):
            with econ_news_serve(api, env, config, tmp_path / f"serve-{attempt}") as (served, out, err):
                nightly = wait_for(lambda: deployment(api, "econ-news-nightly", "nightly"), 90, "the nightly")
                wait_for(lambda: "serving econ-news-nightly" in text(out), 60, "serve to start\n" + text(err))
                assert stop(served, signal.SIGTERM, timeout=60) == 0, text(err)
            stderr = text(err, 100_000)
            assert "was never awaited" not in stderr, stderr
            nightly = deployment(api, "econ-news-nightly", "nightly")
            assert nightly["paused"] is False and nightly["schedules"][0]["active"] is True, nightly
            names = sorted(a["name"] for a in _automations(api))
            assert names == sorted([FAILED, LATE, QUARANTINE_HIGH]), names  # updated in place, never added twice
            blocks = httpx.post(f"{api}/block_documents/filter", timeout=10, json={
                "block_documents": {"name": {"any_": [WEBHOOK_BLOCK]}}}).json()
            assert len(blocks) == 1


def test_alert_settings_are_checked_and_the_deadline_counts_from_the_schedule(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('[alerts]\nwebhook_url = "http://127.0.0.1:9/x"\nnightly_deadline_hour = 7\n', encoding="utf-8")
    settings = load_alert_settings(path)
    assert (settings.webhook_url, settings.nightly_deadline_hour) == ("http://127.0.0.1:9/x", 7)
    assert deadline_seconds("0 2 * * *", 7) == 5 * 3600
    assert deadline_seconds("30 22 * * *", 6) == 7.5 * 3600  # past midnight
    assert deadline_seconds("0 2 * * *", 2) == 24 * 3600
    with pytest.raises(AlertConfigError, match="fixed minute and hour"):
        deadline_seconds("*/5 * * * *", 7)
    for bad in ('webhook_url = "ftp://x"', "nightly_deadline_hour = 24", "quarantine_share_threshold = 2",
                "webhok_url = 'http://x'"):
        path.write_text(f"[alerts]\n{bad}\n", encoding="utf-8")
        with pytest.raises(AlertConfigError, match=str(path)):
            load_alert_settings(path)


def test_the_nightly_flow_times_out_after_the_setting(tmp_path):
    """The timeout is on the flow itself: a served run imports flows.pipeline in a fresh process, which reads
    the setting from the environment `serve` hands it."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    probe = "from flows.pipeline import nightly, backfill; print(nightly.timeout_seconds, backfill.timeout_seconds)"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    default = subprocess.run([sys.executable, "-c", probe], env={k: v for k, v in env.items()
                                                                 if k != "ECON_NEWS_NIGHTLY_TIMEOUT_SECONDS"},
                             capture_output=True, text=True, timeout=120, check=True).stdout.split()
    assert default == ["21600.0", "None"]
    set_ = subprocess.run([sys.executable, "-c", probe], env={**env, "ECON_NEWS_NIGHTLY_TIMEOUT_SECONDS": "90"},
                          capture_output=True, text=True, timeout=120, check=True).stdout.split()
    assert set_ == ["90.0", "None"]
