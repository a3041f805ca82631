"""domain.money: quantization, parsing, currency discipline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.money import (
    Currency,
    CurrencyMismatchError,
    Money,
    MoneyError,
    decimal_places,
    format_amount,
    parse_amount,
    quantize,
    sum_money,
)
from tests.unit.strategies import at_scale, currencies


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("0.5", Currency.IDR, "1"),
        ("1.5", Currency.IDR, "2"),
        ("2.5", Currency.IDR, "3"),  # half up, not banker's rounding
        ("2.4999", Currency.IDR, "2"),
        ("-2.5", Currency.IDR, "-3"),
        ("0.005", Currency.USD, "0.01"),
        ("0.015", Currency.MYR, "0.02"),
        ("0.025", Currency.USD, "0.03"),
        ("0.0049", Currency.USD, "0.00"),
    ],
)
def test_quantize_rounds_half_up(value: str, currency: Currency, expected: str) -> None:
    assert quantize(Decimal(value), currency) == Decimal(expected)
    assert f"{quantize(Decimal(value), currency):f}" == expected


@given(currencies, st.decimals(min_value=-(10**12), max_value=10**12, places=6))
def test_quantize_is_at_scale_and_within_half_a_unit(currency: Currency, value: Decimal) -> None:
    rounded = quantize(value, currency)
    assert decimal_places(rounded) <= currency.scale
    assert abs(rounded - value) <= currency.unit / 2
    assert quantize(rounded, currency) == rounded


@pytest.mark.parametrize(
    ("value", "currency"),
    [
        ("100.5", Currency.IDR),
        ("1.005", Currency.USD),
        ("0.001", Currency.MYR),
        ("1.1", Currency.IDR),
    ],
)
def test_parse_rejects_extra_decimals(value: str, currency: Currency) -> None:
    with pytest.raises(MoneyError, match="decimal places"):
        parse_amount(value, currency)


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("100.00", Currency.IDR, "100"),
        ("12.500", Currency.USD, "12.50"),
        (150000, Currency.IDR, "150000"),
        ("7", Currency.MYR, "7.00"),
    ],
)
def test_parse_accepts_trailing_zeros_and_integers(
    value: object, currency: Currency, expected: str
) -> None:
    assert format_amount(parse_amount(value, currency), currency) == expected


@pytest.mark.parametrize(
    "value",
    [
        1.5,
        0.1,
        float("nan"),
        "NaN",
        "nan",
        "Infinity",
        "-inf",
        "sNaN",
        True,
        None,
        "",
        " 1",
        "1_000",
        "abc",
    ],
)
def test_parse_rejects_floats_nan_inf_and_junk(value: object) -> None:
    with pytest.raises(MoneyError):
        parse_amount(value, Currency.USD)


def test_parse_rejects_negative_unless_allowed() -> None:
    with pytest.raises(MoneyError, match="negative"):
        parse_amount("-1", Currency.IDR)
    assert parse_amount("-1", Currency.IDR, allow_negative=True) == Decimal(-1)


@given(currencies, st.data())
def test_format_parse_round_trip(currency: Currency, data: st.DataObject) -> None:
    amount = data.draw(at_scale(currency, 0, 10**13))
    text = format_amount(amount, currency)
    assert parse_amount(text, currency) == amount
    assert format_amount(parse_amount(text, currency), currency) == text
    assert decimal_places(Decimal(text)) <= currency.scale


@given(st.sampled_from(list(Currency)), st.sampled_from(list(Currency)))
def test_money_refuses_to_mix_currencies(left: Currency, right: Currency) -> None:
    a, b = Money(Decimal(1), left), Money(Decimal(2), right)
    if left is right:
        assert (a + b).amount == Decimal(3)
        assert a < b
    else:
        with pytest.raises(CurrencyMismatchError):
            a + b
        with pytest.raises(CurrencyMismatchError):
            a - b
        with pytest.raises(CurrencyMismatchError):
            _ = a < b
        with pytest.raises(CurrencyMismatchError):
            sum_money([a, b], left)


def test_money_refuses_floats() -> None:
    with pytest.raises(MoneyError):
        Money(1.5, Currency.USD)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(Decimal(1), Currency.USD).times(1.5)  # type: ignore[arg-type]


@given(currencies, st.data())
def test_money_is_always_at_scale(currency: Currency, data: st.DataObject) -> None:
    amount = data.draw(at_scale(currency, 0, 10**9))
    rate = data.draw(st.integers(0, 10_000).map(lambda n: Decimal(n).scaleb(-4)))
    product = Money(amount, currency).times(rate)
    assert decimal_places(product.amount) <= currency.scale
    assert product.amount == quantize(amount * rate, currency)
