"""The two deployments `econ-news serve` registers on the Prefect server and serves: wiring only.

- nightly: the nightly flow on the sources file's cron schedule, in its time zone (02:00 Asia/Shanghai by
  default);
- backfill: no schedule; run from the Prefect UI ("Run" > "Custom run"), where its typed parameters (two
  dates, a list of source names, a reprocess switch) render as a form.
"""
from __future__ import annotations

from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from econ_news.sources.config import Config
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
                        f"Runs at `{config.cron}` ({config.timezone}).", **common),
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


def serve_deployments(config: Config) -> None:
    """Register both deployments on the server at PREFECT_API_URL and run their flow runs until stopped."""
    serve(*build_deployments(config))
