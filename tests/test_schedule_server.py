"""The nightly fires: a real `prefect server start` (its scheduler loop shortened) and `econ-news serve`; the
server's scheduler itself must create the nightly's runs at 02:00 Asia/Shanghai, with no error in its log.

With SQLAlchemy 2.1 the scheduler failed every loop ("Can't evaluate bulk DML statement") and the nightly
never got a run; the serve test in test_deployments starts its runs through the API, so it could not see it.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.prefect_server import deployment, econ_news_serve, prefect_server, text, wait_for

pytestmark = pytest.mark.prefect_server_process

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Prefect 3.8's setting for the scheduler service's loop (server/services.py, ServerServicesSchedulerSettings).
FAST_SCHEDULER = {"PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2"}
SCHEDULER_ERRORS = re.compile(r"InvalidRequestError|bulk DML|Traceback|Unexpected error in: |ERROR", re.I)


def next_two_oclock_instants(after: datetime, count: int) -> list[datetime]:
    """The next `count` 02:00 Asia/Shanghai instants after `after`, in UTC."""
    local = after.astimezone(SHANGHAI)
    first = local.replace(hour=2, minute=0, second=0, microsecond=0)
    if first <= local:
        first += timedelta(days=1)
    return [(first + timedelta(days=i)).astimezone(timezone.utc) for i in range(count)]


def scheduled_runs(api: str, deployment_id: str) -> list[dict]:
    reply = httpx.post(f"{api}/flow_runs/filter", timeout=10, json={
        "flow_runs": {"deployment_id": {"any_": [deployment_id]}, "state": {"type": {"any_": ["SCHEDULED"]}}},
        "sort": "EXPECTED_START_TIME_ASC", "limit": 10})
    reply.raise_for_status()
    return reply.json()


def test_the_server_schedules_the_nightly_at_two_in_shanghai(tmp_path):
    config = tmp_path / "sources.toml"
    (tmp_path / "samples").mkdir()
    config.write_text('[store]\nraw_dir = "raw"\ncurated_dir = "curated"\n'
                      '[schedule]\ncron = "0 2 * * *"\ntimezone = "Asia/Shanghai"\n'
                      '[[sources]]\nname = "samples"\nkind = "folder"\npath = "samples"\n', encoding="utf-8")
    started = datetime.now(timezone.utc)
    with prefect_server(tmp_path / "server", FAST_SCHEDULER) as (api, env, server_log):
        with econ_news_serve(api, env, config, tmp_path) as (_served, out, err):
            nightly = wait_for(lambda: deployment(api, "econ-news-nightly", "nightly"), 90, "the nightly deployment")
            runs = wait_for(lambda: [r for r in scheduled_runs(api, nightly["id"]) if r["auto_scheduled"]]
                            if len(scheduled_runs(api, nightly["id"])) >= 3 else None,
                            120, "the scheduler to create the nightly's runs\n" + text(server_log))
        log = server_log.read_text(encoding="utf-8", errors="replace")
    times = [datetime.fromisoformat(r["expected_start_time"]) for r in runs]
    print("nightly runs scheduled by the server:", [t.isoformat() for t in times])
    assert all(r["state"]["type"] == "SCHEDULED" and r["state"]["name"] == "Scheduled" for r in runs)
    assert times == next_two_oclock_instants(started, len(times)), (times, text(err))
    assert {(t.hour, t.minute, t.second) for t in times} == {(18, 0, 0)}  # 02:00 +08:00 is 18:00 UTC
    assert not SCHEDULER_ERRORS.search(log), SCHEDULER_ERRORS.search(log) and log[-4000:]
