"""Webhook activities: resolve an event to its invoice, hand it to the invoice workflow
(signal-with-start), and record every attempt in `webhook_events` / `webhook_retry_log`."""

from __future__ import annotations

import logging

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.dialects.mysql import insert
from temporalio import activity
from temporalio.client import Client

from api.metrics import WEBHOOK_PROCESSING
from db.engine import SessionFactory, transaction
from db.models import GatewayConfig, GatewayPayment, Invoice, WebhookEvent, WebhookRetryLog
from domain.timeutil import to_naive_utc, utcnow
from gateways.base import parse_merchant_reference
from workflows.contracts import (
    InvoiceWorkflowInput,
    PaymentEvent,
    ResolvedEvent,
    WebhookAttempt,
    WebhookInput,
    invoice_workflow_id,
)

logger = logging.getLogger("paytrust.activities.webhooks")

UNKNOWN_INVOICE = "UnknownInvoice"


class RecordAttemptInput(BaseModel):
    webhook: WebhookInput
    attempt: WebhookAttempt
    resolved: ResolvedEvent | None = None
    final_status: str | None = None


class DeliverInput(BaseModel):
    resolved: ResolvedEvent
    webhook: WebhookInput


async def ensure_event_row(session: object, webhook: WebhookInput, status: str) -> int:
    """The `webhook_events` row of this gateway event (created once, by its unique key)."""
    from sqlalchemy.ext.asyncio import AsyncSession

    assert isinstance(session, AsyncSession)
    event = webhook.event
    await session.execute(
        insert(WebhookEvent)
        .values(
            gateway=webhook.gateway,
            event_id=event.event_id,
            event_type=event.kind.value,
            payload=webhook.payload,
            status=status,
            attempts=0,
            received_at=to_naive_utc(webhook.received_at),
        )
        .prefix_with("IGNORE")
    )
    row_id = (
        await session.execute(
            select(WebhookEvent.id).where(
                WebhookEvent.gateway == webhook.gateway, WebhookEvent.event_id == event.event_id
            )
        )
    ).scalar_one()
    return int(row_id)


