"""What an operator is alerted about: the `[alerts]` table of the sources file, and the quarantine share
of a run. Pure (no Prefect): flows/alerts.py turns these into Prefect automations and events.

    [alerts]
    webhook_url = "https://chat.example.org/hooks/econ-news"   # POSTed a JSON {"subject": …, "body": …}
    nightly_deadline_hour = 7            # the nightly must have completed by 07:00 (schedule's time zone)
    quarantine_share_threshold = 0.05    # a run quarantining more than 5% of its rows emits an event
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from econ_news.sources.config import ConfigError

QUARANTINE_HIGH_EVENT = "econ-news.run.quarantine-high"
QUARANTINE_SHARE_THRESHOLD = 0.05
NIGHTLY_DEADLINE_HOUR = 7
TABLES = ("articles", "projects", "metrics")


class AlertConfigError(ConfigError):
    """The [alerts] table says something that cannot be applied (a ConfigError: the CLI reports it as one)."""


@dataclass(frozen=True)
class AlertSettings:
    webhook_url: str | None = None  # no URL: no notification automations (the events are emitted anyway)
    nightly_deadline_hour: int = NIGHTLY_DEADLINE_HOUR
    quarantine_share_threshold: float = QUARANTINE_SHARE_THRESHOLD


def load_alert_settings(path: str | Path) -> AlertSettings:
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("alerts", {})
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AlertConfigError(f"{path}: {exc}") from exc
    if not isinstance(table, dict):
        raise AlertConfigError(f"{path}: [alerts] must be a table")
    unknown = set(table) - set(AlertSettings.__dataclass_fields__)
    if unknown:
        raise AlertConfigError(f"{path}: [alerts] has unknown keys {sorted(unknown)}")
    url = table.get("webhook_url")
    if url is not None and (not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https")
                            or not urlsplit(url).hostname):
        raise AlertConfigError(f"{path}: [alerts] webhook_url {url!r} must be an http(s) URL")
    hour = table.get("nightly_deadline_hour", NIGHTLY_DEADLINE_HOUR)
    if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
        raise AlertConfigError(f"{path}: [alerts] nightly_deadline_hour {hour!r} must be an hour, 0 to 23")
    share = table.get("quarantine_share_threshold", QUARANTINE_SHARE_THRESHOLD)
    if not isinstance(share, (int, float)) or isinstance(share, bool) or not 0 <= share <= 1:
        raise AlertConfigError(f"{path}: [alerts] quarantine_share_threshold {share!r} must be between 0 and 1")
    return AlertSettings(url, hour, float(share))


def deadline_seconds(cron: str, deadline_hour: int) -> int:
    """Seconds from the nightly's start (its cron's minute and hour) to the next deadline_hour:00 after it,
    both in the schedule's time zone; a deadline at the start hour means a whole day."""
    minute, hour = cron.split()[:2]
    if not (minute.isdigit() and hour.isdigit()):
        raise AlertConfigError(f"cron {cron!r}: a nightly deadline needs a cron with one fixed minute and hour")
    start = int(hour) * 60 + int(minute)
    minutes = (deadline_hour * 60 - start) % (24 * 60) or 24 * 60
    return minutes * 60


def quarantine_share(written: dict, quarantined: dict) -> float:
    """Rows quarantined over rows judged (written + quarantined), over the three tables; 0 for no rows."""
    bad = sum(quarantined.get(t, 0) for t in TABLES)
    judged = bad + sum(written.get(t, 0) for t in TABLES)
    return bad / judged if judged else 0.0
