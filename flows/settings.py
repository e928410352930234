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
