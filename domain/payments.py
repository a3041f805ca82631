"""What a payment event does to an invoice: the decisions of the payment path. Pure; no I/O.

An activity loads the invoice (`InvoiceState`, under its row lock) and what is already recorded
of the event, calls one decision here, and writes what it returns:

- `decide_initiation` / `decide_link_issued`: which installment (or amount) a new payment link
  asks for, and the statuses once the gateway has issued it.
- `decide_payment`: a payment the gateway reports (notification, payment sync, reconciliation):
  a duplicate, a payment in another currency (recorded, never applied, FR-024), or an amount
  allocated across the installments in order with any overpayment (FR-073..076), the
  discrepancy against what was asked (FR-050), and the invoice's next status.
- `decide_refund`: a refund the gateway reports against one of the invoice's payments.
- `decide_expiry` / `decide_cancellation`: the invoice closing; installments waiting on a live
  link go back to unpaid. `release_installment`: one link lapsed at the gateway.

Every status change goes through `domain.status.transition` / `transition_installment`, so
the `TRANSITIONS` tables hold in production, not only in tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal

from domain.errors import PaymentError
from domain.installments import (
    NO_SCHEDULE_MESSAGE,
    Allocation,
    Discrepancy,
    InstallmentState,
    Payable,
    allocate_payment,
    apply_allocation,
    ensure_payment_order,
    next_payable,
    paid_after_close,
    payment_discrepancy,
    whole_invoice,
)
from domain.money import Currency, quantize
from domain.status import (
    EXPIRABLE_STATUSES,
    FINAL_STATUSES,
    InstallmentStatus,
    InvoiceStatus,
    ensure_cancellable,
    ensure_payable,
    status_after_initiation,
    status_after_payment,
    transition,
    transition_installment,
)
from domain.timeutil import ensure_utc


def amount_due(total: Decimal, amount_paid: Decimal) -> Decimal:
    """What is left to pay on an invoice: never negative (an overpayment is not a credit)."""
    return max(Decimal(0), total - amount_paid)


def currency_mismatch(invoice_currency: str, payment_currency: str) -> str | None:
    """The reason a payment cannot apply to the invoice because of its currency, or None.
    Payments are never converted (FR-024)."""
    if payment_currency == invoice_currency:
        return None
    return f"Currency mismatch: invoice is {invoice_currency}, payment is {payment_currency}"


@dataclass(frozen=True, slots=True)
class InvoiceState:
    """What the decisions need of an invoice, as loaded under its row lock. `installments` is
    its schedule in order (empty: no schedule, the invoice is paid as a whole)."""

    invoice_id: int
    status: InvoiceStatus
    currency: Currency
    total: Decimal
    amount_paid: Decimal
    expires_at: datetime
    installments: tuple[InstallmentState, ...] = ()

    @property
    def payables(self) -> Sequence[Payable]:
        """What a payment fills, in order: the schedule, or the invoice as one installment."""
        if self.installments:
            return self.installments
        return (whole_invoice(self.total, self.amount_paid),)


def _changed(
    before: Sequence[InstallmentState], after: Sequence[InstallmentState]
) -> tuple[InstallmentState, ...]:
    """`after`, every installment's status move checked against INSTALLMENT_TRANSITIONS."""
    for old, new in zip(before, after, strict=True):
        transition_installment(old.status, new.status)
    return tuple(after)


# --- initiation --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentTarget:
    """What a new payment link asks for: an installment (None: the invoice as a whole), its
    remaining amount, and the tax and fee shares it carries (only while nothing of it is paid;
    a second link for the rest of an installment carries none)."""

    installment_number: int | None
    amount: Decimal
    tax_amount: Decimal
    service_fee_amount: Decimal


def ensure_installment_target(
    installments: Sequence[Payable], requested: int | None
) -> Payable | None:
    """The installment a new payment may target (installments are paid in order, FR-068..070),
    or None for an invoice without a schedule; raises `PaymentError` otherwise."""
    if not installments:
        if requested is not None:
            raise PaymentError(NO_SCHEDULE_MESSAGE)
        return None
    return ensure_payment_order(installments, requested)


def payment_target(state: InvoiceState, requested: int | None) -> PaymentTarget:
    """The installment (or amount due) a payment link for `requested` asks for."""
    target = ensure_installment_target(state.installments, requested)
    if target is None:
        due = amount_due(state.total, state.amount_paid)
        if due <= 0:
            raise PaymentError("Cannot initiate payment for fully_paid invoice")
        return PaymentTarget(None, due, Decimal(0), Decimal(0))
    row = next(item for item in state.installments if item.number == target.number)
    if row.paid_amount == 0:
        return PaymentTarget(row.number, row.remaining, row.tax_amount, row.service_fee_amount)
    return PaymentTarget(row.number, row.remaining, Decimal(0), Decimal(0))


