"""Process-wide settings for running the pipeline under Prefect.

Prefect reports usage to its makers by default; this product runs on machines with no internet and
must not phone home. The values are set with setdefault so an operator can still override them.
"""
from __future__ import annotations

import os

PREFECT_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
    "DO_NOT_TRACK": "1",
    # The embedded server starts slower than Prefect's 20 s default on a loaded 2-core machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    # GX also reports usage unless told not to.
    "GX_ANALYTICS_ENABLED": "false",
}


def configure_environment() -> None:
    """Set the no-telemetry defaults. Call before importing prefect."""
    for key, value in PREFECT_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


# The nightly flow is stopped (state TimedOut, a Failed state that alerts) after this long; the next night
# starts clean. An operator can set ECON_NEWS_NIGHTLY_TIMEOUT_SECONDS for `econ-news serve`.
NIGHTLY_TIMEOUT_SECONDS = 6 * 3600


def nightly_timeout_seconds() -> float:
    return float(os.environ.get("ECON_NEWS_NIGHTLY_TIMEOUT_SECONDS", NIGHTLY_TIMEOUT_SECONDS))
