"""Which events an invoice change writes, with what resource: called by the invoice
activities inside their transaction (under the invoice row lock), so every event commits with
its change. The rows themselves are built by `db.events.record_event`; resources are rendered
by `db.resources`, the renderers the GET endpoints use, so an event shows what GET shows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from db import events, resources
from db import invoices as repo
from db.models import (
    InstallmentSchedule,
    Invoice,
    PaymentDiscrepancy,
    PaymentTransaction,
)
from domain.status import InvoiceStatus


async def invoice_events(session: AsyncSession, invoice: Invoice, *types: str) -> None:
    """Events whose object is the invoice as of this change (one rendering for all)."""
    if not types:
        return
    await session.flush()
    obj = (await resources.render(session, invoice)).model_dump(mode="json")
    for event_type in types:
        await events.record_event(session, invoice, event_type, obj)


async def payment_events(
    session: AsyncSession,
    invoice: Invoice,
    txn: PaymentTransaction,
    discrepancy: PaymentDiscrepancy | None,
    *,
    newly_paid: Sequence[InstallmentSchedule],
    status_changed: bool,
    overpaid: bool,
) -> None:
    """A payment applied: payment.succeeded (the payment), payment.discrepancy (the
    discrepancy), installment.paid per installment it completed (the installment), then the
    invoice's invoice.partially_paid / invoice.paid and invoice.overpaid."""
    await session.flush()
    await session.refresh(txn, ["created_at"])
    gateway = await repo.gateway_name(session, invoice.gateway_id)
    payment = resources.transaction_out(txn, gateway).model_dump(mode="json")
    await events.record_event(session, invoice, "payment.succeeded", payment)
    if discrepancy is not None:
        obj = resources.discrepancy_out(discrepancy, invoice.currency).model_dump(mode="json")
        await events.record_event(session, invoice, "payment.discrepancy", obj)
    for row in newly_paid:
        await installment_event(session, invoice, row, "installment.paid")
    types = []
    status = InvoiceStatus(invoice.status)
    if status == InvoiceStatus.PARTIALLY_PAID:
        types.append("invoice.partially_paid")
    elif status == InvoiceStatus.FULLY_PAID and status_changed:
        types.append("invoice.paid")
    if overpaid:
        types.append("invoice.overpaid")
    await invoice_events(session, invoice, *types)


async def installment_event(
    session: AsyncSession, invoice: Invoice, row: InstallmentSchedule, event_type: str
) -> None:
    """installment.paid / installment.overdue: the installment as GET .../installments shows."""
    obj = resources.installment_out(row, invoice.currency).model_dump(mode="json")
    await events.record_event(session, invoice, event_type, obj)
