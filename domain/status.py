"""The invoice and installment status machines (FR-019, FR-020, FR-045, FR-051, FR-082).

    draft ──initiate──▶ pending ──payment──▶ partially_paid ──payment──▶ fully_paid
      │                   │  └──payment (whole amount)──────────────────▶ fully_paid
      │                   ├──▶ failed
      ├──▶ expired ◀──────┴──── partially_paid
      └──▶ cancelled ◀── pending   (only while nothing has been paid)

`fully_paid`, `expired`, `cancelled` and `failed` are final. Staying in the same status is
always allowed, because webhooks and workflow activities are delivered at least once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Final

from domain.errors import (
    InvalidStateTransition,
    InvoiceNotModifiable,
    PaymentError,
    SupplementaryInvoiceError,
)


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PARTIALLY_PAID = "partially_paid"
    FULLY_PAID = "fully_paid"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    FAILED = "failed"


class InstallmentStatus(StrEnum):
    UNPAID = "unpaid"
    PENDING = "pending"  # a payment URL is live for it
    PAID = "paid"


FINAL_STATUSES: Final = frozenset(
    {InvoiceStatus.FULLY_PAID, InvoiceStatus.EXPIRED, InvoiceStatus.CANCELLED, InvoiceStatus.FAILED}
)

# Statuses the expiry job may move to `expired` (FR-045).
EXPIRABLE_STATUSES: Final = frozenset(
    {InvoiceStatus.DRAFT, InvoiceStatus.PENDING, InvoiceStatus.PARTIALLY_PAID}
)

TRANSITIONS: Final[dict[InvoiceStatus, frozenset[InvoiceStatus]]] = {
    InvoiceStatus.DRAFT: frozenset(
        {InvoiceStatus.PENDING, InvoiceStatus.EXPIRED, InvoiceStatus.CANCELLED}
    ),
    InvoiceStatus.PENDING: frozenset(
        {
            InvoiceStatus.PARTIALLY_PAID,
            InvoiceStatus.FULLY_PAID,
            InvoiceStatus.EXPIRED,
            InvoiceStatus.CANCELLED,
            InvoiceStatus.FAILED,
        }
    ),
    # Once money has arrived the invoice can no longer be cancelled or fail as a whole: a failed
    # attempt at a later installment leaves it partially paid.
    InvoiceStatus.PARTIALLY_PAID: frozenset({InvoiceStatus.FULLY_PAID, InvoiceStatus.EXPIRED}),
    InvoiceStatus.FULLY_PAID: frozenset(),
    InvoiceStatus.EXPIRED: frozenset(),
    InvoiceStatus.CANCELLED: frozenset(),
    InvoiceStatus.FAILED: frozenset(),
}

INSTALLMENT_TRANSITIONS: Final[dict[InstallmentStatus, frozenset[InstallmentStatus]]] = {
    InstallmentStatus.UNPAID: frozenset({InstallmentStatus.PENDING, InstallmentStatus.PAID}),
    # A payment URL that expires or fails puts the installment back to unpaid.
    InstallmentStatus.PENDING: frozenset({InstallmentStatus.UNPAID, InstallmentStatus.PAID}),
    InstallmentStatus.PAID: frozenset(),
}

NOT_MODIFIABLE_MESSAGE: Final = "Invoice cannot be modified after payment has been initiated"


def is_final(status: InvoiceStatus) -> bool:
    """True when no further transition is possible (the workflow may complete)."""
    return status in FINAL_STATUSES


def can_transition(current: InvoiceStatus, target: InvoiceStatus) -> bool:
    return current == target or target in TRANSITIONS[current]


def transition(current: InvoiceStatus, target: InvoiceStatus) -> InvoiceStatus:
    """Return `target` if the move is allowed, else raise `InvalidStateTransition`."""
    if not can_transition(current, target):
        raise InvalidStateTransition(f"Invoice cannot move from {current} to {target}")
    return target


def transition_installment(
    current: InstallmentStatus, target: InstallmentStatus
) -> InstallmentStatus:
    """Return `target` if the installment may move there, else raise `InvalidStateTransition`."""
    if current != target and target not in INSTALLMENT_TRANSITIONS[current]:
        raise InvalidStateTransition(f"Installment cannot move from {current} to {target}")
    return target


def status_after_payment(amount_paid: Decimal, total: Decimal) -> InvoiceStatus:
    """The status implied by the money received so far (FR-019, FR-020).

    `amount_paid` counts everything received (an overpayment included), so anything at or above
    the total is fully paid; nothing received yet is `pending` (payment initiated, not paid).
    """
    if amount_paid >= total:
        return InvoiceStatus.FULLY_PAID
    if amount_paid > 0:
        return InvoiceStatus.PARTIALLY_PAID
    return InvoiceStatus.PENDING


def _initiated(payment_initiated: datetime | bool | None) -> bool:
    if isinstance(payment_initiated, bool):
        return payment_initiated
    return payment_initiated is not None


def can_modify(status: InvoiceStatus, payment_initiated: datetime | bool | None) -> bool:
    """An invoice is editable only as a draft whose payment was never initiated (FR-051).
    `payment_initiated`: when payment was first initiated (None: never), or just whether."""
    return status == InvoiceStatus.DRAFT and not _initiated(payment_initiated)


def ensure_modifiable(status: InvoiceStatus, payment_initiated: datetime | bool | None) -> None:
    """Raise `InvoiceNotModifiable` with the seed's message unless `can_modify`."""
    if _initiated(payment_initiated):
        raise InvoiceNotModifiable(NOT_MODIFIABLE_MESSAGE)
    if status != InvoiceStatus.DRAFT:
        raise InvoiceNotModifiable(f"Invoice cannot be modified in {status} status")


