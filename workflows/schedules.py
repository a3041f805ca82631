"""Temporal Schedules the worker creates idempotently at start (no cron threads)."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from workflows.maintenance import MaintenanceWorkflow

logger = logging.getLogger("paytrust.schedules")

MAINTENANCE_SCHEDULE_ID = "paytrust-maintenance"


async def ensure_schedules(client: Client, task_queue: str) -> None:
    """Create the schedules if missing; an existing one is left as the operator has it."""
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            MaintenanceWorkflow.run, id="paytrust-maintenance-run", task_queue=task_queue
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(hours=1))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(MAINTENANCE_SCHEDULE_ID, schedule)
        logger.info("created schedule %s", MAINTENANCE_SCHEDULE_ID)
    except ScheduleAlreadyRunningError:
        pass
