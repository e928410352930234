"""A real `prefect server start` on a free loopback port, its own PREFECT_HOME and SQLite database under a
test's tmp folder, telemetry off; and `econ-news serve` against it. Shared by the tests that need a server
process (test_deployments, test_schedule_server, test_alerts)."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from flows.settings import PREFECT_ENVIRONMENT
from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    """check() until it returns something truthy (HTTP errors count as not yet); fail after timeout s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = check()
            if got:
                return got
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 30) -> int:
    """Signal the process and wait for it (kill -9 after timeout s). Returns its exit code."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


@contextlib.contextmanager
def prefect_server(folder: Path, extra_env: dict | None = None):
    """Yields (api_url, env, log_path): the server's API and the environment its clients should use."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, **PREFECT_ENVIRONMENT, "PREFECT_HOME": str(folder / "prefect-home"),
           "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port), **(extra_env or {})}
    env.pop("PREFECT_API_URL", None)
    log_path = folder / "server.log"
    # The log goes to a file, not a pipe nobody reads: a chatty server must never block on a full pipe.
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                   "--port", str(port)], env=env, cwd=folder,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    try:
        wait_for(lambda: httpx.get(f"{api}/health", timeout=2).status_code == 200, 120, "prefect server start")
        yield api, env, log_path
    finally:
        stop(server)


@contextlib.contextmanager
def econ_news_serve(api: str, env: dict, config: Path, folder: Path, extra_env: dict | None = None):
    """`econ-news serve --config config` as a subprocess. Yields (process, stdout path, stderr path)."""
    serve_env = {**env, "PREFECT_API_URL": api, "PYTHONPATH": str(REPO), "PREFECT_RUNNER_POLL_FREQUENCY": "1",
                 **(extra_env or {})}
    folder.mkdir(parents=True, exist_ok=True)
    out, err = folder / "serve.out", folder / "serve.err"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        served = subprocess.Popen([sys.executable, "-m", "flows.cli", "serve", "--config", str(config)],
                                  env=serve_env, cwd=folder, stdout=stdout, stderr=stderr, start_new_session=True)
    try:
        yield served, out, err
    finally:
        stop(served)


def deployment(api: str, flow: str, name: str) -> dict | None:
    reply = httpx.get(f"{api}/deployments/name/{flow}/{name}", timeout=5)
    return reply.json() if reply.status_code == 200 else None


def text(path: Path, tail: int = 4000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-tail:] if path.exists() else ""
