"""Installment schedules, payment allocation and schedule adjustment (FR-014..018, FR-059/060,
FR-065..080).

Rules, in payments words:

- A schedule has 2..12 installments due at start + k·interval_days (k = 0..count-1).
- Without custom amounts the total is split equally at the currency's scale; the first
  installments are rounded *down* and the last absorbs the remainder (FR-071/072). Rounding the
  others half up could leave the last at zero or below (IDR 18 in 12 installments).
- Each installment carries a proportional share of the invoice's tax and service fee,
  quantize(component * amount / total), the last absorbing the rounding so each component's
  shares sum exactly to the invoice's (FR-059/060). In degenerate cases (tiny installments)
  plain proportional rounding could make the last share negative or larger than its
  installment; the shares are then clamped, so a share is never negative and tax + fee never
  exceed the installment's amount. Normal invoices never hit the clamp.
- A received payment fills installments strictly in order; what is left after the last one is an
  overpayment; an underpayment leaves the current installment open (FR-073..076).
- After a payment, unpaid installments may be re-planned, as long as they still cover the
  remaining balance; their tax and fee shares are recomputed over what remains (FR-077..080).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, localcontext
from itertools import pairwise
from typing import Final, Literal, Protocol

from domain.errors import InstallmentError, PaymentError
from domain.money import (
    MAX_AMOUNT,
    Currency,
    Money,
    MoneyError,
    decimal_places,
    format_amount,
    quantize,
    to_decimal,
)
from domain.status import InstallmentStatus
from domain.timeutil import ensure_utc
from domain.totals import InvoiceTotals, ensure_currency

MIN_INSTALLMENTS: Final = 2
MAX_INSTALLMENTS: Final = 12
DEFAULT_INTERVAL_DAYS: Final = 7
NO_SCHEDULE_MESSAGE: Final = "Invoice has no installments"
# No schedule can outlive the 30-day expiry limit anyway; this bound only keeps due-date
# arithmetic far from datetime's range, so absurd input fails with a message, not an overflow.
MAX_INTERVAL_DAYS: Final = 365

# Enough digits that component * amount / total is exact to far below half a unit for any
# amount a DECIMAL(19,4) column holds, so the single half-up quantize is the only rounding.
_SHARE_PRECISION: Final = 60


@dataclass(frozen=True, slots=True)
class InstallmentPlan:
    """One planned installment. `number` is 1-based; amounts are at the currency's scale.

    `amount` includes the installment's `tax_amount` and `service_fee_amount` shares.
    """

    number: int
    amount: Decimal
    tax_amount: Decimal
    service_fee_amount: Decimal
    due_date: datetime


@dataclass(frozen=True, slots=True)
class InstallmentState:
    """An installment as stored: its plan plus what has been paid towards it."""

    number: int
    amount: Decimal
    tax_amount: Decimal
    service_fee_amount: Decimal
    due_date: datetime
    paid_amount: Decimal = Decimal(0)
    status: InstallmentStatus = InstallmentStatus.UNPAID

    @classmethod
    def from_plan(cls, plan: InstallmentPlan) -> InstallmentState:
        return cls(
            plan.number, plan.amount, plan.tax_amount, plan.service_fee_amount, plan.due_date
        )

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.paid_amount

    @property
    def is_paid(self) -> bool:
        return self.status == InstallmentStatus.PAID or self.paid_amount >= self.amount


class Payable(Protocol):
    """What allocation needs of an installment (InstallmentState and InstallmentBalance fit)."""

    @property
    def number(self) -> int: ...

    @property
    def amount(self) -> Decimal: ...

    @property
    def paid_amount(self) -> Decimal: ...


@dataclass(frozen=True, slots=True)
class InstallmentBalance:
    """A bare payable: an invoice without a schedule is one implicit installment (number 1)."""

    number: int
    amount: Decimal
    paid_amount: Decimal = Decimal(0)


def whole_invoice(total: Decimal, amount_paid: Decimal) -> InstallmentBalance:
    """The single implicit installment of an invoice without a schedule."""
    return InstallmentBalance(1, total, min(amount_paid, total))


# --- schedule --------------------------------------------------------------------------------


def _minor_units(amount: Decimal, currency: Currency) -> int:
    """An at-scale amount as an integer count of the currency's smallest unit (exact)."""
    return int(quantize(amount, currency).scaleb(currency.scale))