def can_cancel(status: InvoiceStatus, amount_paid: Decimal) -> bool:
    return status in (InvoiceStatus.DRAFT, InvoiceStatus.PENDING) and amount_paid == 0


def ensure_cancellable(status: InvoiceStatus, amount_paid: Decimal) -> None:
    """Cancelling is allowed for draft and pending invoices while nothing has been paid."""
    if amount_paid > 0:
        raise InvalidStateTransition(
            "Invoice cannot be cancelled after a payment has been received"
        )
    if not can_cancel(status, amount_paid):
        raise InvalidStateTransition(f"Invoice cannot be cancelled in {status} status")


def ensure_payable(status: InvoiceStatus) -> None:
    """Payment can be initiated for draft, pending and partially paid invoices only."""
    if status not in (InvoiceStatus.DRAFT, InvoiceStatus.PENDING, InvoiceStatus.PARTIALLY_PAID):
        raise PaymentError(f"Cannot initiate payment for {status} invoice")


def ensure_extendable(status: InvoiceStatus) -> None:
    """Only an invoice that may still expire can be given more time (not a final one)."""
    if status not in EXPIRABLE_STATUSES:
        raise InvalidStateTransition(f"Cannot extend the expiry of a {status} invoice")


def ensure_adjustable(status: InvoiceStatus) -> None:
    """Installments can be re-planned until the invoice is final (FR-077)."""
    if status in FINAL_STATUSES:
        raise InvalidStateTransition(f"Cannot adjust installments of a {status} invoice")


def status_after_initiation(status: InvoiceStatus) -> InvoiceStatus:
    """draft → pending on the first initiation; pending and partially paid stay where they are."""
    ensure_payable(status)
    return transition(status, InvoiceStatus.PENDING) if status == InvoiceStatus.DRAFT else status


def ensure_supplementary_parent(
    parent_status: InvoiceStatus, parent_is_supplementary: bool
) -> None:
    """A supplementary invoice needs a parent with an active payment flow that is not itself
    supplementary (FR-082). The parent's status is checked first.
    """
    if parent_status not in (
        InvoiceStatus.PENDING,
        InvoiceStatus.PARTIALLY_PAID,
        InvoiceStatus.FULLY_PAID,
    ):
        raise SupplementaryInvoiceError(
            f"Cannot create supplementary invoice for {parent_status} parent invoice"
        )
    if parent_is_supplementary:
        raise SupplementaryInvoiceError(
            "Cannot create supplementary invoice from another supplementary invoice"
        )
