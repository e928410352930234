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


def test_dask_local_cluster_gives_the_same_tables(threaded, tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        _run(build_task_runner(cluster.scheduler_address), tmp_path)
        assert len(cluster.scheduler_info["workers"]) == 2
    assert {t: dataset_digest(tmp_path / t) for t in TABLES} == threaded


def test_unknown_runner_is_refused():
    with pytest.raises(ValueError, match="unknown task runner"):
        build_task_runner("gpu")
