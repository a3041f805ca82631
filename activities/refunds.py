"""Refund activities: load → decide (domain/refunds.py) → gateway call → write.

Exactly once at the gateway:
1. `reserve_refund` writes the refund's rows `pending` in a transaction of its own, under the
   invoice row lock: the amount is deducted from what is refundable before anything is sent,
   so concurrent refunds can never together exceed what was paid. A retried reservation (same
   request id) finds its rows.
2. `submit_refund` calls the gateway with the part's `refund_key` (derived from the refund id:
   Xendit's idempotency-key header and reference_id, Midtrans's refund_key), then writes the
   answer. A worker killed between the call and the write is retried with the same key, and the
   gateway answers with the same refund instead of making a second one.
3. The gateway's notification of that refund (confirmed through the webhook-trust path) finds
   the row by its key and settles it, once: whichever of the answer and the notification comes
   second changes nothing.

A refund settles `succeeded` (the payment's `refunded_amount`, the invoice's `amount_refunded`,
the report rollup) or `failed` (the reservation released, the gateway's reason kept). Events:
`refund.pending` with the reservation, `refund.succeeded` / `refund.failed` when the request
settles, each in the transaction of its change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.locking import lock_invoice
from contracts.errors import ErrorType
from contracts.invoices import PaymentEvent
from contracts.refunds import (
    FailRefundInput,
    LoadRefundInput,
    RefundOutcome,
    RefundPartRef,
    ReserveRefundInput,
    SubmitRefundInput,
)
from db import events
from db import invoices as invoices_repo
from db.engine import SessionFactory, transaction
from db.invoices import InvoiceRepository
from db.models import Invoice, Refund
from db.payments import PaymentRepository, recorded_payment
from db.refunds import RefundRepository
from db.reports import sync_report_rollup
from db.resources import refund_out
from domain.errors import DomainError
from domain.money import Currency, MoneyError, parse_currency, quantize
from domain.payments import (
    DeferredRefund,
    Duplicate,
    InvoiceState,
    ReportedRefund,
    decide_refund,
)
from domain.refunds import (
    FAILED,
    PENDING,
    SUCCEEDED,
    RefundStatus,
    next_status,
    plan_refund,
    refund_key,
    request_status,
    transaction_status,
)
from domain.timeutil import to_naive_utc, utcnow
from gateways.accounts import AccountDirectory, UnknownAccount, link_account_id
from gateways.base import GatewayError, GatewayRejected
from gateways.base import RefundStatus as GatewayRefundStatus
from gateways.xendit import XenditGateway
from observability.metrics import GATEWAY_CALLS, GATEWAY_LATENCY
from workflows.rules import business_error, domain_rule

logger = logging.getLogger("paytrust.activities.refunds")

# Sent when the merchant gave no reason (one of Xendit's codes; Midtrans takes any text).
DEFAULT_GATEWAY_REASON = "REQUESTED_BY_CUSTOMER"
# The submit activity heartbeats while the gateway answers, so a killed worker's attempt is
# retried within the workflow's heartbeat timeout instead of its whole start-to-close.
HEARTBEAT_SECONDS = 1.0

_REPORTED: dict[GatewayRefundStatus, RefundStatus] = {
    GatewayRefundStatus.PENDING: PENDING,
    GatewayRefundStatus.SUCCEEDED: SUCCEEDED,
    GatewayRefundStatus.FAILED: FAILED,
}


class RefundActivities:
    """Registered in the worker as bound methods; dependencies come in through `__init__`."""

    def __init__(self, sessions: SessionFactory, accounts: AccountDirectory) -> None:
        self._sessions = sessions
        self._accounts = accounts

    @activity.defn
    async def reserve_refund(self, inp: ReserveRefundInput) -> RefundOutcome:
        """The refund's rows, `pending`, drawn from the payments newest first (or the rows a
        previous try of the same request made). Refused: a non-retryable BusinessRule."""
        request = inp.request
        async with transaction(self._sessions) as session:
            invoice = await lock_invoice(InvoiceRepository(session, inp.tenant_id), inp.invoice_id)
            refunds = RefundRepository(session, invoice.tenant_id)
            existing = await refunds.request_parts(invoice.id, request.request_id)
            if existing:
                return _outcome(existing, created=False)
            currency = parse_currency(invoice.currency)
            payments = await refunds.paid_payments(invoice.id)
            try:
                plan = plan_refund(currency, payments, request.amount)
            except (DomainError, MoneyError) as exc:
                raise business_error(str(exc)) from None
            at = to_naive_utc(inp.as_of)
            rows = [
                refunds.add(
                    Refund(
                        tenant_id=invoice.tenant_id,
                        invoice_id=invoice.id,
                        transaction_id=part.transaction_id,
                        gateway_id=invoice.gateway_id,
                        gateway_refund_id=None,
                        refund_amount=part.amount,
                        currency=invoice.currency,
                        refund_reason=request.reason,
                        refund_timestamp=at,
                        source="merchant",
                        status=PENDING,
                        request_id=request.request_id,
                        refund_key=refund_key(request.request_id, number),
                        failure_reason=None,
                        requested_at=at,
                        settled_at=None,
                    )
                )
                for number, part in enumerate(plan, start=1)
            ]
            await session.flush()
            await _event(session, invoice, "refund.pending", rows)
            logger.info(
                "refund %s reserved: %s %s from %d payment(s)",
                request.request_id,
                sum((r.refund_amount for r in rows), Decimal(0)),
                invoice.currency,
                len(rows),
                extra={"invoice_id": invoice.id, "refund_id": request.request_id},
            )
            return _outcome(rows, created=True)

    @activity.defn
    async def submit_refund(self, inp: SubmitRefundInput) -> RefundOutcome:
        """Ask the gateway for one pending part (with its key) and write the answer. Settled
        already (a retry, or the notification came first): nothing is sent. Unreachable:
        retryable. Refused: the part fails with the gateway's reason."""
        async with self._sessions() as session:
            refunds = RefundRepository(session, inp.tenant_id)
            part = await refunds.part(inp.invoice_id, inp.refund_key)
            if part is None:
                raise business_error(f"Refund {inp.refund_key} not found", ErrorType.NOT_FOUND)
            if part.status != PENDING:
                return _outcome(await refunds.request_parts(inp.invoice_id, inp.request_id))
            payment = await refunds.payment(part.transaction_id)
            if payment is None or payment.gateway_reference is None:
                raise business_error(f"Payment {part.transaction_id} cannot be refunded")
            gateway_name = await invoices_repo.gateway_name(session, part.gateway_id)
            account_id = await link_account_id(session, gateway_name, payment.gateway_reference)
            reference = payment.gateway_reference
            amount, currency = part.refund_amount, Currency(part.currency)
            reason = part.refund_reason or DEFAULT_GATEWAY_REASON
        try:
            gateway = await self._accounts.client(gateway_name, account_id)
        except UnknownAccount as exc:
            raise business_error(str(exc)) from None
        started = time.perf_counter()
        try:
            async with _heartbeating():
                result = await gateway.refund(
                    reference, quantize(amount, currency), currency, reason, inp.refund_key
                )
                if (
                    inp.check_status
                    and result.status is GatewayRefundStatus.PENDING
                    and isinstance(gateway, XenditGateway)
                ):
                    result = await gateway.refund_result(
                        result.refund_id, reference, amount, currency
                    )
        except GatewayRejected as exc:
            GATEWAY_CALLS.labels(gateway_name, "refund", "rejected").inc()
            if exc.status_code == 409:
                # The key is known to the gateway in some other way: the refund may exist.
                # Never released on a guess; the operator checks (runbook).
                logger.error("refund %s: %s answered 409: %s", inp.refund_key, gateway_name, exc)
                raise ApplicationError(
                    f"{gateway_name} answered a conflict for refund {inp.refund_key}: {exc}",
                    type=ErrorType.GATEWAY_CONFLICT,
                    non_retryable=True,
                ) from None
            return await self._write(
                inp, FAILED, failure=f"{gateway_name} refused the refund: {exc.message}"
            )
        except GatewayError as exc:
            GATEWAY_CALLS.labels(gateway_name, "refund", "error").inc()
            raise ApplicationError(
                f"{gateway_name} is unavailable: {exc}", type=ErrorType.GATEWAY_UNAVAILABLE
            ) from None
        finally:
            GATEWAY_LATENCY.labels(gateway_name, "refund").observe(time.perf_counter() - started)
        GATEWAY_CALLS.labels(gateway_name, "refund", "ok").inc()
        return await self._write(
            inp,
            _REPORTED[result.status],
            gateway_refund_id=result.refund_id,
            failure=result.failure_reason,
        )

    async def _write(
        self,
        inp: SubmitRefundInput,
        reported: RefundStatus,
        *,
        gateway_refund_id: str | None = None,
        failure: str | None = None,
    ) -> RefundOutcome:
        async with transaction(self._sessions) as session:
            invoice = await lock_invoice(InvoiceRepository(session, inp.tenant_id), inp.invoice_id)
            refunds = RefundRepository(session, invoice.tenant_id)
            part = await refunds.part(invoice.id, inp.refund_key, for_update=True)
            if part is None:
                raise business_error(f"Refund {inp.refund_key} not found", ErrorType.NOT_FOUND)
            await settle(
                session,
                invoice,
                part,
                reported,
                gateway_refund_id=gateway_refund_id,
                failure=failure,
                at=utcnow(),
            )
            return _outcome(await refunds.request_parts(invoice.id, inp.request_id))

    @activity.defn
    async def load_refund(self, inp: LoadRefundInput) -> RefundOutcome:
        """A merchant refund as MySQL has it (NotFound if the invoice has no such refund)."""
        async with self._sessions() as session:
            parts = await RefundRepository(session, inp.tenant_id).request_parts(
                inp.invoice_id, inp.request_id
            )
        if not parts:
            raise business_error(f"Refund {inp.request_id} not found", ErrorType.NOT_FOUND)
        return _outcome(parts)

    @activity.defn
    async def fail_refund(self, inp: FailRefundInput) -> RefundOutcome:
        """Operators: the pending parts of a refund fail with the operator's reason (their
        reservation released). Should the gateway report one of them later after all, the
        notification still settles it as succeeded."""
        request_id = inp.request.request_id
        async with transaction(self._sessions) as session:
            invoice = await lock_invoice(InvoiceRepository(session, inp.tenant_id), inp.invoice_id)
            refunds = RefundRepository(session, invoice.tenant_id)
            parts = await refunds.request_parts(invoice.id, request_id, for_update=True)
            if not parts:
                raise business_error(f"Refund {request_id} not found", ErrorType.NOT_FOUND)
            pending = [p for p in parts if p.status == PENDING]
            if not pending:
                raise business_error(f"Refund {request_id} is not pending")
            for part in pending:
                await settle(
                    session,
                    invoice,
                    part,
                    FAILED,
                    failure=f"Failed by an operator: {inp.request.reason}",
                    at=utcnow(),
                )
            logger.warning(
                "refund %s failed by an operator: %s",
                request_id,
                inp.request.reason,
                extra={"invoice_id": invoice.id, "refund_id": request_id},
            )
            return _outcome(await refunds.request_parts(invoice.id, request_id))


