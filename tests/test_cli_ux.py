"""The `econ-news` command as a user meets it, run in a subprocess: configuration mistakes are one line and
exit 2 before Prefect starts; a held table gate prints what failed and the report's path and exits 3; a
progress bar on a terminal, progress lines otherwise; --version; source_uri the same however the raw
folder was named."""
from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
from importlib.metadata import version
from pathlib import Path

import pytest

from econ_news.store import read_table
from flows.runners import TASK_RUNNER_ENV, all_cores_spec
from flows.settings import PREFECT_ENVIRONMENT
from tests.conftest import REPO, SAMPLE_RAW

# Prefect prints this as the embedded server starts: a configuration error must come before it.
SERVER_STARTS = "Starting temporary server"


def _env(tmp_path: Path) -> dict:
    env = {**os.environ, **PREFECT_ENVIRONMENT, "PYTHONPATH": str(REPO), "PREFECT_HOME": str(tmp_path / "ph"),
           "ECON_NEWS_WORK_DIR": str(tmp_path / "work")}
    for key in ("PREFECT_API_URL", TASK_RUNNER_ENV, "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"):
        env.pop(key, None)
    return env


def _cli(tmp_path: Path, *args: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, env=_env(tmp_path),
                          capture_output=True, text=True, timeout=timeout)


def _sources_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f'[store]\nraw_dir = "raw"\n{extra}\n[[sources]]\nname = "samples"\nkind = "folder"\n'
                    f'path = "raw"\n', encoding="utf-8")
    return path


CONFIG_MISTAKES = {
    # case: (sources file extra text, command after the subcommand, words the one line must have)
    "fetch value of the wrong type": ('[fetch]\ntimeout_seconds = "soon"\n', ["nightly"],
                                      ["sources.toml", "[fetch] timeout_seconds", "'soon'"]),
    "unknown fetch key": ("[fetch]\ntimeout_secs = 5\n", ["nightly"], ["sources.toml", "timeout_secs"]),
    "time zone that does not exist": ('[schedule]\ntimezone = "Asia/Lanzhou"\n', ["serve"],
                                      ["sources.toml", "[schedule] timezone", "Asia/Lanzhou"]),
    "unknown source name": ("", ["backfill", "--start", "2025-01-01", "--end", "2025-01-31", "--source", "nope"],
                            ["sources.toml", "'nope'", "samples"]),
    "end before start": ("", ["backfill", "--start", "2025-02-01", "--end", "2025-01-31"],
                         ["--end 2025-01-31", "--start 2025-02-01"]),
}


