from __future__ import annotations

from pathlib import Path

import pytest

from flows.settings import configure_environment

configure_environment()  # before anything imports prefect: no telemetry from test runs either

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the clone; a worktree one level deeper (wt/<name>) finds it further up.
SHARED = next((p / "shared" for p in REPO.parents if (p / "shared" / "corpus").is_dir()), REPO.parent / "shared")
SAMPLE_RAW = REPO / "data" / "raw"


def shared_corpus(split: str) -> Path:
    """../shared/corpus/<split>, or skip: a user's clone has no ../shared (CI has)."""
    folder = SHARED / "corpus" / split
    if not (folder / "raw").is_dir():
        pytest.skip(f"{folder} is absent: gold-scored tests need ../shared beside the clone (CI has it)")
    return folder


@pytest.fixture(scope="session")
def prefect_server():
    """A real Prefect API (temporary server on loopback) for the whole test session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
