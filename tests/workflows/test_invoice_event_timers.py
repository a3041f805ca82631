"""installment.overdue and invoice.expired come from InvoiceWorkflow's durable timers (no
polling): on the time-skipping server, with the activities on real MariaDB."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from contracts.invoices import InvoiceSnapshot
from db import invoices as repo
from db.drafting import insert_invoice
from db.engine import SessionFactory, transaction
from db.gateways import GatewayRepository
from db.models import Event
from domain.drafts import InstallmentsIn, LineItemIn, plan_invoice
from domain.money import Currency
from domain.timeutil import ensure_utc, utcnow
from domain.totals import FeeSchedule
from gateways.base import PaymentGateway
from tests.workflows.helpers import keep_history, running_worker
from tests.workflows.test_invoice_workflow import start_invoice_workflow


async def installment_invoice(sessions: SessionFactory, tenant_id: str) -> InvoiceSnapshot:
    """Two installments due now and in 7 days; expiry a day after the last (the default)."""
    now = utcnow()
    async with transaction(sessions) as session:
        gateway = await GatewayRepository(session).get_gateway(1)
        assert gateway is not None
        fee_row = next(f for f in gateway.fees if f.currency == "IDR")
        fee = FeeSchedule(fee_percentage=fee_row.fee_percentage, fee_fixed=fee_row.fee_fixed)
        plan = plan_invoice(
            currency=Currency.IDR,
            fee=fee,
            line_items=[
                LineItemIn(description="Sofa", quantity=1, unit_price="300000", tax_rate="0.11")
            ],
            installments=InstallmentsIn(count=2, interval_days=7),
            expires_at=None,
            now=now,
        )
        invoice, _, schedule = await insert_invoice(
            repo.InvoiceRepository(session, tenant_id),
            external_id=f"order-{uuid.uuid4().hex[:12]}",
            gateway_id=1,
            fee=fee,
            plan=plan,
            description="Installments",
            customer=None,
            metadata=None,
            original_invoice_id=None,
            now=now,
        )
        return repo.snapshot(invoice, gateway.name, schedule)


async def events_of(sessions: SessionFactory, tenant_id: str, invoice_id: int) -> list[Event]:
    async with sessions() as session:
        rows = await session.execute(
            select(Event)
            .where(Event.tenant_id == tenant_id, Event.invoice_id == invoice_id)
            .order_by(Event.sequence)
        )
        return list(rows.scalars())


async def test_overdue_installments_then_expiry_are_events_from_timers(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
    tenant_id: str,
) -> None:
    created = await installment_invoice(sessions, tenant_id)
    first, second = created.installments
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, created, task_queue)
        # Just before a day past the first due date: nothing yet.
        await env.sleep(
            first.due_date + timedelta(days=1, minutes=-5) - await env.get_current_time()
        )
        assert await events_of(sessions, tenant_id, created.invoice_id) == []
        await env.sleep(timedelta(minutes=10))
        [overdue] = await events_of(sessions, tenant_id, created.invoice_id)
        assert overdue.type == "installment.overdue" and overdue.sequence == 1
        assert overdue.data["object"]["number"] == 1
        assert overdue.data["object"]["status"] == "unpaid"
        assert ensure_utc(overdue.created_at) >= ensure_utc(first.due_date)
        # The second falls overdue when the invoice expires: the expiry wins.
        outcome = await handle.result()
        assert outcome.status == "expired"
        logged = await events_of(sessions, tenant_id, created.invoice_id)
        assert [(e.type, e.sequence) for e in logged] == [
            ("installment.overdue", 1),
            ("invoice.expired", 2),
        ]
        assert logged[1].data["object"]["status"] == "expired"
        assert second.due_date < created.expires_at
        await keep_history(handle, "invoice-installment-overdue-then-expired")