@pytest.mark.parametrize("case", CONFIG_MISTAKES)
def test_a_configuration_mistake_is_one_line_and_exit_2_before_prefect_starts(tmp_path, case):
    extra, command, words = CONFIG_MISTAKES[case]
    config = _sources_file(tmp_path, extra)
    done = _cli(tmp_path, *command, "--config", str(config), timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("econ-news: error: "), done.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert "Traceback" not in done.stderr + done.stdout
    assert SERVER_STARTS not in done.stderr + done.stdout
    assert not (tmp_path / "ph").exists()  # Prefect never ran


def test_a_missing_sources_file_or_raw_folder_is_one_line_and_exit_2(tmp_path):
    missing = _cli(tmp_path, "nightly", "--config", str(tmp_path / "nowhere.toml"), timeout=120)
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"econ-news: error: {tmp_path / 'nowhere.toml'}: cannot read the sources " \
                                     "file: No such file or directory"
    no_raw = _cli(tmp_path, "run", "--raw-dir", str(tmp_path / "no-such-dir"), "--curated-dir",
                  str(tmp_path / "out"), timeout=120)
    assert no_raw.returncode == 2
    assert no_raw.stderr.strip() == f"econ-news: error: --raw-dir {tmp_path / 'no-such-dir'}: no such folder; " \
                                    "refusing to run (pass --allow-empty to publish empty tables)"
    assert not (tmp_path / "out").exists()


def test_version(tmp_path):
    done = _cli(tmp_path, "--version", timeout=60)
    assert done.returncode == 0
    assert done.stdout.strip() == f"econ-news {version('econ-news')}"


def test_a_held_table_gate_prints_what_failed_and_the_report_and_exits_3(tmp_path):
    """Only a binary file: no article, so the 'empty table while raw files exist' gate holds. The default
    runner (a process pool on this machine) sends the error back from a worker."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "scan.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    done = _cli(tmp_path, "run", "--raw-dir", str(raw), "--curated-dir", str(tmp_path / "curated"))
    assert done.returncode == 3, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "econ-news: the table checks failed; nothing was published" in done.stderr
    assert "  articles: expect_table_row_count_to_be_between() observed 0" in done.stderr
    report = [line for line in done.stderr.splitlines() if line.startswith("validation report: ")]
    assert len(report) == 1
    assert Path(report[0].removeprefix("validation report: ")).is_file()
    assert not (tmp_path / "curated" / "articles").exists()
    assert len(done.stderr.splitlines()) < 40  # the run's log lines and the verdict, not pages of traceback


def _articles_source_uris(curated: Path) -> list[str]:
    return sorted(read_table(curated / "articles").column("source_uri").to_pylist())


@pytest.mark.slow
def test_progress_lines_off_a_terminal_and_source_uri_absolute_from_a_relative_raw_dir(tmp_path):
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    done = _cli(tmp_path, "run", "--raw-dir", "raw", "--curated-dir", "curated", "--batch-size", "2",
                "--task-runner", "thread", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    progress = [line for line in done.stderr.splitlines() if line.startswith("progress: ")]
    assert progress and progress[-1].startswith("progress: 5/5 files (100%), 5 articles, ")
    assert "files/s, ETA 0:00:00" in progress[-1]
    uris = _articles_source_uris(tmp_path / "curated")
    expected = sorted(str((tmp_path / "raw").resolve() / p.name) for p in SAMPLE_RAW.iterdir()
                      if p.is_file() and not p.name.startswith("."))
    assert uris == expected  # absolute, resolved, and the last component is the file's name


@pytest.mark.slow
def test_a_progress_bar_on_a_terminal_and_the_same_source_uri_from_an_absolute_raw_dir(tmp_path):
    shutil.copytree(SAMPLE_RAW, tmp_path / "raw")
    # Reached through a symlinked folder and given absolute: the same URIs as the relative run's.
    (tmp_path / "link").symlink_to(tmp_path / "raw")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))  # a terminal 160 columns wide
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(tmp_path / "link"),
                             "--curated-dir", str(tmp_path / "curated"), "--batch-size", "2", "--task-runner",
                             "thread"], cwd=REPO, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    terminal = b""
    while True:
        ready, _, _ = select.select([master], [], [], 300)
        assert ready, "no output for 300 s"
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        terminal += chunk
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=60) == 0, terminal.decode(errors="replace")[-3000:]
    screen = terminal.decode(errors="replace")
    assert "\r" in screen and "econ-news: 100%" in screen and "5/5" in screen and "articles=5" in screen
    assert "file/s" in screen  # the rate (tqdm prints s/file while it is slower than a file a second)
    assert "INFO" not in screen  # on a terminal the bar has the console; the logs go to the server
    assert "articles:          5" in out
    expected = sorted(str((tmp_path / "raw").resolve() / p.name) for p in SAMPLE_RAW.iterdir()
                      if p.is_file() and not p.name.startswith("."))
    assert _articles_source_uris(tmp_path / "curated") == expected


def test_run_and_backfill_use_every_core_unless_told(monkeypatch):
    monkeypatch.delenv(TASK_RUNNER_ENV, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert all_cores_spec() == "process"
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert all_cores_spec() == "thread"
    monkeypatch.setenv(TASK_RUNNER_ENV, "dask")
    assert all_cores_spec() == "dask"


def test_the_pool_workers_of_a_killed_run_exit_with_it(tmp_path):
    """`econ-news run` on every core, killed with -9 mid-run: its worker processes do not live on."""
    import signal
    import time

    import psutil

    raw = tmp_path / "raw"
    for copy in range(40):  # enough pages that the run is still going when its workers are up
        for page in SAMPLE_RAW.iterdir():
            (raw / str(copy)).mkdir(parents=True, exist_ok=True)
            (raw / str(copy) / page.name).write_bytes(page.read_bytes() + f"\n{copy}".encode())
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "run", "--raw-dir", str(raw), "--curated-dir",
                             str(tmp_path / "curated"), "--batch-size", "5", "--task-runner", "process:2"],
                            cwd=REPO, env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    run = psutil.Process(proc.pid)
    deadline = time.monotonic() + 240
    workers: list = []
    while len(workers) < 2:
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before its workers were up"
        workers = [p for p in run.children(recursive=True) if "spawn_main" in " ".join(p.cmdline())]
        time.sleep(0.2)
    others = [p for p in run.children(recursive=True) if p not in workers]  # its Prefect server, ...
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    for p in others:  # orphaned by the kill as well; not what this test is about: stop them
        try:
            p.kill()
        except psutil.NoSuchProcess:
            pass
    deadline = time.monotonic() + 120  # a worker killed while importing exits once it is up
    while time.monotonic() < deadline and any(_running(p) for p in workers):
        time.sleep(0.5)
    alive = [p for p in workers if _running(p)]
    for p in alive:  # leave nothing behind, then fail
        p.kill()
    assert not alive, [p.pid for p in alive]


def _running(process) -> bool:
    """Not exited (an orphan that exited stays a zombie until something reaps it: that is gone)."""
    import psutil

    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