# --- settling (also from the notification path, inside apply_payment_event) ---------------


async def settle(
    session: AsyncSession,
    invoice: Invoice,
    part: Refund,
    reported: RefundStatus,
    *,
    at: datetime,
    gateway_refund_id: str | None = None,
    failure: str | None = None,
) -> bool:
    """Apply what the gateway reported of one part (the caller holds the invoice row lock and
    the part's). Returns whether the part's status changed; once its request has settled, the
    request's refund.succeeded / refund.failed event is written."""
    refunds = RefundRepository(session, invoice.tenant_id)
    before = await _request_status(refunds, invoice, part)
    if gateway_refund_id and part.gateway_refund_id is None:
        part.gateway_refund_id = gateway_refund_id[:100]
        await session.flush()
    new = next_status(part.status, reported)
    if new is None:
        return False
    naive = to_naive_utc(at)
    if new == SUCCEEDED:
        payment = await refunds.payment(part.transaction_id, for_update=True)
        if payment is None:
            raise business_error(f"Payment {part.transaction_id} of refund {part.id} is gone")
        if payment.refunded_amount + part.refund_amount > payment.amount:
            raise business_error(
                f"Refund {part.refund_key} of {part.refund_amount} exceeds what is left of "
                f"payment {payment.id}"
            )
        payment.refunded_amount = payment.refunded_amount + part.refund_amount
        payment.status = transaction_status(payment.amount, payment.refunded_amount)
        invoice.amount_refunded = invoice.amount_refunded + part.refund_amount
        part.refund_timestamp = naive
        part.failure_reason = None
    else:
        part.failure_reason = (failure or "The gateway refused the refund")[:255]
    if part.status == FAILED:
        logger.critical(
            "refund %s was failed, and the gateway reports it succeeded: recorded as succeeded",
            part.refund_key,
            extra={"invoice_id": invoice.id, "refund_id": part.request_id},
        )
    part.status = new
    part.settled_at = naive
    invoice.updated_at = to_naive_utc(utcnow())
    await session.flush()
    await sync_report_rollup(session, invoice)
    after = await _request_status(refunds, invoice, part)
    if after != before and after != PENDING:
        parts = await _siblings(refunds, invoice, part)
        await _event(session, invoice, f"refund.{after}", parts)
    logger.info(
        "refund %s: %s",
        part.refund_key,
        new,
        extra={"invoice_id": invoice.id, "refund_id": part.request_id, "status": new},
    )
    return True