class WebhookActivities:
    def __init__(self, sessions: SessionFactory, client: Client, task_queue: str) -> None:
        self._sessions = sessions
        self._client = client
        self._task_queue = task_queue

    @activity.defn
    async def resolve_webhook_event(self, webhook: WebhookInput) -> ResolvedEvent:
        """Which invoice (and tenant) an event is for; unknown → non-retryable failure."""
        from activities.invoices import business_error

        event = webhook.event
        async with transaction(self._sessions) as session:
            event_row_id = await ensure_event_row(session, webhook, "processing")
            gateway_id = (
                await session.execute(
                    select(GatewayConfig.id).where(GatewayConfig.name == webhook.gateway)
                )
            ).scalar_one()
            invoice: Invoice | None = None
            # The gateway's own reference is authoritative; our merchant reference is a hint.
            payment = (
                await session.execute(
                    select(GatewayPayment).where(
                        GatewayPayment.gateway_id == gateway_id,
                        GatewayPayment.reference == event.reference,
                    )
                )
            ).scalar_one_or_none()
            if payment is None and event.merchant_reference:
                payment = (
                    await session.execute(
                        select(GatewayPayment).where(
                            GatewayPayment.gateway_id == gateway_id,
                            GatewayPayment.merchant_reference == event.merchant_reference,
                        )
                    )
                ).scalar_one_or_none()
            if payment is not None:
                invoice = await session.get(Invoice, payment.invoice_id)
            elif event.merchant_reference:
                parsed = parse_merchant_reference(event.merchant_reference)
                if parsed is not None:
                    candidate = await session.get(Invoice, parsed.invoice_id)
                    if candidate is not None and candidate.gateway_id == gateway_id:
                        invoice = candidate
            if invoice is None:
                raise business_error(
                    f"No invoice matches {webhook.gateway} reference {event.reference}",
                    UNKNOWN_INVOICE,
                )
            row = await session.get(WebhookEvent, event_row_id)
            assert row is not None
            row.tenant_id = invoice.tenant_id
            row.invoice_id = invoice.id
            row.status = "processing"  # also when an operator replays a failed event
            logger.info(
                "webhook %s/%s is for invoice %s",
                webhook.gateway,
                event.event_id,
                invoice.id,
                extra={
                    "invoice_id": invoice.id,
                    "tenant_id": invoice.tenant_id,
                    "webhook_event_id": event_row_id,
                    "event_kind": event.kind.value,
                },
            )
            return ResolvedEvent(
                webhook_event_id=event_row_id,
                invoice_id=invoice.id,
                tenant_id=invoice.tenant_id,
                invoice_currency=invoice.currency,
            )

    @activity.defn
    async def deliver_to_invoice(self, inp: DeliverInput) -> None:
        """Signal the invoice workflow; if it has completed, start it again with the signal."""
        from workflows.invoice import InvoiceWorkflow

        await self._client.start_workflow(
            InvoiceWorkflow.run,
            InvoiceWorkflowInput(
                invoice_id=inp.resolved.invoice_id, tenant_id=inp.resolved.tenant_id
            ),
            id=invoice_workflow_id(inp.resolved.invoice_id),
            task_queue=self._task_queue,
            start_signal="payment_received",
            start_signal_args=[
                PaymentEvent(
                    webhook_event_id=inp.resolved.webhook_event_id, event=inp.webhook.event
                )
            ],
        )

    @activity.defn
    async def record_webhook_attempt(self, inp: RecordAttemptInput) -> int:
        """One `webhook_retry_log` row per attempt, and the event's current status."""
        attempt = inp.attempt
        async with transaction(self._sessions) as session:
            event_row_id = await ensure_event_row(session, inp.webhook, "processing")
            row = await session.get(WebhookEvent, event_row_id, with_for_update=True)
            assert row is not None
            await session.execute(
                insert(WebhookRetryLog)
                .values(
                    webhook_event_id=event_row_id,
                    run_id=attempt.run_id,
                    attempt_number=attempt.attempt,
                    attempted_at=to_naive_utc(attempt.attempted_at or utcnow()),
                    status=attempt.status,
                    error_message=attempt.error,
                )
                .on_duplicate_key_update(status=attempt.status, error_message=attempt.error)
            )
            # Every attempt of every run (a replay adds to the count).
            row.attempts = int(
                (
                    await session.execute(
                        select(func.count())
                        .select_from(WebhookRetryLog)
                        .where(WebhookRetryLog.webhook_event_id == event_row_id)
                    )
                ).scalar_one()
            )
            row.last_error = attempt.error
            if inp.resolved is not None:
                row.tenant_id = inp.resolved.tenant_id
                row.invoice_id = inp.resolved.invoice_id
            if inp.final_status == "processed":
                row.status = "processed"
                row.processed_at = to_naive_utc(utcnow())
            elif inp.final_status == "permanently_failed":
                row.status = "permanently_failed"
                row.failed_at = to_naive_utc(utcnow())
                logger.critical(
                    "webhook %s/%s permanently failed after %s attempts: %s",
                    inp.webhook.gateway,
                    inp.webhook.event.event_id,
                    attempt.attempt,
                    attempt.error,
                    extra={"webhook_event_id": event_row_id, "invoice_id": row.invoice_id},
                )
            else:
                row.status = "retrying"
        # Counted once the attempt is durably recorded (a retried write counts once).
        WEBHOOK_PROCESSING.labels(inp.webhook.gateway, _processing_outcome(inp)).inc()
        return event_row_id


def _processing_outcome(inp: RecordAttemptInput) -> str:
    if inp.final_status == "processed":
        return "processed"
    if inp.final_status == "permanently_failed":
        return "failed"
    return "retried"
