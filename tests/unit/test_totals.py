"""domain.totals: line subtotals, per-line tax, service fee, tax-rate validation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import InvalidFeeSchedule, InvalidLineItem, InvalidTaxRate
from domain.money import Currency, decimal_places, quantize
from domain.totals import (
    INVALID_TAX_RATE_MESSAGE,
    FeeSchedule,
    InvoiceTotals,
    LineItemInput,
    compute_totals,
    is_audit_rate,
    validate_tax_rate,
)
from tests.unit.strategies import currencies, fee_schedules, line_items

XENDIT_IDR = FeeSchedule(Decimal("0.0290"), Decimal("2000"))


def test_worked_example_idr_xendit() -> None:
    totals = compute_totals(
        Currency.IDR, [LineItemInput(2, Decimal("50000"), Decimal("0.11"))], XENDIT_IDR
    )
    assert totals.subtotal == Decimal("100000")
    assert totals.tax_total == Decimal("11000")
    assert totals.service_fee == Decimal("4900")
    assert totals.total == Decimal("115900")
    (line,) = totals.lines
    assert (line.subtotal, line.tax_amount, f"{line.tax_rate}") == (
        Decimal("100000"),
        Decimal("11000"),
        "0.1100",
    )


def test_tax_is_quantized_per_line_not_on_the_sum() -> None:
    # 3 lines of 0.05 USD at 10%: each line's tax 0.005 rounds up to 0.01 → 0.03,
    # whereas taxing the summed subtotal would give 0.015 → 0.02.
    lines = [LineItemInput(1, Decimal("0.05"), Decimal("0.1"))] * 3
    totals = compute_totals(Currency.USD, lines, FeeSchedule.none())
    assert totals.tax_total == Decimal("0.03")
    assert [line.tax_amount for line in totals.lines] == [Decimal("0.01")] * 3


def test_fee_is_rounded_once_half_up() -> None:
    # 10.50 * 0.029 = 0.3045, + 0.30 = 0.6045 → 0.60
    totals = compute_totals(
        Currency.USD,
        [LineItemInput(1, Decimal("10.50"))],
        FeeSchedule(Decimal("0.029"), Decimal("0.30")),
    )
    assert totals.service_fee == Decimal("0.60")
    # IDR: 12345 * 0.0290 = 358.005 → 358, + 2000
    totals = compute_totals(Currency.IDR, [LineItemInput(1, Decimal("12345"))], XENDIT_IDR)
    assert totals.service_fee == Decimal("2358")
    # 50 * 0.01 = 0.5 → half up → 1
    totals = compute_totals(
        Currency.IDR, [LineItemInput(1, Decimal("50"))], FeeSchedule(Decimal("0.01"), Decimal(0))
    )
    assert totals.service_fee == Decimal("1")


@settings(max_examples=200)
@given(currencies, st.data())
def test_totals_identities(currency: Currency, data: st.DataObject) -> None:
    lines = data.draw(line_items(currency))
    fee = data.draw(fee_schedules(currency))
    totals = compute_totals(currency, lines, fee)

    assert totals.total == totals.subtotal + totals.tax_total + totals.service_fee
    assert totals.subtotal == sum((line.subtotal for line in totals.lines), Decimal(0))
    assert totals.tax_total == sum((line.tax_amount for line in totals.lines), Decimal(0))
    for given_line, line in zip(lines, totals.lines, strict=True):
        assert line.subtotal == given_line.quantity * given_line.unit_price
        assert line.tax_amount == quantize(line.subtotal * given_line.tax_rate, currency)
        assert 0 <= line.tax_amount <= line.subtotal
    assert totals.service_fee == quantize(
        totals.subtotal * fee.fee_percentage + fee.fee_fixed, currency
    )
    for value in (totals.subtotal, totals.tax_total, totals.service_fee, totals.total):
        assert value >= 0
        assert decimal_places(value) <= currency.scale


@settings(max_examples=200)
@given(currencies, st.data())
def test_tax_is_never_charged_on_the_fee(currency: Currency, data: st.DataObject) -> None:
    lines = data.draw(line_items(currency))
    fee = data.draw(fee_schedules(currency))
    with_fee = compute_totals(currency, lines, fee)
    without_fee = compute_totals(currency, lines, FeeSchedule.none())
    assert with_fee.tax_total == without_fee.tax_total
    assert with_fee.total - with_fee.service_fee == without_fee.total
    assert without_fee.service_fee == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", "0.0000"),
        ("0.0", "0.0000"),
        ("1", "1.0000"),
        ("1.0", "1.0000"),
        ("0.0001", "0.0001"),
        ("0.27", "0.2700"),
        ("0.11", "0.1100"),
        ("0.12340", "0.1234"),
        (0, "0.0000"),
        (1, "1.0000"),
        (Decimal("0.5"), "0.5000"),
        (None, "0.0000"),
        ("-0", "0.0000"),
    ],
)
def test_valid_tax_rates(value: object, expected: str) -> None:
    assert f"{validate_tax_rate(value)}" == expected


@pytest.mark.parametrize(
    "value", ["1.0001", "0.12345", "-0.01", "-1", "2", "0.00001", 0.1, "NaN", "inf", "abc", True, 2]
)
def test_invalid_tax_rates(value: object) -> None:
    with pytest.raises(InvalidTaxRate) as caught:
        validate_tax_rate(value)
    assert caught.value.message == INVALID_TAX_RATE_MESSAGE
    assert (
        caught.value.message
        == "Invalid tax_rate: must be between 0 and 1.0 with max 4 decimal places"
    )
    assert caught.value.code == "invalid_tax_rate"


def test_invalid_tax_rate_in_a_line_is_rejected() -> None:
    with pytest.raises(InvalidTaxRate):
        compute_totals(Currency.IDR, [LineItemInput(1, Decimal(1), Decimal("1.5"))], XENDIT_IDR)


def test_audit_rates() -> None:
    assert not is_audit_rate(Decimal("0.27"))
    assert is_audit_rate(Decimal("0.2701"))
    assert is_audit_rate(Decimal("1"))
    assert not is_audit_rate(Decimal("0"))


@pytest.mark.parametrize(
    ("currency", "line"),
    [
        (Currency.IDR, LineItemInput(0, Decimal(1))),
        (Currency.IDR, LineItemInput(-1, Decimal(1))),
        (Currency.IDR, LineItemInput(True, Decimal(1))),
        (Currency.IDR, LineItemInput(1, Decimal("-1"))),
        (Currency.IDR, LineItemInput(1, Decimal("1.5"))),
        (Currency.USD, LineItemInput(1, Decimal("1.005"))),
        (Currency.USD, LineItemInput(1, Decimal("NaN"))),
        (Currency.IDR, LineItemInput(10**12, Decimal(10**9))),
    ],
)
def test_invalid_lines(currency: Currency, line: LineItemInput) -> None:
    with pytest.raises(InvalidLineItem):
        compute_totals(currency, [line], FeeSchedule.none())


def test_at_least_one_line() -> None:
    with pytest.raises(InvalidLineItem, match="at least one line item"):
        compute_totals(Currency.IDR, [], XENDIT_IDR)


def test_trailing_zeros_at_scale_are_fine() -> None:
    totals = compute_totals(Currency.IDR, [LineItemInput(1, Decimal("100.00"))], FeeSchedule.none())
    assert f"{totals.total}" == "100"


def test_fee_schedule_validation() -> None:
    with pytest.raises(InvalidFeeSchedule):
        FeeSchedule(Decimal("-0.01"), Decimal(0))
    with pytest.raises(InvalidFeeSchedule):
        FeeSchedule(Decimal("1.5"), Decimal(0))
    with pytest.raises(InvalidFeeSchedule):
        FeeSchedule(Decimal("0.01"), 1.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidFeeSchedule):  # a fixed fee below the IDR unit
        compute_totals(
            Currency.IDR, [LineItemInput(1, Decimal(1))], FeeSchedule(Decimal(0), Decimal("0.5"))
        )


def test_invoice_totals_checks_its_identity() -> None:
    with pytest.raises(ValueError, match="not subtotal"):
        InvoiceTotals(Currency.IDR, Decimal(100), Decimal(11), Decimal(5), Decimal(117))
    rebuilt = InvoiceTotals(
        Currency.IDR, Decimal(100000), Decimal(11000), Decimal(4900), Decimal(115900)
    )
    assert rebuilt.lines == ()