def _from_minor_units(units: int, currency: Currency) -> Decimal:
    return quantize(Decimal(units).scaleb(-currency.scale), currency)


def _proportional_share(
    component: Decimal, amount: Decimal, total: Decimal, currency: Currency
) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _SHARE_PRECISION
        return quantize(component * amount / total, currency)


def distribute_components(
    currency: Currency, amounts: Sequence[Decimal], components: Sequence[Decimal]
) -> list[tuple[Decimal, ...]]:
    """Split each component (tax, fee, ...) over `amounts` proportionally, last absorbing.

    Returns one tuple per amount, holding its share of each component in order. Every share is
    ≥ 0, each component's shares sum exactly to it, and an amount's shares together never
    exceed the amount. Requires amounts > 0 and sum(components) ≤ sum(amounts).
    """
    total = sum(amounts, Decimal(0))
    if not amounts or total <= 0 or any(amount <= 0 for amount in amounts):
        raise ValueError("Shares need positive amounts")
    if any(component < 0 for component in components) or sum(components, Decimal(0)) > total:
        raise ValueError("Components must be non-negative and fit within the amounts")
    # What each installment can still carry once earlier components took their shares.
    room = list(amounts)
    shares: list[list[Decimal]] = [[] for _ in amounts]
    last = len(amounts) - 1
    for component in components:
        left = component
        room_after = sum(room, Decimal(0))
        for i, amount in enumerate(amounts):
            room_after -= room[i]
            if i == last:
                share = left  # the last absorbs the rounding
            else:
                share = _proportional_share(component, amount, total, currency)
                # The clamp keeps the rest placeable in later rooms and this one non-negative
                # and within its room; with ordinary amounts it never changes the share.
                low = max(Decimal(0), left - room_after)
                high = min(left, room[i])
                share = min(max(share, low), high)
            left -= share
            room[i] -= share
            shares[i].append(share)
    return [tuple(row) for row in shares]


def _validate_count_and_interval(count: int, interval_days: int) -> None:
    if (
        isinstance(count, bool)
        or not isinstance(count, int)
        or not (MIN_INSTALLMENTS <= count <= MAX_INSTALLMENTS)
    ):
        raise InstallmentError(
            f"Installment count must be between {MIN_INSTALLMENTS} and {MAX_INSTALLMENTS}"
        )
    if (
        isinstance(interval_days, bool)
        or not isinstance(interval_days, int)
        or not (1 <= interval_days <= MAX_INTERVAL_DAYS)
    ):
        raise InstallmentError(
            f"Installment interval_days must be between 1 and {MAX_INTERVAL_DAYS}"
        )


def _parse_installment_amount(value: object, currency: Currency, label: str) -> Decimal:
    try:
        amount = to_decimal(value)
    except MoneyError as exc:
        raise InstallmentError(f"{label}: {exc}") from None
    if decimal_places(amount) > currency.scale:
        raise InstallmentError(
            f"{label}: amount {value} has more decimal places than {currency} allows "
            f"({currency.scale})"
        )
    if amount <= 0:
        raise InstallmentError(f"{label}: amount must be greater than zero")
    if amount > MAX_AMOUNT:
        raise InstallmentError(f"{label}: amount must be at most {MAX_AMOUNT}")
    return quantize(amount, currency)


