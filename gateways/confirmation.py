"""Confirming a gateway notification with the gateway before it moves money.

A notification is a hint. Its signature (Midtrans) covers only `order_id`, `status_code` and
`gross_amount`, and Xendit's callback token covers nothing of the body at all, so every paid,
expired or refund event is re-fetched from the gateway's read API with the account's own
credentials, and what the gateway says is what PayTrust applies: status, amount, currency,
transaction id and refunds. The de-duplication keys (`event_id`, transaction id, refund id) of
the event returned here come from that record, never from the notification's body.

`confirm_event` raises `EventNotConfirmed` when the gateway contradicts the notification (the
event is rejected, nothing changes) and lets `GatewayUnavailable` through (retried later).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from contracts.gateway_events import EventKind, WebhookEvent
from domain.money import Currency
from domain.timeutil import parse_iso
from gateways.base import (
    GatewayRejected,
    GatewayUnavailable,
    PaymentGateway,
    PaymentNotFound,
    PaymentState,
    PaymentStatus,
    WebhookPayloadError,
    wire_amount,
)
from gateways.wire import parse_midtrans_time

# Kinds that change money or links; the others (pending, failed) are recorded without effect.
CONFIRMED_KINDS = frozenset({EventKind.PAID, EventKind.EXPIRED, EventKind.REFUNDED})
_PAID_STATES = frozenset(
    {PaymentState.PAID, PaymentState.REFUNDED, PaymentState.PARTIALLY_REFUNDED}
)


class EventNotConfirmed(GatewayRejected):
    """The gateway does not confirm the notification; `reason` is a short metric label."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def is_refund_failure(event: WebhookEvent) -> bool:
    """A gateway's word that a refund failed (Xendit `refund.failed`): it releases a refund
    PayTrust reserved, so it is confirmed like the events that move money."""
    return event.kind is EventKind.FAILED and event.refund_id is not None


async def confirm_event(gateway: PaymentGateway, event: WebhookEvent) -> WebhookEvent:
    """The event as the gateway's own record has it (see the module docstring)."""
    if gateway.name == "xendit" and is_refund_failure(event):
        return await _confirm_xendit_refund(gateway, event, expected="FAILED")
    if event.kind not in CONFIRMED_KINDS:
        return event
    if gateway.name == "xendit" and event.kind is EventKind.REFUNDED:
        return await _confirm_xendit_refund(gateway, event, expected="SUCCEEDED")
    try:
        status = await gateway.get_status(event.reference)
    except PaymentNotFound:
        raise EventNotConfirmed(
            f"{gateway.name} has no payment {event.reference}", reason="unknown_to_gateway"
        ) from None
    except GatewayUnavailable:
        raise
    except GatewayRejected as exc:
        raise EventNotConfirmed(
            f"{gateway.name} refused to show payment {event.reference}: {exc}",
            reason="gateway_refused",
        ) from None
    if (
        gateway.name == "midtrans"
        and event.gateway_transaction_id is not None
        and status.gateway_transaction_id != event.gateway_transaction_id
    ):
        raise EventNotConfirmed(
            f"transaction_id {event.gateway_transaction_id} is not the gateway's transaction "
            f"for {event.reference}",
            reason="transaction_mismatch",
        )
    if event.kind is EventKind.PAID:
        return _confirmed_paid(event, status)
    if event.kind is EventKind.EXPIRED:
        if status.state is not PaymentState.EXPIRED:
            raise EventNotConfirmed(
                f"{gateway.name} reports {event.reference} as {status.gateway_status}, not expired",
                reason="status_mismatch",
            )
        return event.model_copy(
            update={
                "event_id": f"{status.reference}:expired",
                "amount": status.amount,
                "currency": status.currency,
                "raw": status.raw,
            }
        )
    return _confirmed_midtrans_refund(event, status)


def _confirmed_paid(event: WebhookEvent, status: PaymentStatus) -> WebhookEvent:
    if status.state not in _PAID_STATES or not status.paid_amount:
        raise EventNotConfirmed(
            f"{status.gateway} reports {event.reference} as {status.gateway_status}, not paid",
            reason="status_mismatch",
        )
    transaction_id = status.gateway_transaction_id or status.reference
    suffix = "PAID" if status.gateway == "xendit" else "settlement"
    return event.model_copy(
        update={
            "event_id": f"{transaction_id}:{suffix}",
            "gateway_transaction_id": transaction_id,
            "reference": status.reference,
            "merchant_reference": status.merchant_reference,
            "amount": status.paid_amount,
            "currency": status.currency,
            "occurred_at": status.paid_at or event.occurred_at,
            "raw": status.raw,
        }
    )


