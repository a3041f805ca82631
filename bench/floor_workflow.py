"""The workflow of the "one task" floor (bench/benchmarks/invoices.py): its run's first and
only workflow task starts a one-day timer. What a durable start costs once a worker runs the
workflow at all, the floor every real workflow pays.

No import side effects and no module state: the worker's sandbox may import this module again.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

ONE_TASK_WORKFLOW = "BenchOneTaskWorkflow"


@workflow.defn(name=ONE_TASK_WORKFLOW)
class OneTaskWorkflow:
    @workflow.run
    async def run(self) -> None:
        await workflow.sleep(timedelta(days=1))
