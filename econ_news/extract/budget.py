"""A per-article time budget for extraction: a page that reads too slowly becomes a reject, not a held batch.

A thread cannot be stopped from outside, so the budget is cooperative: the extractors' loops call
``check("where")``, which raises TimeBudgetExceeded once the article has used up its CPU seconds. The
budget counts this thread's CPU time (time.thread_time), not wall time, so batches running side by side,
or other work on a busy machine, do not use up an article's budget.

Checks sit in the loops over rule matches, mentions and sentences; a single regex call is not
interrupted, so the patterns must stay linear in the text on their own (tests/test_extract_scaling.py).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

# CPU seconds one article may take in the extract stage. An ordinary article takes a few milliseconds.
EXTRACT_SECONDS_PER_ARTICLE = 20.0

# Reading the thread's CPU clock costs about a microsecond (a system call), and the loops check a few
# hundred times per ordinary article: the clock is read at every CHECK_EVERY-th check only. Each loop step
# is short (a match, a mention), so the budget is overshot by a few steps at most.
CHECK_EVERY = 16


class _Budget:
    __slots__ = ("deadline", "seconds", "countdown")

    def __init__(self, seconds: float) -> None:
        self.deadline = time.thread_time() + seconds
        self.seconds = seconds
        self.countdown = CHECK_EVERY


# the budget of the article being read in this thread (contexts are per thread), None outside one
_budget: ContextVar[_Budget | None] = ContextVar("econ_news_extract_budget", default=None)


class TimeBudgetExceeded(Exception):
    """The article used up its extraction budget; ``where`` is the loop that noticed."""

    def __init__(self, seconds: float, where: str) -> None:
        super().__init__(f"over the {seconds:g} s extraction budget (in {where})")
        self.seconds = seconds
        self.where = where


@contextmanager
def time_budget(seconds: float = EXTRACT_SECONDS_PER_ARTICLE) -> Iterator[None]:
    """Within the block, check() raises once this thread has spent `seconds` of CPU time in it."""
    token = _budget.set(_Budget(seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def check(where: str) -> None:
    """Raise TimeBudgetExceeded when the current budget is spent (no budget set: never)."""
    budget = _budget.get()
    if budget is None:
        return
    budget.countdown -= 1
    if budget.countdown > 0:
        return
    budget.countdown = CHECK_EVERY
    if time.thread_time() > budget.deadline:
        raise TimeBudgetExceeded(budget.seconds, where)
