"""`installment.overdue`: fired by InvoiceWorkflow's durable timer a day after an unpaid
installment's due date (domain.events.OVERDUE_AFTER; no polling job). The activity re-checks
under the invoice row lock that the installment is still unpaid and past due and that its
overdue event was not written already (a retried activity, a timer re-armed after
continue-as-new), then writes the event."""

from __future__ import annotations

from temporalio import activity

from activities.invoice_events import installment_event
from activities.locking import lock_invoice
from contracts.invoices import OverdueInput
from db.engine import SessionFactory, transaction
from db.invoices import InvoiceRepository
from db.overdue import OverdueEventRepository
from domain.events import OVERDUE_AFTER
from domain.status import FINAL_STATUSES, InvoiceStatus
from domain.timeutil import ensure_utc, utcnow


class OverdueActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    async def mark_installment_overdue(self, inp: OverdueInput) -> bool:
        """True if this call wrote the installment's `installment.overdue` event."""
        async with transaction(self._sessions) as session:
            invoices = InvoiceRepository(session, inp.tenant_id)
            invoice = await lock_invoice(invoices, inp.invoice_id)
            if InvoiceStatus(invoice.status) in FINAL_STATUSES:
                return False
            row = next(
                (
                    r
                    for r in await invoices.lock_schedule(invoice.id)
                    if r.number == inp.installment_number
                ),
                None,
            )
            now = max(utcnow(), ensure_utc(inp.as_of))
            if (
                row is None
                or row.status == "paid"
                or ensure_utc(row.due_date) + OVERDUE_AFTER > now
            ):
                return False
            events = OverdueEventRepository(session, invoice.tenant_id)
            if await events.already_written(invoice.id, row.number):
                return False
            await installment_event(session, invoice, row, "installment.overdue")
            return True
