"""Worker interceptor: after every activity that touched an invoice (its input names
`tenant_id` and `invoice_id`), hand the invoice's new outbox rows to their delivery workflows.

It runs once the activity's transaction has committed (or failed: a retried activity whose
first try committed still hands over), so events reach receivers within milliseconds with no
code in the activities themselves; a run that wrote no outbox row (`record_event` counts them
per task) asks nothing. A crash before it runs loses nothing: the sweeper picks the rows up.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from db.engine import SessionFactory
from db.events import outbox_rows_written
from notify.dispatch import dispatch_quietly


def _invoice_of(args: Any) -> tuple[str, int] | None:
    for arg in args:
        tenant = getattr(arg, "tenant_id", None)
        invoice = getattr(arg, "invoice_id", None)
        if isinstance(tenant, str) and isinstance(invoice, int) and not isinstance(invoice, bool):
            return tenant, invoice
    return None


class _Dispatching(ActivityInboundInterceptor):
    def __init__(
        self, next: ActivityInboundInterceptor, sessions: SessionFactory, task_queue: str
    ) -> None:
        super().__init__(next)
        self._sessions = sessions
        self._task_queue = task_queue

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        target = _invoice_of(input.args)
        try:
            return await self.next.execute_activity(input)
        finally:
            # Nothing to hand over if this run wrote no outbox row; a retry hands over anyway
            # (its first try may have committed rows and died before handing them over).
            if target is not None and (outbox_rows_written() or activity.info().attempt > 1):
                await dispatch_quietly(self._sessions, activity.client(), self._task_queue, *target)


class DispatchAfterInvoiceActivities(Interceptor):
    def __init__(self, sessions: SessionFactory, task_queue: str) -> None:
        self._sessions = sessions
        self._task_queue = task_queue

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Dispatching(next, self._sessions, self._task_queue)