def _equal_split(total: Decimal, count: int, currency: Currency) -> list[Decimal]:
    units = _minor_units(total, currency)
    if units < count:
        raise InstallmentError(
            f"Invoice total {format_amount(total, currency)} is too small to split into "
            f"{count} installments of at least {format_amount(currency.unit, currency)} "
            f"{currency} each"
        )
    base = units // count  # rounded down; the last takes the remainder
    return [_from_minor_units(base, currency)] * (count - 1) + [
        _from_minor_units(units - base * (count - 1), currency)
    ]


def build_schedule(
    currency: Currency,
    totals: InvoiceTotals,
    count: int,
    interval_days: int = DEFAULT_INTERVAL_DAYS,
    *,
    start: datetime,
    custom_amounts: Sequence[Decimal | int | str] | None = None,
) -> list[InstallmentPlan]:
    """Plan `count` installments for an invoice's `totals`, the first due at `start`.

    `custom_amounts` (optional) must list `count` positive amounts at the currency's scale that
    sum exactly to the total; otherwise the total is split equally. Raises `InstallmentError`.
    """
    ensure_currency(currency, totals.currency)
    _validate_count_and_interval(count, interval_days)
    total = Money(totals.total, currency)
    if total.amount <= 0:
        raise InstallmentError("Installments require an invoice total greater than zero")
    if custom_amounts is None:
        amounts = _equal_split(total.amount, count, currency)
    else:
        if len(custom_amounts) != count:
            raise InstallmentError(
                f"Installment amounts must list exactly {count} amounts, one per installment"
            )
        amounts = [
            _parse_installment_amount(value, currency, f"Installment {i + 1}")
            for i, value in enumerate(custom_amounts)
        ]
        if sum(amounts, Decimal(0)) != total.amount:
            raise InstallmentError(f"Installment amounts must sum to the invoice total {total}")
    shares = distribute_components(currency, amounts, [totals.tax_total, totals.service_fee])
    return [
        InstallmentPlan(
            number=k + 1,
            amount=amount,
            tax_amount=tax,
            service_fee_amount=fee,
            due_date=ensure_utc(start) + timedelta(days=k * interval_days),
        )
        for k, (amount, (tax, fee)) in enumerate(zip(amounts, shares, strict=True))
    ]


def last_due_date(schedule: Sequence[InstallmentPlan] | Sequence[InstallmentState]) -> datetime:
    """The final installment's due date (for `domain.expiry`), aware UTC."""
    return max(ensure_utc(item.due_date) for item in schedule)


# --- sequential payment ----------------------------------------------------------------------


def next_payable(installments: Sequence[Payable]) -> Payable | None:
    """The first installment with something left to pay, or None when all are paid."""
    for item in sorted(installments, key=lambda i: i.number):
        if item.paid_amount < item.amount:
            return item
    return None


def ensure_payment_order(installments: Sequence[Payable], number: int | None) -> Payable:
    """The installment a new payment may target: `number`, or the next payable one if None.

    Installments are paid strictly in order (FR-068..070): raises `PaymentError`
    "Installment {n} cannot be paid before installment {k}" for a later one, and errors for a
    paid or unknown installment or a fully paid invoice.
    """
    upcoming = next_payable(installments)
    if upcoming is None:
        raise PaymentError("Invoice is already fully paid")
    if number is None or number == upcoming.number:
        return upcoming
    target = next((item for item in installments if item.number == number), None)
    if target is None:
        raise PaymentError(f"Installment {number} does not exist")
    if target.paid_amount >= target.amount:
        raise PaymentError(f"Installment {number} is already paid")
    raise PaymentError(f"Installment {number} cannot be paid before installment {upcoming.number}")


# --- allocation ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AppliedAmount:
    """What one payment did to one installment."""

    number: int
    applied: Decimal
    paid_amount: Decimal  # after this payment
    remaining: Decimal  # after this payment
    paid: bool  # fully paid after this payment


