"""Invoice totals: line subtotals, per-line tax, the gateway's service fee (FR-001..009, FR-064a).

    line subtotal = quantity * unit_price
    line tax      = quantize(line subtotal * tax_rate)           (per line, ROUND_HALF_UP)
    service_fee   = quantize(subtotal * fee_percentage + fee_fixed)
    total         = subtotal + tax_total + service_fee

Tax is never charged on the fee. Rates and fees are locked at creation: the caller stores the
result and never recomputes it from a changed gateway configuration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from domain.errors import InvalidFeeSchedule, InvalidLineItem, InvalidTaxRate
from domain.money import (
    MAX_AMOUNT,
    Currency,
    CurrencyMismatchError,
    Money,
    MoneyError,
    decimal_places,
    sum_money,
    to_decimal,
)

TAX_RATE_PLACES: Final = 4
TAX_RATE_UNIT: Final = Decimal(1).scaleb(-TAX_RATE_PLACES)
# Rates above this are accepted but logged for audit as likely data-entry errors (FR-064a(d)).
AUDIT_TAX_RATE_THRESHOLD: Final = Decimal("0.27")
INVALID_TAX_RATE_MESSAGE: Final = (
    "Invalid tax_rate: must be between 0 and 1.0 with max 4 decimal places"
)


def validate_tax_rate(value: object) -> Decimal:
    """Parse and validate a tax rate: 0 ≤ rate ≤ 1 with at most 4 decimals (FR-064a).

    Accepts a decimal string, int or Decimal; `None` means the default rate 0. Returns the rate
    at 4 decimals (`Decimal("0.1100")`), the form it is stored and returned in. Anything else,
    floats included, raises `InvalidTaxRate` with the seed's message.
    """
    if value is None:
        return Decimal(0).quantize(TAX_RATE_UNIT)
    try:
        rate = to_decimal(value)
    except MoneyError:
        raise InvalidTaxRate(INVALID_TAX_RATE_MESSAGE) from None
    if rate < 0 or rate > 1 or decimal_places(rate) > TAX_RATE_PLACES:
        raise InvalidTaxRate(INVALID_TAX_RATE_MESSAGE)
    # `+ 0` turns Decimal("-0") into 0 so no "-0.0000" ever reaches a response.
    return (rate + 0).quantize(TAX_RATE_UNIT)


def is_audit_rate(rate: Decimal) -> bool:
    """True for a valid but suspicious rate (> 27%) that the caller must log for audit review."""
    return rate > AUDIT_TAX_RATE_THRESHOLD


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """A gateway's service fee for one currency: `fee_percentage` (0.0290 = 2.9%) + `fee_fixed`."""

    fee_percentage: Decimal
    fee_fixed: Decimal

    def __post_init__(self) -> None:
        for name in ("fee_percentage", "fee_fixed"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise InvalidFeeSchedule(
                    f"Fee {name} must be a non-negative Decimal, got {value!r}"
                )
        if self.fee_percentage > 1:
            raise InvalidFeeSchedule("Fee fee_percentage must not exceed 1")

    @classmethod
    def none(cls) -> FeeSchedule:
        return cls(Decimal(0), Decimal(0))

    def fee_for(self, subtotal: Money) -> Money:
        """quantize(subtotal * fee_percentage + fee_fixed): one rounding, after the sum."""
        fixed = self.fee_fixed
        if decimal_places(fixed) > subtotal.currency.scale:
            # A fixed fee below the currency's unit would be silently rounded on every invoice.
            raise InvalidFeeSchedule(
                f"Fee fee_fixed {fixed} has more decimal places than {subtotal.currency} allows"
            )
        return Money(subtotal.amount * self.fee_percentage + fixed, subtotal.currency)


@dataclass(frozen=True, slots=True)
class LineItemInput:
    """One requested line: `quantity` ≥ 1, `unit_price` ≥ 0 at the currency's scale.

    `tax_rate` should come from `validate_tax_rate`; `compute_totals` validates it again.
    """

    quantity: int
    unit_price: Decimal
    tax_rate: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class LineTotals:
    """A computed line; `lines[i]` of `InvoiceTotals` corresponds to the i-th input line."""

    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    subtotal: Decimal
    tax_amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    """An invoice's amounts, each at the currency's scale; `total` = subtotal + tax + fee.

    `lines` may be empty when the totals are rebuilt from stored invoice columns (for example to
    build an installment schedule); the identity is checked either way.
    """

    currency: Currency
    subtotal: Decimal
    tax_total: Decimal
    service_fee: Decimal
    total: Decimal
    lines: tuple[LineTotals, ...] = ()

    def __post_init__(self) -> None:
        parts = [
            Money(self.subtotal, self.currency),
            Money(self.tax_total, self.currency),
            Money(self.service_fee, self.currency),
        ]
        if any(part.amount < 0 for part in parts):
            raise ValueError("Invoice totals must not be negative")
        if sum_money(parts, self.currency) != Money(self.total, self.currency):
            raise ValueError(
                f"Invoice total {self.total} is not subtotal + tax_total + service_fee"
            )

    @property
    def total_money(self) -> Money:
        return Money(self.total, self.currency)


def _line_totals(currency: Currency, line: LineItemInput, position: int) -> LineTotals:
    if isinstance(line.quantity, bool) or not isinstance(line.quantity, int) or line.quantity < 1:
        raise InvalidLineItem(f"Line item {position}: quantity must be an integer of at least 1")
    price = line.unit_price
    if not isinstance(price, Decimal) or not price.is_finite() or price < 0:
        raise InvalidLineItem(f"Line item {position}: unit_price must be a non-negative amount")
    if decimal_places(price) > currency.scale:
        raise InvalidLineItem(
            f"Line item {position}: unit_price {price} has more decimal places than "
            f"{currency} allows ({currency.scale})"
        )
    if price * line.quantity > MAX_AMOUNT:
        # Checked before building Money: quantizing a huge product would overflow the context.
        raise InvalidLineItem(f"Line item {position}: subtotal is too large")
    rate = validate_tax_rate(line.tax_rate)
    subtotal = Money(price, currency).times(line.quantity)  # exact: price is at scale
    tax = subtotal.times(rate)  # the per-line rounding of FR-005
    return LineTotals(
        line.quantity, Money(price, currency).amount, rate, subtotal.amount, tax.amount
    )


def compute_totals(
    currency: Currency, lines: Sequence[LineItemInput], fee: FeeSchedule
) -> InvoiceTotals:
    """Compute an invoice's totals from its lines and the gateway's fee for `currency`.

    Raises `InvalidLineItem` (no lines, bad quantity or price, total too large for storage),
    `InvalidTaxRate`, or `InvalidFeeSchedule`.
    """
    if not lines:
        raise InvalidLineItem("Invoice must have at least one line item")
    computed = tuple(_line_totals(currency, line, i + 1) for i, line in enumerate(lines))
    subtotal = sum_money([Money(line.subtotal, currency) for line in computed], currency)
    tax_total = sum_money([Money(line.tax_amount, currency) for line in computed], currency)
    # The fee is computed on the subtotal alone and is itself untaxed (FR-009).
    service_fee = fee.fee_for(subtotal)
    total = subtotal + tax_total + service_fee
    if total.amount > MAX_AMOUNT:
        raise InvalidLineItem(f"Invoice total {total} is too large")
    return InvoiceTotals(
        currency=currency,
        subtotal=subtotal.amount,
        tax_total=tax_total.amount,
        service_fee=service_fee.amount,
        total=total.amount,
        lines=computed,
    )


def ensure_currency(expected: Currency, actual: Currency) -> None:
    """Raise `CurrencyMismatchError` unless both are the same currency (no conversion, ever)."""
    if expected is not actual:
        raise CurrencyMismatchError(expected, actual)
