"""The DAG a user sees: each batch's stages are task runs nested under its process-batch task run, with
their own states, on a real Prefect API (the test harness's temporary server)."""
from __future__ import annotations

import shutil
from uuid import UUID

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

import econ_news.pipeline
from flows.pipeline import run_pipeline
from flows.runners import build_task_runner
from tests.conftest import SAMPLE_RAW

STAGES = ["fetch", "normalize", "segment", "extract", "validate", "write"]


def _task_runs(flow_run_id: UUID) -> list:
    with get_client(sync_client=True) as client:
        return client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                                     limit=200)


def _parents(task_run) -> set[UUID]:
    return {ref.id for ref in task_run.task_inputs.get("__parents__", [])}


def _stage_name(task_run) -> str:
    return task_run.name.rsplit("-", 1)[0]  # Prefect names a task run <task name>-<3 hex digits>


def _run(tmp_path, runner: str):
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    return run_pipeline.with_options(task_runner=build_task_runner(runner))(
        raw_dir=str(tmp_path / "raw"), curated_dir=str(tmp_path / "curated"), batch_size=2, return_state=True)


def test_every_batch_shows_its_six_stages_nested_under_it_from_worker_processes(prefect_server, tmp_path):
    state = _run(tmp_path, "process:2")
    assert state.is_completed(), state.message
    runs = _task_runs(state.state_details.flow_run_id)
    batches = [r for r in runs if _stage_name(r) == "process-batch"]
    assert len(batches) == 3  # five sample pages in batches of two
    for batch in batches:
        children = [r for r in runs if batch.id in _parents(r)]
        assert sorted(_stage_name(r) for r in children) == sorted(STAGES), [r.name for r in children]
        assert all(r.state.is_completed() for r in children)
        # In the order of the stages, each within its batch's run.
        starts = {_stage_name(r): r.start_time for r in children}
        assert [s for s in sorted(starts, key=starts.get)] == STAGES
        assert all(batch.start_time <= r.start_time and r.end_time <= batch.end_time for r in children)
    assert not [r for r in runs if _stage_name(r) in STAGES and not _parents(r)]  # no stage outside a batch


def test_when_normalize_raises_its_task_run_is_the_one_failed(prefect_server, tmp_path, monkeypatch):
    """The stages guard each page (a page that breaks a stage becomes a reject), so a stage raising for a
    whole batch is a bug or a resource failure: it is injected here, into normalize, in this process."""
    def normalize_fails(docs, max_bytes):
        raise MemoryError("injected: normalize could not hold the batch")

    monkeypatch.setattr(econ_news.pipeline, "normalize_batch", normalize_fails)
    state = _run(tmp_path, "thread")
    assert state.is_failed()
    runs = _task_runs(state.state_details.flow_run_id)
    batches = [r for r in runs if _stage_name(r) == "process-batch"]
    assert batches and all(b.state.is_failed() for b in batches)
    for batch in batches:
        children = [r for r in runs if batch.id in _parents(r)]
        by_stage: dict[str, list] = {}
        for child in children:
            by_stage.setdefault(_stage_name(child), []).append(child)
        # Two attempts (process-batch retries once): each fetched, then failed in normalize, and went no further.
        assert sorted(by_stage) == ["fetch", "normalize"], [r.name for r in children]
        assert all(r.state.is_completed() for r in by_stage["fetch"])
        assert by_stage["normalize"] and all(r.state.is_failed() for r in by_stage["normalize"])
        assert "MemoryError" in by_stage["normalize"][0].state.message
    assert not (tmp_path / "curated" / "articles").exists()  # nothing published
