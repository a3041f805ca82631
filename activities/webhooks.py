"""Webhook activities: resolve an event to its invoice, hand it to the invoice workflow
(signal-with-start), and record every attempt in `webhook_events` / `webhook_retry_log`."""

from __future__ import annotations

import logging
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from contracts.errors import ErrorType
from contracts.gateway_events import WebhookEvent as GatewayEvent
from contracts.invoices import InvoiceStarts, InvoiceWorkflowInput, PaymentEvent
from contracts.webhooks import (
    DeliverInput,
    RecordAttemptInput,
    ResolvedEvent,
    WebhookInput,
)
from contracts.workflows import INVOICE_WORKFLOW, PAYMENT_RECEIVED, invoice_workflow_id
from db.engine import SessionFactory, transaction
from db.gateway_accounts import AdminGatewayAccountRepository
from db.models import GatewayPayment, Invoice
from db.webhook_events import WebhookIntakeRepository
from domain.timeutil import to_naive_utc, utcnow
from gateways.accounts import AccountDirectory
from gateways.base import GatewayError, GatewayUnavailable, PaymentGateway
from gateways.confirmation import EventNotConfirmed, confirm_event
from gateways.credentials import CredentialCipher
from observability.metrics import WEBHOOK_PROCESSING, WEBHOOKS_REJECTED
from workflows.rules import business_error

logger = logging.getLogger("paytrust.activities.webhooks")


async def issued_link(
    session: AsyncSession, gateway: str, account_id: str | None, event: GatewayEvent
) -> GatewayPayment | None:
    """The payment link PayTrust created at `gateway` under this account (None: the platform
    account) whose reference the event names, and whose merchant reference it carries."""
    payment = await WebhookIntakeRepository(session).issued_link(
        gateway, account_id, event.reference
    )
    if payment is None:
        return None
    if event.merchant_reference is not None and event.merchant_reference != (
        payment.merchant_reference
    ):
        return None
    return payment


async def ensure_event_row(session: AsyncSession, webhook: WebhookInput, status: str) -> int:
    """The `webhook_events` row of this gateway event (created once, by its unique key)."""
    event = webhook.event
    return await WebhookIntakeRepository(session).get_or_create(
        webhook.gateway,
        event.event_id,
        {
            "event_type": event.kind.value,
            "gateway_account_id": webhook.account_id,
            "payload": webhook.payload,
            "status": status,
            "attempts": 0,
            "received_at": to_naive_utc(webhook.received_at),
        },
    )


class WebhookActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        client: Client,
        starts: InvoiceStarts,
        gateways: dict[str, PaymentGateway] | None = None,
        accounts: AccountDirectory | None = None,
    ) -> None:
        self._sessions = sessions
        self._client = client
        self._starts = starts
        self._accounts = accounts or AccountDirectory(
            sessions, gateways or {}, CredentialCipher.from_setting(None)
        )

    @activity.defn
    async def resolve_webhook_event(self, webhook: WebhookInput) -> ResolvedEvent:
        """Which invoice (and tenant) an event is for, and the event as the gateway confirms it.

        Only a payment link PayTrust issued for this gateway account matches (its stored
        reference; nothing is parsed out of ids). A paid, expired or refund event is then
        re-fetched from the gateway with that account's credentials, and the confirmed record
        is what gets applied. Not ours or not confirmed: rejected (non-retryable) with the
        reason; the gateway unreachable: retryable, so the 1/6/36-minute schedule applies.
        """

        event = webhook.event
        async with transaction(self._sessions) as session:
            event_row_id = await ensure_event_row(session, webhook, "processing")
            row = await WebhookIntakeRepository(session).get(event_row_id)
            assert row is not None
            row.status = "processing"  # also when an operator replays a failed event
            if webhook.account_id is not None:
                account = await AdminGatewayAccountRepository(session).get(webhook.account_id)
                if account is not None:
                    row.tenant_id = account.tenant_id  # its merchant sees what was refused
            payment = await issued_link(session, webhook.gateway, webhook.account_id, event)
            invoice = None
            if payment is not None:
                invoice = await session.get(Invoice, payment.invoice_id)
            if payment is not None and invoice is not None:
                row.tenant_id = invoice.tenant_id
                row.invoice_id = invoice.id
                link_reference = payment.reference
                link_merchant_reference = payment.merchant_reference
        if payment is None or invoice is None:
            await self._reject(
                event_row_id,
                webhook,
                "not_issued",
                f"No payment link PayTrust issued for {webhook.gateway} reference "
                f"{event.reference}",
            )
        assert invoice is not None
        try:
            client = await self._accounts.client(webhook.gateway, webhook.account_id)
            confirmed = await confirm_event(client, event)
            if confirmed.reference != link_reference or (
                confirmed.merchant_reference is not None
                and confirmed.merchant_reference != link_merchant_reference
            ):
                raise EventNotConfirmed(
                    f"{webhook.gateway} record of {event.reference} is not the link PayTrust "
                    "issued",
                    reason="not_issued",
                )
        except EventNotConfirmed as exc:
            await self._reject(event_row_id, webhook, exc.reason, str(exc))
        except GatewayUnavailable as exc:
            raise ApplicationError(
                f"{webhook.gateway} could not confirm the event: {exc}",
                type=ErrorType.GATEWAY_UNAVAILABLE,
            ) from None
        except GatewayError as exc:
            raise business_error(f"{webhook.gateway} could not confirm the event: {exc}") from None
        logger.info(
            "webhook %s/%s confirmed for invoice %s",
            webhook.gateway,
            event.event_id,
            invoice.id,
            extra={
                "invoice_id": invoice.id,
                "tenant_id": invoice.tenant_id,
                "webhook_event_id": event_row_id,
                "event_kind": confirmed.kind.value,
            },
        )
        return ResolvedEvent(
            webhook_event_id=event_row_id,
            invoice_id=invoice.id,
            tenant_id=invoice.tenant_id,
            invoice_currency=invoice.currency,
            event=confirmed,
        )

    async def _reject(
        self, event_row_id: int, webhook: WebhookInput, reason: str, message: str
    ) -> NoReturn:
        """Record the refusal (the workflow then marks the event permanently failed) and raise
        the non-retryable error that fails it."""

        async with transaction(self._sessions) as session:
            row = await WebhookIntakeRepository(session).get(event_row_id, for_update=True)
            assert row is not None
            row.rejection_reason = reason
        WEBHOOKS_REJECTED.labels(webhook.gateway, reason).inc()
        logger.warning(
            "webhook %s/%s rejected (%s): %s",
            webhook.gateway,
            webhook.event.event_id,
            reason,
            message,
            extra={"webhook_event_id": event_row_id, "rejection_reason": reason},
        )
        raise business_error(f"Rejected: {message}", ErrorType.WEBHOOK_REJECTED)

    @activity.defn
    async def deliver_to_invoice(self, inp: DeliverInput) -> None:
        """Signal the invoice workflow; if it has completed, start it again with the signal."""
        await self._client.start_workflow(
            INVOICE_WORKFLOW.name,
            InvoiceWorkflowInput(
                invoice_id=inp.resolved.invoice_id,
                tenant_id=inp.resolved.tenant_id,
                revision=self._starts.revision,
            ),
            id=invoice_workflow_id(inp.resolved.invoice_id),
            task_queue=self._starts.task_queue,
            start_signal=PAYMENT_RECEIVED.name,
            start_signal_args=[
                PaymentEvent(
                    webhook_event_id=inp.resolved.webhook_event_id,
                    event=inp.resolved.event or inp.webhook.event,
                )
            ],
        )

    @activity.defn
    async def record_webhook_attempt(self, inp: RecordAttemptInput) -> int:
        """One `webhook_retry_log` row per attempt, and the event's current status."""
        attempt = inp.attempt
        async with transaction(self._sessions) as session:
            event_row_id = await ensure_event_row(session, inp.webhook, "processing")
            intake = WebhookIntakeRepository(session)
            row = await intake.get(event_row_id, for_update=True)
            assert row is not None
            # Every attempt of every run (a replay adds to the count).
            row.attempts = await intake.record_attempt(
                event_row_id,
                run_id=attempt.run_id,
                attempt_number=attempt.attempt,
                attempted_at=to_naive_utc(attempt.attempted_at or utcnow()),
                status=attempt.status,
                error=attempt.error,
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