async def apply_refund_notification(
    session: AsyncSession, invoice: Invoice, state: InvoiceState, payment: PaymentEvent
) -> tuple[str, int | None, str | None]:
    """A confirmed refund notification. One PayTrust asked for (found by the gateway's refund
    id or the key PayTrust sent) settles its part, once; one it did not ask for is recorded as
    a `gateway` refund of the payment, as before merchants could refund."""
    event = payment.event
    refunds = RefundRepository(session, invoice.tenant_id)
    known = await refunds.by_gateway_keys(
        invoice.id, invoice.gateway_id, (event.refund_id, event.refund_key)
    )
    currency = parse_currency(invoice.currency)
    amount = quantize(event.refund_amount or event.amount or Decimal(0), currency)
    if known is not None:
        if known.source != "merchant":
            return "duplicate", known.transaction_id, "Refund already recorded"
        if amount != quantize(known.refund_amount, currency):
            raise business_error(
                f"Refund {known.refund_key}: the gateway reports {amount}, PayTrust asked for "
                f"{quantize(known.refund_amount, currency)}"
            )
        changed = await settle(
            session,
            invoice,
            known,
            SUCCEEDED,
            gateway_refund_id=event.refund_id,
            at=event.occurred_at,
        )
        outcome = "applied" if changed else "duplicate"
        return outcome, known.transaction_id, None if changed else "Refund already recorded"
    # One PayTrust did not ask for: the pure decision of `domain/payments.py` (duplicates are
    # caught above by the gateway's refund id; a refund before its payment is held back).
    payments = PaymentRepository(session, invoice.tenant_id)
    original = await payments.lock_refundable(
        invoice.id, event.gateway_transaction_id, event.reference
    )
    refund_id = event.refund_id or event.event_id
    with domain_rule():
        decision = decide_refund(
            state,
            ReportedRefund(
                refund_id=refund_id,
                amount=event.refund_amount or event.amount,
                recorded_for=None,
                payment=recorded_payment(original),
            ),
        )
    if isinstance(decision, Duplicate):
        return "duplicate", decision.transaction_id, decision.message
    if isinstance(decision, DeferredRefund):
        # Reordered delivery: the refund overtook its payment. The workflow holds it back
        # and applies it once the payment is in.
        return "deferred", None, decision.message
    assert original is not None  # decided against it
    row = payments.record_refund(
        invoice,
        original,
        decision,
        gateway_refund_id=refund_id,
        reason=event.refund_reason,
        refunded_at=event.occurred_at,
    )
    InvoiceRepository.record_refund(invoice, decision, utcnow())
    await session.flush()
    await _event(session, invoice, "refund.succeeded", [row])
    return "applied", original.id, None


