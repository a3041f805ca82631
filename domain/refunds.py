"""Refund rules (API.md "POST /invoices/{id}/refunds"), free of I/O.

Refundable = paid − refunded − pending refunds, per invoice. A refund is drawn from the
invoice's paid payments newest first, each at most what is left of it (its amount less what was
refunded or is reserved on it), so one merchant request may become several gateway refunds, one
per payment. A request is `pending` while any of its parts is, `succeeded` once every part
succeeded, `failed` otherwise (nothing moved, or only some of it: see `request_status`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal

from domain.errors import DomainError
from domain.money import Currency, MoneyError, decimal_places, format_amount

RefundStatus = Literal["pending", "succeeded", "failed"]
PENDING: Final = "pending"
SUCCEEDED: Final = "succeeded"
FAILED: Final = "failed"

NO_PAYMENT_MESSAGE: Final = "Invoice has no payment to refund"
NOTHING_LEFT_MESSAGE: Final = "Invoice has nothing left to refund"
REQUEST_ID_PREFIX: Final = "rf_"
# Longest refund key: the request id, "-", the part number (a request has at most one part per
# payment of its invoice). Midtrans and Xendit take far longer keys.
MAX_PARTS: Final = 99


class RefundRejected(DomainError):
    default_code = "refund_rejected"


@dataclass(frozen=True, slots=True)
class PaidPayment:
    """A payment of the invoice as far as refunds are concerned."""

    transaction_id: int
    amount: Decimal
    refunded: Decimal
    reserved: Decimal
    paid_at: datetime | None

    @property
    def available(self) -> Decimal:
        return max(Decimal(0), self.amount - self.refunded - self.reserved)


@dataclass(frozen=True, slots=True)
class RefundPart:
    transaction_id: int
    amount: Decimal


def refundable_amount(payments: Iterable[PaidPayment]) -> Decimal:
    return sum((p.available for p in payments), Decimal(0))


def check_refund_amount(amount: Decimal, currency: Currency) -> Decimal:
    """A requested amount: greater than zero, at the currency's scale (a 400 otherwise)."""
    if decimal_places(amount) > currency.scale:
        raise MoneyError(
            f"Refund amount {amount:f} has more decimal places than {currency} allows "
            f"({currency.scale})"
        )
    if amount <= 0:
        raise RefundRejected("Refund amount must be greater than 0", code="invalid_amount")
    return amount


def plan_refund(
    currency: Currency, payments: Sequence[PaidPayment], requested: Decimal | None
) -> list[RefundPart]:
    """Which payments a refund of `requested` (None: all that is refundable) is drawn from,
    newest first, each at most what is left of it."""
    if not payments:
        raise RefundRejected(NO_PAYMENT_MESSAGE, code="no_payment")
    refundable = refundable_amount(payments)
    if requested is None:
        if refundable <= 0:
            raise RefundRejected(NOTHING_LEFT_MESSAGE, code="nothing_to_refund")
        amount = refundable
    else:
        amount = check_refund_amount(requested, currency)
    if amount > refundable:
        raise RefundRejected(
            f"Refund amount {format_amount(amount, currency)} exceeds refundable amount "
            f"{format_amount(refundable, currency)}",
            code="refund_exceeds_refundable",
        )
    newest_first = sorted(
        payments,
        key=lambda p: (p.paid_at is not None, p.paid_at or datetime.min, p.transaction_id),
        reverse=True,
    )
    parts: list[RefundPart] = []
    remaining = amount
    for payment in newest_first:
        if remaining <= 0:
            break
        take = min(payment.available, remaining)
        if take > 0:
            parts.append(RefundPart(payment.transaction_id, take))
            remaining -= take
    assert remaining == 0, "refundable covered the amount"
    if len(parts) > MAX_PARTS:
        raise RefundRejected(
            f"A refund can draw on at most {MAX_PARTS} payments; refund in smaller amounts",
            code="too_many_payments",
        )
    return parts


def request_status(statuses: Iterable[str]) -> RefundStatus:
    """A request's status from its parts': pending while any part is; succeeded when all
    succeeded; failed otherwise (the refund did not happen as asked; `amount_refunded` says
    what did move when only some parts succeeded)."""
    seen = list(statuses)
    if any(s == PENDING for s in seen):
        return PENDING
    if seen and all(s == SUCCEEDED for s in seen):
        return SUCCEEDED
    return FAILED


def next_status(current: str, reported: RefundStatus) -> RefundStatus | None:
    """A part's status once the gateway reports `reported` (None: nothing changes).

    pending settles either way. A settled part stays settled, except that a `failed` part the
    gateway later reports as succeeded is succeeded after all: the money moved (an operator
    failed a refund the gateway had in fact made)."""
    if current == PENDING and reported != PENDING:
        return reported
    if current == FAILED and reported == SUCCEEDED:
        return SUCCEEDED
    return None


def transaction_status(amount: Decimal, refunded: Decimal) -> str:
    """A paid transaction's status after refunds of `refunded` in total."""
    if refunded <= 0:
        return "paid"
    return "refunded" if refunded >= amount else "partially_refunded"


def request_id_for_key(tenant_id: str, invoice_id: int, idempotency_key: str) -> str:
    """The refund id of a request made with an Idempotency-Key: the same key on the same
    invoice always names the same refund (a retry after a lost answer finds it)."""
    digest = hashlib.sha256(f"{tenant_id}\n{invoice_id}\n{idempotency_key}".encode()).hexdigest()
    return REQUEST_ID_PREFIX + digest[:24]


def new_request_id() -> str:
    return REQUEST_ID_PREFIX + secrets.token_hex(12)


def refund_key(request_id: str, part_number: int) -> str:
    """The key the gateway de-duplicates on (Xendit idempotency-key and reference_id, Midtrans
    refund_key): derived from the refund id, so a retried call can never refund twice."""
    if not 1 <= part_number <= MAX_PARTS:
        raise ValueError(f"part number {part_number} out of range")
    return f"{request_id}-{part_number}"