def decide_initiation(state: InvoiceState, requested: int | None, now: datetime) -> PaymentTarget:
    """What a payment initiated `now` asks for; raises `PaymentError` if it cannot be made."""
    ensure_payable(state.status)
    target = payment_target(state, requested)
    if ensure_utc(state.expires_at) <= ensure_utc(now):
        raise PaymentError("Cannot initiate payment for expired invoice")
    return target


def reuses_link(
    target: PaymentTarget, link_amount: Decimal, link_expires_at: datetime, now: datetime
) -> bool:
    """A live link for the same installment is handed out again if it still asks for the
    right amount and has not lapsed; otherwise it is superseded by a new one."""
    return link_amount == target.amount and ensure_utc(link_expires_at) > ensure_utc(now)


@dataclass(frozen=True, slots=True)
class Initiated:
    """The invoice once a link was issued: draft → pending, its installment unpaid → pending."""

    status: InvoiceStatus
    installments: tuple[InstallmentState, ...]


def decide_link_issued(state: InvoiceState, installment_number: int | None) -> Initiated:
    """Raises `PaymentError` if the invoice was paid or closed while the gateway was asked (the
    link must then not be used)."""
    status = status_after_initiation(state.status)
    installments = [
        replace(item, status=InstallmentStatus.PENDING)
        if item.number == installment_number and item.status == InstallmentStatus.UNPAID
        else item
        for item in state.installments
    ]
    return Initiated(status, _changed(state.installments, installments))