async def apply_refund_failure(
    session: AsyncSession, invoice: Invoice, payment: PaymentEvent
) -> tuple[str, int | None, str | None]:
    """A confirmed `refund.failed`: the refund PayTrust asked for fails with the gateway's
    reason and its reservation is released. One PayTrust did not ask for changes nothing."""
    event = payment.event
    known = await RefundRepository(session, invoice.tenant_id).by_gateway_keys(
        invoice.id, invoice.gateway_id, (event.refund_id, event.refund_key)
    )
    if known is None or known.source != "merchant":
        return "ignored", None, "A failed refund PayTrust did not ask for changes nothing"
    changed = await settle(
        session,
        invoice,
        known,
        FAILED,
        gateway_refund_id=event.refund_id,
        failure=f"{event.gateway} failed the refund: {event.refund_failure or 'no reason given'}",
        at=event.occurred_at,
    )
    if not changed and known.status == SUCCEEDED:
        logger.error(
            "refund %s is succeeded, and %s reports it failed: left as it is",
            known.refund_key,
            event.gateway,
            extra={"invoice_id": invoice.id, "refund_id": known.request_id},
        )
    return ("applied" if changed else "duplicate"), known.transaction_id, None


# --- helpers ---------------------------------------------------------------------------------


async def _siblings(refunds: RefundRepository, invoice: Invoice, part: Refund) -> list[Refund]:
    if part.request_id is None:
        return [part]
    return await refunds.request_parts(invoice.id, part.request_id)


