"""Temporal Schedules the worker creates idempotently at start (no cron threads)."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from contracts.maintenance import ArchivalInput
from workflows.archival import ArchivalWorkflow
from workflows.delivery import WebhookSweeperWorkflow
from workflows.maintenance import MaintenanceWorkflow

logger = logging.getLogger("paytrust.schedules")

MAINTENANCE_SCHEDULE_ID = "paytrust-maintenance"
ARCHIVAL_SCHEDULE_ID = "paytrust-archival"
WEBHOOK_SWEEPER_SCHEDULE_ID = "paytrust-webhook-sweeper"


def schedules(task_queue: str) -> dict[str, Schedule]:
    return {
        MAINTENANCE_SCHEDULE_ID: Schedule(
            action=ScheduleActionStartWorkflow(
                MaintenanceWorkflow.run, id="paytrust-maintenance-run", task_queue=task_queue
            ),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        ),
        # Daily at 02:00 UTC: payment transactions past 7 years move to the archive.
        ARCHIVAL_SCHEDULE_ID: Schedule(
            action=ScheduleActionStartWorkflow(
                ArchivalWorkflow.run,
                ArchivalInput(),
                id="paytrust-archival-run",
                task_queue=task_queue,
            ),
            spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(2)])]),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        ),
        # Every minute: merchant-webhook outbox rows no delivery workflow picked up.
        WEBHOOK_SWEEPER_SCHEDULE_ID: Schedule(
            action=ScheduleActionStartWorkflow(
                WebhookSweeperWorkflow.run, id="paytrust-webhook-sweeper-run", task_queue=task_queue
            ),
            spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(minutes=1))]),
            policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        ),
    }


async def ensure_schedules(client: Client, task_queue: str) -> None:
    """Create the schedules if missing; an existing one is left as the operator has it."""
    for schedule_id, schedule in schedules(task_queue).items():
        try:
            await client.create_schedule(schedule_id, schedule)
            logger.info("created schedule %s", schedule_id)
        except ScheduleAlreadyRunningError:
            pass
