"""The two deployments `econ-news serve` registers on the Prefect server and serves: wiring only.

- nightly: the nightly flow on the sources file's cron schedule, in its time zone (02:00 Asia/Shanghai by
  default); one run at a time (concurrency_limit=1: a night that overruns makes the next one wait);
- backfill: no schedule; run from the Prefect UI ("Run" > "Custom run"), where its typed parameters (two
  dates, a list of source names, a reprocess switch) render as a form.
"""
from __future__ import annotations

import asyncio
import os
import signal

from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from econ_news.alerts import load_alert_settings
from econ_news.sources.config import Config
from flows.alerts import QUARANTINE_SHARE_ENV, apply_alerts
from flows.pipeline import backfill, nightly


def build_deployments(config: Config) -> list[RunnerDeployment]:
    # Flow runs start in a fresh process that imports the flow by module path (the package is installed),
    # so the server can be started from any directory.
    common = {"parameters": {"config_path": str(config.path)}, "entrypoint_type": EntrypointType.MODULE_PATH,
              "tags": ["econ-news"]}
    deployments = [
        nightly.to_deployment(
            name="nightly", schedules=[Cron(config.cron, timezone=config.timezone)],
            description=f"Fetch every source in {config.path} and process what is new. "
                        f"Runs at `{config.cron}` ({config.timezone}).", concurrency_limit=1, **common),
        backfill.to_deployment(
            name="backfill",
            description=f"Reprocess the raw inputs that landed between two dates, from the raw store (nothing is "
                        f"fetched). Sources (empty for all): {', '.join(config.names()) or 'none configured'}.",
            **common),
    ]
    _offer_source_names(deployments[1], config.names())
    return deployments


def _offer_source_names(deployment: RunnerDeployment, names: list[str]) -> None:
    """The backfill form's `sources` field lists the configured names to pick from, and the server refuses
    a run with any other name before it starts (a deployment enforces its parameter schema)."""
    if not names:
        return
    for option in deployment._parameter_openapi_schema.properties["sources"]["anyOf"]:
        if option.get("type") == "array":
            option["items"] = {"type": "string", "enum": list(names)}


class _Runner(Runner):
    """Prefect's Runner, stopped by SIGTERM the way Ctrl-C stops it.

    Prefect 3.8's own SIGTERM handler calls the sync-or-async `stop()` from inside the event loop, where it
    returns the `astop()` coroutine unawaited ("coroutine 'Runner.astop' was never awaited"), then exits
    through the runner's shutdown, which pauses the schedules. Here SIGTERM schedules `astop()` on the loop;
    the schedules are left active (pause_on_shutdown=False), so the nightly keeps firing after a restart
    or a service manager's stop.
    """

    def handle_sigterm(self, *args, **kwargs) -> None:
        self._logger.info("SIGTERM received, stopping (the schedules stay active)")
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not serving yet, or any more
            raise KeyboardInterrupt from None
        loop.call_soon_threadsafe(lambda: loop.create_task(self._stop_once_started()))

    async def _stop_once_started(self) -> None:
        # A SIGTERM that lands while the runner is still starting (its loop runs, `started` is not yet set)
        # would make astop() raise "Runner has not yet started": stop as soon as it can be stopped instead.
        while not self.started:
            await asyncio.sleep(0.1)
        await self.astop()


def serve_deployments(config: Config) -> None:
    """Register both deployments on the server at PREFECT_API_URL, apply the [alerts] automations, and run
    the deployments' flow runs until stopped (Ctrl-C or SIGTERM)."""
    alerts = load_alert_settings(config.path)
    signal.signal(signal.SIGTERM, _interrupt)  # until the runner installs its own handler: stop like Ctrl-C
    # The served flow runs are child processes: they read the threshold from the environment.
    os.environ[QUARANTINE_SHARE_ENV] = str(alerts.quarantine_share_threshold)
    runner = _Runner(name="econ-news", pause_on_shutdown=False)
    ids = {deployment.name: runner.add_deployment(deployment) for deployment in build_deployments(config)}
    if alerts.webhook_url:
        apply_alerts(alerts, config.cron, ids["nightly"], ids["backfill"])
    print(f"serving econ-news-nightly/nightly ({config.cron}, {config.timezone}) and econ-news-backfill/backfill"
          + (f"; alerts to {alerts.webhook_url}" if alerts.webhook_url else "; no [alerts] webhook_url"), flush=True)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass


def _interrupt(*args) -> None:
    raise KeyboardInterrupt
