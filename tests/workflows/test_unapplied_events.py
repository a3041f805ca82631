"""A refund held back for a payment that never comes (issue 12): it is retried every minute
for MAX_DEFERRALS tries (about an hour, time-skipped here) and then its webhook event fails
for good with the reason, instead of being dropped with a log line. Activities on the real
MariaDB; the workflow change is behind `workflow.patched` (history recorded for replay)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from contracts.gateway_events import EventKind
from contracts.gateway_events import WebhookEvent as GatewayEvent
from contracts.invoices import PaymentEvent
from db.engine import SessionFactory, transaction
from db.models import WebhookEvent
from domain.money import Currency
from domain.timeutil import to_naive_utc, utcnow
from gateways.base import PaymentGateway
from tests.workflows.helpers import create_invoice, eventually, keep_history, running_worker
from tests.workflows.test_invoice_workflow import start_invoice_workflow
from workflows.invoice import MAX_DEFERRALS, InvoiceWorkflow


async def test_a_refund_whose_payment_never_comes_fails_its_webhook(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
    tenant_id: str,
) -> None:
    created = await create_invoice(sessions, tenant_id, expires_in=timedelta(hours=24))
    refund = GatewayEvent(
        gateway="xendit",
        kind=EventKind.REFUNDED,
        event_id=f"rfd-never-{created.invoice_id}:refund.succeeded",
        gateway_transaction_id=None,
        reference=f"inv-never-paid-{created.invoice_id}",
        merchant_reference=None,
        invoice_id=None,
        installment_number=None,
        amount=Decimal(1000),
        currency=Currency.IDR,
        occurred_at=utcnow(),
        refund_id=f"rfd-never-{created.invoice_id}",
        refund_amount=Decimal(1000),
        raw={},
    )
    # The row the WebhookWorkflow wrote when it delivered the event (verdict: processed).
    async with transaction(sessions) as session:
        row = WebhookEvent(
            gateway="xendit",
            event_id=refund.event_id,
            event_type="refund.succeeded",
            tenant_id=tenant_id,
            invoice_id=created.invoice_id,
            payload=json.dumps({"id": refund.refund_id}),
            status="processed",
            attempts=1,
            received_at=to_naive_utc(utcnow()),
            processed_at=to_naive_utc(utcnow()),
        )
        session.add(row)
        await session.flush()
        row_id = row.id
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, created, task_queue)
        await handle.signal(
            InvoiceWorkflow.payment_received, PaymentEvent(webhook_event_id=row_id, event=refund)
        )
        await env.sleep(timedelta(minutes=MAX_DEFERRALS + 5))

        async def status() -> WebhookEvent | None:
            async with sessions() as session:
                return await session.get(WebhookEvent, row_id, populate_existing=True)

        failed = await eventually(
            status, lambda r: r is not None and r.status == "permanently_failed", timeout=30
        )
        assert failed is not None and failed.last_error is not None
        assert "No payment of invoice" in failed.last_error
        assert f"after {MAX_DEFERRALS} tries" in failed.last_error
        await keep_history(handle, "invoice-refund-never-matched-fails-webhook")
