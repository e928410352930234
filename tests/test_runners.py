"""The same flow on other task runners gives the same tables: a process pool, and a real Dask
LocalCluster with two worker processes reached by its scheduler address."""
from __future__ import annotations

import pytest

from econ_news.store import dataset_digest
from flows.runners import build_task_runner
from tests.conftest import SAMPLE_RAW

TABLES = ("articles", "projects", "metrics", "rejects")


def _run(runner, out):
    from flows.pipeline import run_pipeline

    return run_pipeline.with_options(task_runner=runner)(raw_dir=str(SAMPLE_RAW), curated_dir=str(out), batch_size=2)


@pytest.fixture(scope="module")
def threaded(prefect_server, tmp_path_factory):
    out = tmp_path_factory.mktemp("thread")
    _run(build_task_runner("thread"), out)
    return {t: dataset_digest(out / t) for t in TABLES}


def test_process_pool_gives_the_same_tables(threaded, tmp_path):
    _run(build_task_runner("process:2"), tmp_path)
    assert {t: dataset_digest(tmp_path / t) for t in TABLES} == threaded


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_tables(threaded, tmp_path, capsys):
    """`econ-news run --dask-address host:port` on a real LocalCluster of two worker processes."""
    from distributed import LocalCluster

    from flows.cli import main

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")  # as a user might type it
        assert main(["run", "--raw-dir", str(SAMPLE_RAW), "--curated-dir", str(tmp_path), "--batch-size", "2",
                     "--dask-address", address]) == 0
        assert len(cluster.scheduler_info["workers"]) == 2
    assert "articles:" in capsys.readouterr().out
    assert {t: dataset_digest(tmp_path / t) for t in TABLES} == threaded


def test_unknown_runner_is_refused():
    with pytest.raises(ValueError, match="unknown task runner"):
        build_task_runner("gpu")


WORKER_API_SCRIPT = '''
import json, sys
from flows.settings import configure_environment
configure_environment()
from prefect import flow, get_client, task
from prefect.cache_policies import NO_CACHE
from flows.runners import build_task_runner


@task(cache_policy=NO_CACHE)
def api_url_seen_by_worker(_: int) -> str:
    return str(get_client(sync_client=True).api_url)


@flow
def report_api_urls(runner: str) -> dict:
    urls = [f.result() for f in [api_url_seen_by_worker.submit(i) for i in range(4)]]
    return {"flow": str(get_client(sync_client=True).api_url), "workers": urls}


if __name__ == "__main__":
    print(json.dumps(report_api_urls.with_options(task_runner=build_task_runner(sys.argv[1]))(sys.argv[1])))
'''


@pytest.mark.parametrize("runner", ["process:2", "dask"])
def test_workers_use_the_runs_embedded_server(runner, tmp_path):
    """Without PREFECT_API_URL a run starts an embedded server; its pool and Dask workers must report to
    that one, not each start a temporary server of their own (seconds and ~200 MB a worker)."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    script = tmp_path / "report_api_urls.py"
    script.write_text(WORKER_API_SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, str(script), runner], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["flow"].startswith("http://127.0.0.1:")
    assert seen["workers"] == [seen["flow"]] * 4
    assert proc.stderr.count("Starting temporary server") == 1
