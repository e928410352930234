"""How far a run has got, for the person who started it: files and articles done, rate, time left.

The flows report each finished batch to `current()`; it shows nothing unless the `econ-news` command
installed a display: a progress bar on a terminal, plain lines otherwise (a log file, a CI job, a pipe).
A served deployment's runs show their progress in the Prefect UI, so they have no display.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import TextIO


class Progress:
    """No display (flows run without the command, and the default)."""

    def start(self, files: int) -> None:
        """The run has `files` raw inputs to take through the stages."""

    def advance(self, files: int, articles: int) -> None:
        """A batch of `files` inputs is done; it yielded `articles` articles."""

    def close(self) -> None:
        """The batches are done (or the run failed)."""


_current = Progress()


def current() -> Progress:
    return _current


def install(progress: Progress) -> Progress:
    global _current
    _current = progress
    return progress


def for_stream(stream: TextIO) -> Progress:
    """A bar on a terminal, plain lines anywhere else."""
    return BarProgress(stream) if stream.isatty() else LineProgress(stream)


class BarProgress(Progress):
    """tqdm's bar: files done of all, articles so far, files per second, time left."""

    def __init__(self, stream: TextIO):
        self.stream, self.articles, self.bar, self.lock = stream, 0, None, threading.Lock()

    def start(self, files: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=files, unit="file", desc="econ-news", file=self.stream, dynamic_ncols=True,
                        smoothing=0.1, postfix={"articles": 0})

    def advance(self, files: int, articles: int) -> None:
        with self.lock:
            if self.bar is not None:
                self.articles += articles
                self.bar.set_postfix(articles=self.articles, refresh=False)
                self.bar.update(files)

    def close(self) -> None:
        with self.lock:
            if self.bar is not None:
                self.bar.close()
                self.bar = None


class LineProgress(Progress):
    """One line per tenth of the run, and at least every LINE_SECONDS: readable in a log, not a flood."""

    LINE_SECONDS = 30.0

    def __init__(self, stream: TextIO):
        self.stream, self.lock = stream, threading.Lock()
        self.total = self.files = self.articles = 0
        self.started = self.last_line = 0.0
        self.last_tenth = 0

    def start(self, files: int) -> None:
        self.total, self.started = files, time.monotonic()
        self.last_line = self.started

    def advance(self, files: int, articles: int) -> None:
        with self.lock:
            self.files += files
            self.articles += articles
            now, tenth = time.monotonic(), (10 * self.files) // max(self.total, 1)
            if tenth > self.last_tenth or now - self.last_line >= self.LINE_SECONDS:
                self.last_tenth, self.last_line = tenth, now
                self.stream.write(self._line(now) + "\n")
                self.stream.flush()

    def _line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-9)
        rate = self.files / elapsed
        left = (self.total - self.files) / rate if rate else 0.0
        return (f"progress: {self.files}/{self.total} files ({100 * self.files // max(self.total, 1)}%), "
                f"{self.articles} articles, {rate:.1f} files/s, ETA {timedelta(seconds=round(left))}")
