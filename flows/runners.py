"""Where batch tasks run: threads (the default), local processes, or a Dask cluster.

The text stages are pure Python and hold the GIL, so threads overlap only I/O; processes or Dask workers
use every core. A run chooses with --task-runner, or ECON_NEWS_TASK_RUNNER for served deployments.
"""
from __future__ import annotations

import os

TASK_RUNNER_ENV = "ECON_NEWS_TASK_RUNNER"


def build_task_runner(spec: str | None = None):
    """thread | process[:N] | dask (a local cluster, one worker per core) | tcp://host:port (a Dask scheduler)."""
    spec = (spec or os.environ.get(TASK_RUNNER_ENV) or "thread").strip()
    if spec == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner()
    if spec == "process" or spec.startswith("process:"):
        from prefect.task_runners import ProcessPoolTaskRunner

        workers = int(spec.split(":", 1)[1]) if ":" in spec else os.cpu_count()
        return ProcessPoolTaskRunner(max_workers=workers)
    if spec == "dask":
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(cluster_kwargs={"n_workers": os.cpu_count(), "threads_per_worker": 1,
                                              "processes": True, "dashboard_address": None})
    if spec.startswith(("tcp://", "tls://")):
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=spec)
    raise ValueError(f"unknown task runner {spec!r}: use thread, process[:N], dask or tcp://host:port")