def _confirmed_midtrans_refund(event: WebhookEvent, status: PaymentStatus) -> WebhookEvent:
    refunds = status.raw.get("refunds")
    entries = (
        [entry for entry in refunds if isinstance(entry, dict)] if isinstance(refunds, list) else []
    )
    wanted = event.refund_id
    entry = next(
        (
            item
            for item in entries
            if wanted is not None
            and wanted in (str(item.get("refund_key")), str(item.get("refund_chargeback_id")))
        ),
        None,
    )
    if entry is None:
        raise EventNotConfirmed(
            f"midtrans reports no refund {wanted} on {event.reference}", reason="unknown_refund"
        )
    amount = _amount(entry.get("refund_amount"), status.currency, "midtrans")
    refund_id = str(entry.get("refund_key") or entry.get("refund_chargeback_id"))
    created = entry.get("created_at")
    reason = entry.get("reason")
    return event.model_copy(
        update={
            "event_id": f"{status.gateway_transaction_id}:refund:{refund_id}",
            "gateway_transaction_id": status.gateway_transaction_id,
            "refund_id": refund_id,
            "refund_amount": amount,
            "amount": amount,
            "currency": status.currency,
            "refund_reason": reason if isinstance(reason, str) else None,
            "refund_key": str(entry["refund_key"])[:100] if entry.get("refund_key") else None,
            "occurred_at": _midtrans_time(created) or event.occurred_at,
            "raw": status.raw,
        }
    )


async def _confirm_xendit_refund(
    gateway: PaymentGateway, event: WebhookEvent, *, expected: str
) -> WebhookEvent:
    from gateways.xendit import (
        XenditGateway,
        refund_failure_of,
        refund_key_of,
        refund_reason_of,
    )

    assert isinstance(gateway, XenditGateway)
    refund_id = event.refund_id or ""
    try:
        data = await gateway.get_refund(refund_id)
    except PaymentNotFound:
        raise EventNotConfirmed(
            f"xendit has no refund {refund_id}", reason="unknown_refund"
        ) from None
    except GatewayUnavailable:
        raise
    except GatewayRejected as exc:
        raise EventNotConfirmed(
            f"xendit refused to show refund {refund_id}: {exc}", reason="gateway_refused"
        ) from None
    invoice = data.get("invoice_id") or data.get("payment_request_id")
    if invoice != event.reference:
        raise EventNotConfirmed(
            f"xendit refund {refund_id} is not for {event.reference}", reason="unknown_refund"
        )
    if str(data.get("status", "")).upper() != expected:
        raise EventNotConfirmed(
            f"xendit reports refund {refund_id} as {data.get('status')}, not {expected.lower()}",
            reason="status_mismatch",
        )
    try:
        currency = Currency(str(data.get("currency", "")).upper())
    except ValueError:
        raise EventNotConfirmed(
            f"xendit refund {refund_id} is in an unsupported currency", reason="status_mismatch"
        ) from None
    amount = _amount(data.get("amount"), currency, "xendit")
    failed = expected == "FAILED"
    return event.model_copy(
        update={
            "event_id": f"{refund_id}:refund.{'failed' if failed else 'succeeded'}",
            "refund_id": refund_id,
            "refund_amount": amount,
            "amount": amount,
            "currency": currency,
            "refund_reason": refund_reason_of(data),
            "refund_key": refund_key_of(data),
            "refund_failure": refund_failure_of(data) if failed else None,
            "occurred_at": _iso_time(data.get("updated") or data.get("created"))
            or event.occurred_at,
            "raw": data,
        }
    )


def _amount(value: Any, currency: Currency, gateway: str) -> Decimal:
    try:
        return wire_amount(value, currency, what="refund amount", gateway="xendit")
    except WebhookPayloadError:
        raise GatewayUnavailable(f"{gateway} sent a bad refund amount") from None


def _iso_time(value: object) -> Any:
    try:
        return parse_iso(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _midtrans_time(value: object) -> Any:
    try:
        return parse_midtrans_time(value) if isinstance(value, str) else None
    except ValueError:
        return None
