"""The console's log format for the `econ-news` command (flows/logging.yml, Prefect's own with one change).

Failures the command explains itself — a held table gate, a mistake in the sources file — are logged as
one line each, without their traceback: the command prints what failed and where the report is, and a
traceback through Prefect's engine would only bury that. Every other exception keeps its traceback, and
the logs sent to the Prefect server (the UI) keep everything.
"""
from __future__ import annotations

import logging

from prefect.logging.formatters import PrefectFormatter

# By name: the classes live in modules that import Great Expectations, which the console must not load.
EXPLAINED_FAILURES = {"TableValidationError", "ConfigError"}


class ConsoleFormatter(PrefectFormatter):
    def format(self, record: logging.LogRecord) -> str:
        exc_type = record.exc_info[0] if record.exc_info else None
        if exc_type is None or exc_type.__name__ not in EXPLAINED_FAILURES:
            return super().format(record)
        # The record is shared with the other handlers (the API's keeps the traceback): restore it after.
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
