"""Money: currencies, their scales, quantization and parsing. Pure; no I/O.

Every amount in PayTrust is a `Decimal` quantized to its currency's scale through `quantize`
(ROUND_HALF_UP), and every computation that mixes amounts goes through `Money`, which refuses to
mix currencies: a mismatch is an error, never a conversion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Final


class Currency(StrEnum):
    IDR = "IDR"
    MYR = "MYR"
    USD = "USD"

    @property
    def scale(self) -> int:
        return SCALES[self]

    @property
    def unit(self) -> Decimal:
        """The smallest amount the currency can express (1 for IDR, 0.01 for MYR and USD)."""
        return Decimal(1).scaleb(-SCALES[self])


SCALES: Final[dict[Currency, int]] = {Currency.IDR: 0, Currency.MYR: 2, Currency.USD: 2}

# The largest amount PayTrust accepts, in the currency's major unit (10^13): a DECIMAL(19,4)
# column holds 10^15, which leaves room for sums of a few of them (a total, a refund sum).
MAX_AMOUNT: Final = Decimal(10) ** 13
# Plain decimal notation only: an optional sign, digits, an optional fraction. No exponent
# ("1e30", "9E+999999999"), no NaN/Infinity, no spaces or underscores. One home for the rule:
# the request schemas declare it (OpenAPI shows it) and `to_decimal` enforces it.
AMOUNT_PATTERN: Final = r"^-?[0-9]+(\.[0-9]+)?$"
# Longest amount string accepted: 14 integer digits, a point and a generous fraction.
AMOUNT_MAX_LENGTH: Final = 40
_AMOUNT_RE: Final = re.compile(AMOUNT_PATTERN)


# How to send money, said by every error about an amount's type (a JSON float, a boolean...).
MONEY_HINT: Final = 'Send amounts as decimal strings, e.g. "12.50"'
MONEY_TYPE_ERROR: Final = "money_type"


class MoneyError(ValueError):
    """An amount that cannot be money: malformed, too precise for its currency, or mixed."""


class CurrencyMismatchError(MoneyError):
    def __init__(self, left: Currency, right: Currency) -> None:
        super().__init__(f"Currency mismatch: {left} and {right} cannot be combined")
        self.left = left
        self.right = right


def parse_currency(code: str) -> Currency:
    try:
        return Currency(code.upper() if isinstance(code, str) else code)
    except ValueError:
        raise MoneyError(f"Unsupported currency: {code!r}; expected one of IDR, MYR, USD") from None


def quantize(amount: Decimal, currency: Currency) -> Decimal:
    """Round `amount` to the currency's scale, half up. The one rounding function of PayTrust."""
    return amount.quantize(currency.unit, rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    """A finite Decimal from a str, int or Decimal; floats are refused (they are not money)."""
    if isinstance(value, bool | float):
        raise MoneyError(
            f"Amount must be a decimal string or an integer, not {type(value).__name__}. "
            + MONEY_HINT
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        if len(value) > AMOUNT_MAX_LENGTH or not _AMOUNT_RE.fullmatch(value):
            raise MoneyError(f"Malformed amount: {_shown(value)}")
        text = value
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"Malformed amount: {value!r}") from None
    else:
        raise MoneyError(
            f"Amount must be a decimal string or an integer, not {type(value).__name__}. "
            + MONEY_HINT
        )
    if not result.is_finite():
        raise MoneyError(f"Malformed amount: {value!r}")
    return result


def _shown(value: str) -> str:
    """An input echoed in a message, cut short so a megabyte of digits is not sent back."""
    return repr(value) if len(value) <= AMOUNT_MAX_LENGTH else repr(value[:AMOUNT_MAX_LENGTH] + "…")


def decimal_places(value: Decimal) -> int:
    """Significant decimal places: Decimal('12.50') has 1, Decimal('100') has 0.

    Counted exactly from the digits, never through `normalize()`, which rounds to the context's
    28 digits (so "1.0000000000000000000000000000001" would pass as 1) and overflows on huge
    exponents.
    """
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # finite by construction
    if exponent >= 0:
        return 0
    if not any(digits):
        return 0
    places = -exponent
    trailing = 0
    for digit in reversed(digits):
        if digit != 0 or trailing == places:
            break
        trailing += 1
    return places - trailing


def parse_amount(value: object, currency: Currency, *, allow_negative: bool = False) -> Decimal:
    """Parse a request amount. More decimals than the currency allows is an error, not a rounding.

    Trailing zeros are fine (`"100.00"` is a valid IDR amount); `"100.5"` is not.
    """
    amount = to_decimal(value)
    shown = _shown(str(value))
    if decimal_places(amount) > currency.scale:
        raise MoneyError(
            f"Amount {shown} has more decimal places than {currency} allows ({currency.scale})"
        )
    if amount < 0 and not allow_negative:
        raise MoneyError(f"Amount must not be negative: {shown}")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"Amount {shown} is too large: at most {MAX_AMOUNT} {currency}")
    return quantize(amount, currency)


def format_amount(amount: Decimal, currency: Currency) -> str:
    """The JSON form of an amount: a plain decimal string at the currency's scale."""
    return f"{quantize(amount, currency):f}"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency, always at the currency's scale.

    Arithmetic between two `Money` values of different currencies raises
    `CurrencyMismatchError`; multiplication by a rate quantizes half up.
    """

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise MoneyError(f"Money needs a finite Decimal, got {self.amount!r}")
        object.__setattr__(self, "amount", quantize(self.amount, self.currency))

    @classmethod
    def zero(cls, currency: Currency) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def parse(cls, value: object, currency: Currency) -> Money:
        return cls(parse_amount(value, currency), currency)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"Cannot combine Money with {type(other).__name__}")
        if other.currency is not self.currency:
            raise CurrencyMismatchError(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def times(self, factor: Decimal | int) -> Money:
        """Multiply by a quantity or a rate, rounding the result half up to the currency scale."""
        if isinstance(factor, float):
            raise TypeError("Multiply money by a Decimal or an int, never a float")
        return Money(self.amount * Decimal(factor), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return format_amount(self.amount, self.currency)


def sum_money(values: list[Money] | tuple[Money, ...], currency: Currency) -> Money:
    """Sum in one currency; an empty sum is zero in that currency."""
    total = Money.zero(currency)
    for value in values:
        total = total + value
    return total