# --- payments ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceivedPayment:
    """A payment a gateway reports. `recorded_as`: the transaction already recorded under the
    same gateway transaction id (loaded with the invoice), if any."""

    event_id: str
    amount: Decimal | None
    currency: Currency
    recorded_as: int | None = None


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The event was recorded before (a redelivery, or a payment found by sync and notified
    too): nothing changes. `transaction_id`: the payment it was recorded as, or against."""

    transaction_id: int
    message: str


@dataclass(frozen=True, slots=True)
class RejectedPayment:
    """A payment in another currency: recorded as failed with `reason`, so the merchant sees it;
    never converted, never applied (FR-024)."""

    amount: Decimal
    currency: Currency
    reason: str


@dataclass(frozen=True, slots=True)
class AppliedPayment:
    """A payment applied to the invoice.

    `amount` is what was received (at the currency's scale), `expected` what the invoice asked
    for (the first open installment's remainder, or the amount due; 0: nothing was asked).
    `allocation` says how it filled the installments; `installments` is the schedule after it
    (empty without a schedule); `newly_paid` the installments it moved to paid. `path` is the
    invoice's statuses from before to after, each step allowed by `TRANSITIONS` (a draft paid
    before we initiated it passes through pending). After the invoice closed (expired,
    cancelled, failed) the status stays and all of it is a `paid_after_close` discrepancy, for
    the merchant to refund or honour.
    """

    amount: Decimal
    expected: Decimal
    allocation: Allocation
    installments: tuple[InstallmentState, ...]
    newly_paid: tuple[int, ...]
    discrepancy: Discrepancy | None
    path: tuple[InvoiceStatus, ...]
    paid_after_close: bool

    @property
    def status(self) -> InvoiceStatus:
        return self.path[-1]

    @property
    def status_changed(self) -> bool:
        return self.path[-1] != self.path[0]

    @property
    def overpayment(self) -> Decimal:
        return self.allocation.overpayment

    @property
    def installment_number(self) -> int | None:
        """The installment the transaction is recorded against: the first it paid towards."""
        if not self.installments or not self.allocation.applied:
            return None
        return self.allocation.applied[0].number


PaymentOutcome = Duplicate | RejectedPayment | AppliedPayment


def _status_path(
    current: InvoiceStatus, amount_paid: Decimal, total: Decimal
) -> tuple[InvoiceStatus, ...]:
    target = status_after_payment(amount_paid, total)
    path = [current]
    if current == InvoiceStatus.DRAFT and target != InvoiceStatus.DRAFT:
        # Paid before PayTrust initiated it: the payment is the initiation.
        path.append(transition(current, InvoiceStatus.PENDING))
    path.append(transition(path[-1], target))
    return tuple(path)


def decide_payment(state: InvoiceState, payment: ReceivedPayment) -> PaymentOutcome:
    """What `payment` does to the invoice. Raises `PaymentError` (or `MoneyError`) for a
    payment that cannot apply: no positive amount, a malformed amount."""
    if payment.recorded_as is not None:
        return Duplicate(payment.recorded_as, "Payment already recorded")
    mismatch = currency_mismatch(state.currency.value, payment.currency.value)
    if mismatch is not None:
        return RejectedPayment(payment.amount or Decimal(0), payment.currency, mismatch)
    if payment.amount is None or payment.amount <= 0:
        raise PaymentError(f"Paid event {payment.event_id} has no positive amount")
    currency = state.currency
    amount = quantize(payment.amount, currency)
    upcoming = next_payable(state.payables)
    expected = upcoming.amount - upcoming.paid_amount if upcoming is not None else Decimal(0)
    allocation = allocate_payment(currency, state.payables, amount)
    installments = _changed(state.installments, apply_allocation(state.installments, allocation))
    newly_paid = tuple(
        after.number
        for before, after in zip(state.installments, installments, strict=True)
        if after.status == InstallmentStatus.PAID and before.status != InstallmentStatus.PAID
    )
    closed = state.status in FINAL_STATUSES and state.status != InvoiceStatus.FULLY_PAID
    discrepancy: Discrepancy | None
    if closed:
        discrepancy = paid_after_close(currency, amount)
        path: tuple[InvoiceStatus, ...] = (state.status,)
    else:
        discrepancy = payment_discrepancy(currency, expected, amount) if expected > 0 else None
        path = _status_path(state.status, state.amount_paid + amount, state.total)
    return AppliedPayment(
        amount=amount,
        expected=expected,
        allocation=allocation,
        installments=installments,
        newly_paid=newly_paid,
        discrepancy=discrepancy,
        path=path,
        paid_after_close=closed,
    )


# --- refunds the gateway reports ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordedPayment:
    """One of the invoice's recorded payments that a refund may draw on."""

    id: int
    amount: Decimal
    refunded_amount: Decimal


@dataclass(frozen=True, slots=True)
class ReportedRefund:
    """A refund a gateway reports. `recorded_for`: the payment it was already recorded against
    (a duplicate), if any; `payment`: the invoice's payment it refunds, matched by gateway
    transaction id or reference (None: not recorded yet, the refund overtook it)."""

    refund_id: str
    amount: Decimal | None
    recorded_for: int | None = None
    payment: RecordedPayment | None = None


@dataclass(frozen=True, slots=True)
class DeferredRefund:
    """Reordered delivery: the refund came before its payment; held back and tried again."""

    message: str


@dataclass(frozen=True, slots=True)
class AppliedRefund:
    transaction_id: int
    amount: Decimal
    # The payment after the refund: what of it is refunded, and its status.
    refunded_amount: Decimal
    payment_status: Literal["refunded", "partially_refunded"]


RefundOutcome = Duplicate | DeferredRefund | AppliedRefund


def decide_refund(state: InvoiceState, refund: ReportedRefund) -> RefundOutcome:
    """What a gateway-reported refund does. Raises `PaymentError` for a refund of nothing or
    of more than is left of its payment. The invoice's status does not change."""
    if refund.recorded_for is not None:
        return Duplicate(refund.recorded_for, "Refund already recorded")
    payment = refund.payment
    if payment is None:
        return DeferredRefund(
            f"No payment of invoice {state.invoice_id} matches refund {refund.refund_id} yet"
        )
    amount = quantize(refund.amount or Decimal(0), state.currency)
    if amount <= 0:
        raise PaymentError(f"Refund {refund.refund_id} has no positive amount")
    if payment.refunded_amount + amount > payment.amount:
        raise PaymentError(
            f"Refund {refund.refund_id} of {amount} exceeds what is left of payment {payment.id}"
        )
    refunded = payment.refunded_amount + amount
    return AppliedRefund(
        transaction_id=payment.id,
        amount=amount,
        refunded_amount=refunded,
        payment_status="refunded" if refunded >= payment.amount else "partially_refunded",
    )


# --- expiry, cancellation, lapsed links --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Closure:
    """The invoice closing: its new status, its schedule (installments that waited on a live
    link back to unpaid), and what its live links become (`expired` when the invoice expired,
    `superseded` when it was cancelled); the workflow then expires them at the gateway."""

    status: InvoiceStatus
    installments: tuple[InstallmentState, ...]
    link_status: Literal["expired", "superseded"]


def _released(
    installments: Sequence[InstallmentState], number: int | None = None
) -> tuple[InstallmentState, ...]:
    """Installments waiting on a live link (all of them, or `number`) back to unpaid."""
    after = [
        replace(item, status=InstallmentStatus.UNPAID)
        if item.status == InstallmentStatus.PENDING and number in (None, item.number)
        else item
        for item in installments
    ]
    return _changed(installments, after)


def decide_expiry(state: InvoiceState, now: datetime) -> Closure | None:
    """FR-045: draft, pending and partially paid invoices expire once `expires_at` is reached;
    None if this one does not (already final, or its expiry was extended)."""
    if state.status not in EXPIRABLE_STATUSES or ensure_utc(state.expires_at) > ensure_utc(now):
        return None
    return Closure(
        transition(state.status, InvoiceStatus.EXPIRED), _released(state.installments), "expired"
    )


def decide_cancellation(state: InvoiceState) -> Closure:
    """Cancelling is allowed while nothing has been paid; raises `InvalidStateTransition`."""
    ensure_cancellable(state.status, state.amount_paid)
    return Closure(
        transition(state.status, InvoiceStatus.CANCELLED),
        _released(state.installments),
        "superseded",
    )


def release_installment(
    installments: Sequence[InstallmentState], number: int
) -> tuple[InstallmentState, ...]:
    """The gateway expired the link of installment `number`: if it was waiting on it, it is
    unpaid again (the next initiation makes a new link). The invoice's own expiry is ours."""
    return _released(installments, number)
