"""ArchivalWorkflow: run daily by the `paytrust-archival` Schedule (NFR-007, 7-year retention)."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.activities import ARCHIVE_TRANSACTIONS_BATCH
    from contracts.maintenance import ArchivalInput, ArchivalResult, ArchiveBatchInput
    from workflows.calls import run_activity

RETENTION_YEARS = 7
# Many batches in one run would grow the history: continue as new after this many.
BATCHES_PER_RUN = 200


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


@workflow.defn
class ArchivalWorkflow:
    @workflow.run
    async def run(self, inp: ArchivalInput) -> ArchivalResult:
        cutoff = inp.cutoff or years_before(workflow.now(), RETENTION_YEARS)
        moved = inp.moved_before
        for _ in range(BATCHES_PER_RUN):
            result = await run_activity(
                ARCHIVE_TRANSACTIONS_BATCH,
                ArchiveBatchInput(cutoff=cutoff, batch_size=inp.batch_size),
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=5)),
            )
            moved += result.moved
            if result.moved < inp.batch_size:
                workflow.logger.info("archival done: %s transactions before %s", moved, cutoff)
                return ArchivalResult(moved=moved, cutoff=cutoff)
        workflow.continue_as_new(
            ArchivalInput(batch_size=inp.batch_size, cutoff=cutoff, moved_before=moved)
        )
