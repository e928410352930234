"""Where batch tasks run: threads (the default), local processes, or a Dask cluster.

The text stages are pure Python and hold the GIL, so threads overlap only I/O; processes or Dask workers
use every core. A run chooses with --task-runner, or ECON_NEWS_TASK_RUNNER for served deployments.
"""
from __future__ import annotations

import os
import sys
from contextlib import nullcontext

TASK_RUNNER_ENV = "ECON_NEWS_TASK_RUNNER"


def build_task_runner(spec: str | None = None):
    """thread | process[:N] | dask (a local cluster, one worker per core) | tcp://host:port (a Dask scheduler)."""
    spec = (spec or os.environ.get(TASK_RUNNER_ENV) or "thread").strip()
    if spec == "thread":
        from prefect.task_runners import ThreadPoolTaskRunner

        return ThreadPoolTaskRunner()
    if spec == "process" or spec.startswith("process:"):
        workers = int(spec.split(":", 1)[1]) if ":" in spec else os.cpu_count()
        return _process_pool_runner(workers)
    if spec == "dask":
        return _dask_runner(cluster_kwargs={"n_workers": os.cpu_count(), "threads_per_worker": 1,
                                            "processes": True, "dashboard_address": None})
    if spec.startswith(("tcp://", "tls://")):
        return _dask_runner(address=spec)
    raise ValueError(f"unknown task runner {spec!r}: use thread, process[:N], dask or tcp://host:port")


def all_cores_spec() -> str:
    """$ECON_NEWS_TASK_RUNNER if set, else a process per core when there is more than one (the benchmark:
    333 against 198 articles/s on two cores), else threads (a pool of one process only adds its start-up)."""
    return os.environ.get(TASK_RUNNER_ENV) or ("process" if (os.cpu_count() or 1) > 1 else "thread")


class _ReportsToTheRunsServer:
    """Mixed into a task runner whose workers are other processes: see _embedded_server_as_api."""

    def submit(self, *args, **kwargs):
        with _embedded_server_as_api():
            return super().submit(*args, **kwargs)


def _process_pool_runner(workers: int):
    from prefect.task_runners import ProcessPoolTaskRunner

    class ProcessPool(_ReportsToTheRunsServer, ProcessPoolTaskRunner):
        pass

    return ProcessPool(max_workers=workers, initializer=_exit_when_the_run_is_gone, initargs=(os.getpid(),))


def _exit_when_the_run_is_gone(parent: int) -> None:
    """In each pool worker: exit once the process that started it (parent, named by that process: it may
    die while the worker is still importing) is gone. A run killed with -9 would otherwise leave its
    workers waiting on their queue for ever (hundreds of MB each)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="econ-news-watch-run", daemon=True).start()


def _dask_runner(**kwargs):
    from prefect_dask import DaskTaskRunner  # imported only when asked for: Dask takes a second to import

    class Dask(_ReportsToTheRunsServer, DaskTaskRunner):
        pass

    return Dask(**kwargs)


def _embedded_server_as_api():
    """While a task is submitted, name the embedded Prefect server as the API, when that is what this run uses.

    A task sent to another process carries this process's Prefect settings. With no PREFECT_API_URL set
    (the embedded server of a local run), each pool or Dask worker found none and started a temporary
    Prefect server of its own: seconds of start-up and ~200 MB per worker, for nothing. Naming the server
    this process runs makes the workers use it. A run against a real server (PREFECT_API_URL set) is left
    as it is.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        return nullcontext()
    server_module = sys.modules.get("prefect.server.api.server")
    server = server_module.SubprocessASGIServer._instances.get(None) if server_module else None
    if server is None or not server.running:
        return nullcontext()
    return temporary_settings(updates={PREFECT_API_URL: server.api_url})
