"""Alerts through Prefect: a webhook block and the automations that use it (applied by `econ-news serve`),
and the event a run emits when it quarantines too large a share of its rows. Wiring only: what to alert on
is decided in econ_news.alerts.

Automations (each found by its name and updated in place, so serving again never duplicates them):
- a nightly or backfill flow run entered Failed or Crashed;
- a nightly run started (or went Late) and did not complete by [alerts] nightly_deadline_hour;
- a run emitted econ-news.run.quarantine-high.
"""
from __future__ import annotations

import os
from datetime import timedelta
from uuid import UUID

from econ_news.alerts import QUARANTINE_HIGH_EVENT, QUARANTINE_SHARE_THRESHOLD, AlertSettings, deadline_seconds, \
    quarantine_share

WEBHOOK_BLOCK = "econ-news-alerts"
# Served flow runs are child processes of `econ-news serve`, which sets this from [alerts].
QUARANTINE_SHARE_ENV = "ECON_NEWS_QUARANTINE_SHARE_THRESHOLD"
FAILED = "econ-news: nightly or backfill failed"
LATE = "econ-news: nightly not completed by its deadline"
QUARANTINE_HIGH = "econ-news: quarantine share high"

RUN_BODY = ("Flow run {{ flow_run.name }} of {{ flow.name }} ({{ deployment.name }}) is {{ flow_run.state.name }}: "
            "{{ flow_run.state.message }}\nFlow run id: {{ flow_run.id }}")


def build_automations(settings: AlertSettings, cron: str, nightly_id: UUID, backfill_id: UUID, block_id: UUID) -> list:
    from prefect.automations import AutomationCore, EventTrigger, Posture, SendNotification

    def notify(subject: str, body: str) -> list:
        return [SendNotification(block_document_id=block_id, subject=subject, body=body)]

    runs_of = lambda *ids: {"prefect.resource.id": [f"prefect.deployment.{i}" for i in ids]}  # noqa: E731
    flow_runs = {"prefect.resource.id": "prefect.flow-run.*"}
    return [
        AutomationCore(
            name=FAILED, description="A nightly or backfill flow run entered Failed or Crashed.",
            trigger=EventTrigger(match=flow_runs, match_related=runs_of(nightly_id, backfill_id),
                                 expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                                 posture=Posture.Reactive, threshold=1, within=timedelta(0)),
            actions=notify("econ-news: {{ flow.name }} run {{ flow_run.name }} {{ flow_run.state.name }}", RUN_BODY)),
        AutomationCore(
            name=LATE, description=f"The nightly did not complete by {settings.nightly_deadline_hour:02d}:00 "
                                   f"(schedule `{cron}`, in the schedule's time zone).",
            trigger=EventTrigger(match=flow_runs, match_related=runs_of(nightly_id),
                                 after={"prefect.flow-run.Pending", "prefect.flow-run.Late"},
                                 expect={"prefect.flow-run.Completed"}, for_each={"prefect.resource.id"},
                                 posture=Posture.Proactive, threshold=1,
                                 within=timedelta(seconds=deadline_seconds(cron, settings.nightly_deadline_hour))),
            actions=notify(f"econ-news: the nightly has not completed by {settings.nightly_deadline_hour:02d}:00",
                           "Flow run {{ flow_run.name }} of {{ flow.name }} ({{ deployment.name }}) did not "
                           "complete in time.\nFlow run id: {{ flow_run.id }}")),
        AutomationCore(
            name=QUARANTINE_HIGH, description="A run quarantined more than [alerts] quarantine_share_threshold.",
            trigger=EventTrigger(match={"prefect.resource.id": "econ-news.run.*"}, expect={QUARANTINE_HIGH_EVENT},
                                 posture=Posture.Reactive, threshold=1, within=timedelta(0)),
            actions=notify("econ-news: {{ event.resource.name }} quarantined {{ event.payload.share_percent }}% "
                           "of its rows",
                           "Run {{ event.resource.name }} quarantined {{ event.payload.quarantined_rows }} of "
                           "{{ event.payload.judged_rows }} rows (threshold {{ event.payload.threshold_percent }}%). "
                           "Report: {{ event.payload.report }}")),
    ]


def apply_alerts(settings: AlertSettings, cron: str, nightly_id: UUID, backfill_id: UUID) -> list[UUID]:
    """Save the webhook block and create or update the automations on the server at PREFECT_API_URL."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.client.orchestration import get_client

    block = CustomWebhookNotificationBlock(
        name=WEBHOOK_BLOCK, url=settings.webhook_url, method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}", "sender": "{{name}}"})
    block_id = block.save(WEBHOOK_BLOCK, overwrite=True)
    ids = []
    with get_client(sync_client=True) as client:
        for automation in build_automations(settings, cron, nightly_id, backfill_id, block_id):
            existing = client.read_automations_by_name(automation.name)
            if existing:
                client.update_automation(existing[0].id, automation)
                for extra in existing[1:]:
                    client.delete_automation(extra.id)
                ids.append(existing[0].id)
            else:
                ids.append(client.create_automation(automation))
    return ids


def emit_if_quarantine_high(summary) -> bool:
    """Emit econ-news.run.quarantine-high when the run quarantined more than the threshold's share of its rows
    (an automation can alert on it). Returns whether it was emitted."""
    threshold = float(os.environ.get(QUARANTINE_SHARE_ENV, QUARANTINE_SHARE_THRESHOLD))
    share = quarantine_share(summary.written, summary.quarantined)
    if share <= threshold:
        return False
    from prefect import runtime
    from prefect.events import emit_event
    from prefect.logging import get_run_logger

    related = []
    if runtime.flow_run.id:
        related.append({"prefect.resource.id": f"prefect.flow-run.{runtime.flow_run.id}",
                        "prefect.resource.role": "flow-run", "prefect.resource.name": runtime.flow_run.name})
    if runtime.deployment.id:
        related.append({"prefect.resource.id": f"prefect.deployment.{runtime.deployment.id}",
                        "prefect.resource.role": "deployment", "prefect.resource.name": runtime.deployment.name})
    quarantined = sum(summary.quarantined.values())
    emit_event(QUARANTINE_HIGH_EVENT,
               resource={"prefect.resource.id": f"econ-news.run.{summary.run_id}",
                         "prefect.resource.name": f"{summary.kind} {summary.run_id}"},
               related=related,
               payload={"share": share, "share_percent": round(100 * share, 2), "threshold": threshold,
                        "threshold_percent": round(100 * threshold, 2), "quarantined_rows": quarantined,
                        "judged_rows": quarantined + sum(summary.written.values()),
                        "quarantined": dict(summary.quarantined), "report": summary.report or ""})
    get_run_logger().warning("run %s quarantined %.1f%% of its rows (threshold %.1f%%): event %s emitted",
                             summary.run_id, 100 * share, 100 * threshold, QUARANTINE_HIGH_EVENT)
    return True
