"""MaintenanceWorkflow: run by the `paytrust-maintenance` Temporal Schedule (hourly)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.activities import PURGE_EXPIRED_IDEMPOTENCY_KEYS
    from contracts.maintenance import PurgeResult
    from workflows.calls import run_activity


@workflow.defn
class MaintenanceWorkflow:
    @workflow.run
    async def run(self) -> PurgeResult:
        return await run_activity(
            PURGE_EXPIRED_IDEMPOTENCY_KEYS,
            None,
            start_to_close_timeout=timedelta(minutes=10),
            heartbeat_timeout=timedelta(minutes=1),
            retry_policy=RetryPolicy(maximum_attempts=5),
        )