async def _request_status(refunds: RefundRepository, invoice: Invoice, part: Refund) -> str:
    if part.request_id is None:
        return part.status
    await refunds.session.flush()
    siblings = await refunds.request_parts(invoice.id, part.request_id)
    return request_status(p.status for p in siblings)


async def _event(
    session: AsyncSession, invoice: Invoice, event_type: str, parts: Sequence[Refund]
) -> None:
    """A refund event; its object is the refund as GET /invoices/{id}/refunds shows it."""
    await session.flush()
    obj = refund_out(parts).model_dump(mode="json")
    await events.record_event(session, invoice, event_type, obj)


def _outcome(parts: Sequence[Refund], *, created: bool = False) -> RefundOutcome:
    first = parts[0]
    return RefundOutcome(
        request_id=first.request_id or "",
        status=request_status(p.status for p in parts),
        parts=[
            RefundPartRef(
                refund_key=p.refund_key or "",
                transaction_id=p.transaction_id,
                amount=p.refund_amount,
                status=p.status,
                gateway_refund_id=p.gateway_refund_id,
                failure_reason=p.failure_reason,
            )
            for p in parts
        ],
        created=created,
    )


@asynccontextmanager
async def _heartbeating() -> AsyncIterator[None]:
    """Heartbeat while waiting on the gateway (a long answer is not a dead worker)."""

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(HEARTBEAT_SECONDS)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