@dataclass(frozen=True, slots=True)
class Allocation:
    """The effect of one received payment on the installments, in order.

    `applied` lists only installments that received money. `open_installment` is the one left
    partly paid (an underpayment), with `shortfall` still to pay on it; `overpayment` is what
    remained after the last installment was covered.
    """

    currency: Currency
    received: Decimal
    applied: tuple[AppliedAmount, ...]
    newly_paid: tuple[int, ...]
    overpayment: Decimal
    open_installment: int | None
    shortfall: Decimal
    all_paid: bool

    @property
    def total_applied(self) -> Decimal:
        return self.received - self.overpayment


def _payment_amount(currency: Currency, amount: Decimal) -> Money:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PaymentError(f"Payment amount must be a Decimal, got {amount!r}")
    if decimal_places(amount) > currency.scale:
        raise PaymentError(
            f"Payment amount {amount} has more decimal places than {currency} allows"
        )
    if amount <= 0:
        raise PaymentError("Payment amount must be greater than zero")
    return Money(amount, currency)


def allocate_payment(
    currency: Currency, installments: Sequence[Payable], amount: Decimal
) -> Allocation:
    """Apply a received payment to installments in order, from the first not fully paid.

    Each installment's remaining amount is filled before the next one gets anything; what is
    left after the last installment is the overpayment (FR-073..076). For an invoice without a
    schedule pass `[whole_invoice(total, amount_paid)]`. Pure: returns the allocation, changes
    nothing; see `apply_allocation`.
    """
    left = _payment_amount(currency, amount)
    received = left.amount
    applied: list[AppliedAmount] = []
    newly_paid: list[int] = []
    open_installment: int | None = None
    shortfall = Decimal(0)
    for item in sorted(installments, key=lambda i: i.number):
        remaining = Money(item.amount, currency) - Money(item.paid_amount, currency)
        if remaining.amount <= 0:
            continue
        if left.is_zero():
            break
        take = min(left, remaining)
        left = left - take
        after = remaining - take
        paid = after.is_zero()
        applied.append(
            AppliedAmount(
                item.number, take.amount, item.paid_amount + take.amount, after.amount, paid
            )
        )
        if paid:
            newly_paid.append(item.number)
        else:
            open_installment, shortfall = item.number, after.amount
    all_paid = all(
        item.paid_amount >= item.amount or item.number in newly_paid for item in installments
    )
    return Allocation(
        currency=currency,
        received=received,
        applied=tuple(applied),
        newly_paid=tuple(newly_paid),
        overpayment=left.amount,
        open_installment=open_installment,
        shortfall=shortfall,
        all_paid=all_paid,
    )


def apply_allocation(
    installments: Sequence[InstallmentState], allocation: Allocation
) -> list[InstallmentState]:
    """The installments after `allocation`: paid amounts added, covered ones marked paid."""
    by_number = {entry.number: entry for entry in allocation.applied}
    result = []
    for item in installments:
        entry = by_number.get(item.number)
        if entry is None:
            result.append(item)
            continue
        status = InstallmentStatus.PAID if entry.paid else item.status
        result.append(replace(item, paid_amount=entry.paid_amount, status=status))
    return result


# --- discrepancies ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """A payment that differs from what was asked (FR-050). `difference` is ≥ 0.
    `paid_after_close`: money for an invoice that was cancelled or expired, where nothing was
    asked any more (the merchant refunds it or honours it)."""

    expected_amount: Decimal
    paid_amount: Decimal
    difference: Decimal
    type: Literal["underpayment", "overpayment", "paid_after_close"]


def payment_discrepancy(currency: Currency, expected: Decimal, paid: Decimal) -> Discrepancy | None:
    """Compare a transaction's paid amount with the amount it requested; None if equal."""
    delta = Money(paid, currency) - Money(expected, currency)
    if delta.is_zero():
        return None
    kind: Literal["underpayment", "overpayment"] = (
        "overpayment" if delta.amount > 0 else "underpayment"
    )
    return Discrepancy(
        quantize(expected, currency), quantize(paid, currency), abs(delta.amount), kind
    )


def paid_after_close(currency: Currency, paid: Decimal) -> Discrepancy:
    """A payment received after the invoice closed: all of it is the difference."""
    amount = quantize(paid, currency)
    return Discrepancy(Decimal(0), amount, amount, "paid_after_close")


# --- adjustment ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InstallmentChange:
    """A requested change to one unpaid installment; None keeps the current value."""

    number: int
    amount: Decimal | int | str | None = None
    due_date: datetime | None = None


def remaining_balance(installments: Sequence[InstallmentState]) -> Decimal:
    """What the unpaid installments must cover together: the invoice total minus the amounts of
    the paid installments. It equals the invoice's amount due unless an unpaid installment
    already holds a partial payment, which stays part of that installment's amount.
    """
    return sum((item.amount for item in installments if not item.is_paid), Decimal(0))


def ensure_installment_unpaid(number: int, paid: bool) -> None:
    """Paid installments are immutable (FR-078)."""
    if paid:
        raise InstallmentError(f"Installment {number} is already paid and cannot be modified")


def adjust_schedule(
    currency: Currency,
    installments: Sequence[InstallmentState],
    changes: Sequence[InstallmentChange],
) -> list[InstallmentState]:
    """Re-plan unpaid installments (FR-077..080) and return the whole schedule.

    Only unpaid installments may change; their amounts must still sum to `remaining_balance`
    ("Installment amounts must sum to the remaining balance {amount}"); an installment holding a
    partial payment must stay above it; due dates must stay in order. Tax and fee shares of the
    unpaid installments are recomputed over the tax and fee they carried together, the last
    unpaid one absorbing rounding. Paid installments are returned unchanged.
    """
    ordered = sorted(installments, key=lambda i: i.number)
    by_number = {item.number: item for item in ordered}
    if not changes:
        raise InstallmentError("No installment changes given")
    seen: set[int] = set()
    for change in changes:
        if change.number in seen:
            raise InstallmentError(f"Installment {change.number} is listed more than once")
        seen.add(change.number)
        current = by_number.get(change.number)
        if current is None:
            raise InstallmentError(f"Installment {change.number} does not exist")
        ensure_installment_unpaid(change.number, current.is_paid)

    changed = {change.number: change for change in changes}
    updated: list[InstallmentState] = []
    for item in ordered:
        requested = changed.get(item.number)
        if requested is None:
            updated.append(item)
            continue
        amount = item.amount
        if requested.amount is not None:
            amount = _parse_installment_amount(
                requested.amount, currency, f"Installment {item.number}"
            )
            if amount <= item.paid_amount:
                raise InstallmentError(
                    f"Installment {item.number} amount must exceed the "
                    f"{format_amount(item.paid_amount, currency)} already paid towards it"
                )
        due_date = item.due_date if requested.due_date is None else ensure_utc(requested.due_date)
        updated.append(replace(item, amount=amount, due_date=due_date))

    balance = remaining_balance(ordered)
    unpaid = [item for item in updated if not item.is_paid]
    if sum((item.amount for item in unpaid), Decimal(0)) != balance:
        raise InstallmentError(
            "Installment amounts must sum to the remaining balance "
            f"{format_amount(balance, currency)}"
        )
    for earlier, later in pairwise(updated):
        # ensure_utc: stored due dates come back naive (UTC) from DATETIME columns.
        if ensure_utc(later.due_date) < ensure_utc(earlier.due_date):
            raise InstallmentError(
                f"Installment {later.number} cannot be due before installment {earlier.number}"
            )

    # The unpaid installments keep carrying the tax and fee they carried before, re-split.
    tax_left = sum((item.tax_amount for item in ordered if not item.is_paid), Decimal(0))
    fee_left = sum((item.service_fee_amount for item in ordered if not item.is_paid), Decimal(0))
    shares = distribute_components(currency, [item.amount for item in unpaid], [tax_left, fee_left])
    resplit = {
        item.number: replace(item, tax_amount=tax, service_fee_amount=fee)
        for item, (tax, fee) in zip(unpaid, shares, strict=True)
    }
    return [resplit.get(item.number, item) for item in updated]
