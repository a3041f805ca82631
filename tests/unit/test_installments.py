"""domain.installments: schedules, proportional shares, allocation, adjustment.

Every property checks its result against an independent computation from the test's inputs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from domain.errors import InstallmentError, PaymentError
from domain.installments import (
    InstallmentBalance,
    InstallmentChange,
    InstallmentPlan,
    InstallmentState,
    adjust_schedule,
    allocate_payment,
    apply_allocation,
    build_schedule,
    distribute_components,
    ensure_payment_order,
    last_due_date,
    next_payable,
    payment_discrepancy,
    remaining_balance,
    whole_invoice,
)
from domain.money import Currency, CurrencyMismatchError, decimal_places, quantize
from domain.status import InstallmentStatus
from domain.totals import FeeSchedule, InvoiceTotals, LineItemInput, compute_totals
from tests.unit.strategies import at_scale, currencies, fee_schedules, line_items

START = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
XENDIT_IDR = FeeSchedule(Decimal("0.0290"), Decimal("2000"))
counts = st.integers(2, 12)


def example_totals() -> InvoiceTotals:
    return compute_totals(
        Currency.IDR, [LineItemInput(2, Decimal("50000"), Decimal("0.11"))], XENDIT_IDR
    )


def to_units(amount: Decimal, currency: Currency) -> int:
    return int(amount.scaleb(currency.scale))


def from_units(units: int, currency: Currency) -> Decimal:
    return quantize(Decimal(units).scaleb(-currency.scale), currency)


@st.composite
def invoices(draw: st.DrawFn, min_total_units: int = 0) -> InvoiceTotals:
    """Totals of a random invoice, computed by the code under test (checked in test_totals)."""
    currency = draw(currencies)
    totals = compute_totals(currency, draw(line_items(currency)), draw(fee_schedules(currency)))
    assume(to_units(totals.total, currency) >= min_total_units)
    return totals


@st.composite
def partitions(draw: st.DrawFn, total_units: int, count: int) -> list[int]:
    """`count` positive integers summing to `total_units` (requires total_units ≥ count)."""
    cuts = sorted(
        draw(st.sets(st.integers(1, total_units - 1), min_size=count - 1, max_size=count - 1))
    )
    bounds = [0, *cuts, total_units]
    return [b - a for a, b in pairwise(bounds)]


def assert_schedule_invariants(
    currency: Currency, totals: InvoiceTotals, schedule: list[InstallmentPlan]
) -> None:
    assert sum(p.amount for p in schedule) == totals.total
    assert sum(p.tax_amount for p in schedule) == totals.tax_total
    assert sum(p.service_fee_amount for p in schedule) == totals.service_fee
    for plan in schedule:
        assert plan.amount > 0
        assert plan.tax_amount >= 0
        assert plan.service_fee_amount >= 0
        assert plan.tax_amount + plan.service_fee_amount <= plan.amount
        for value in (plan.amount, plan.tax_amount, plan.service_fee_amount):
            assert decimal_places(value) <= currency.scale
    assert [p.number for p in schedule] == list(range(1, len(schedule) + 1))


# --- the worked example ----------------------------------------------------------------------


def test_worked_example_three_installments() -> None:
    schedule = build_schedule(Currency.IDR, example_totals(), 3, start=START)
    assert [(p.amount, p.tax_amount, p.service_fee_amount) for p in schedule] == [
        (Decimal(38633), Decimal(3667), Decimal(1633)),
        (Decimal(38633), Decimal(3667), Decimal(1633)),
        (Decimal(38634), Decimal(3666), Decimal(1634)),
    ]
    assert [p.due_date for p in schedule] == [
        START,
        START + timedelta(days=7),
        START + timedelta(days=14),
    ]
    assert last_due_date(schedule) == START + timedelta(days=14)


def test_usd_split_last_absorbs_remainder() -> None:
    totals = InvoiceTotals(
        Currency.USD, Decimal("100.00"), Decimal("0.00"), Decimal("0.00"), Decimal("100.00")
    )
    schedule = build_schedule(Currency.USD, totals, 3, 10, start=START)
    assert [p.amount for p in schedule] == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    assert schedule[2].due_date == START + timedelta(days=20)


def test_small_total_rounds_others_down_so_last_stays_positive() -> None:
    # Half-up shares of IDR 18 / 12 = 1.5 → 2 would leave the last at 18 - 22 = -4.
    totals = InvoiceTotals(Currency.IDR, Decimal(18), Decimal(0), Decimal(0), Decimal(18))
    schedule = build_schedule(Currency.IDR, totals, 12, start=START)
    assert [p.amount for p in schedule] == [Decimal(1)] * 11 + [Decimal(7)]


# --- schedule properties ---------------------------------------------------------------------


@settings(max_examples=200)
@given(invoices(min_total_units=12), counts, st.integers(1, 30))
def test_equal_split_properties(totals: InvoiceTotals, count: int, interval: int) -> None:
    currency = totals.currency
    schedule = build_schedule(currency, totals, count, interval, start=START)
    assert len(schedule) == count
    assert_schedule_invariants(currency, totals, schedule)
    total_units = to_units(totals.total, currency)
    base = from_units(total_units // count, currency)
    assert all(p.amount == base for p in schedule[:-1])
    assert schedule[-1].amount == totals.total - base * (count - 1)  # the last absorbs
    assert 0 <= to_units(schedule[-1].amount - base, currency) < count
    assert all(p.due_date == START + timedelta(days=k * interval) for k, p in enumerate(schedule))


@settings(max_examples=200)
@given(invoices(), counts)
def test_shares_follow_the_proportional_formula_for_ordinary_invoices(
    totals: InvoiceTotals, count: int
) -> None:
    currency = totals.currency
    # Large enough that the safety clamp cannot bind: the shares are exactly the formula.
    # Rounding each of the first count-1 shares half up can overshoot a component by up to
    # (count-1)/2 units, so a component must be zero or comfortably above count²/2 units
    # (a 2 IDR fee over 4 installments of 0.5 each would round to 1, 1, 1 and -1).
    assume(to_units(totals.subtotal, currency) >= 100 * count)
    for component in (totals.tax_total, totals.service_fee):
        assume(component == 0 or to_units(component, currency) >= 100 * count)
    schedule = build_schedule(currency, totals, count, start=START)
    for plan in schedule[:-1]:
        assert plan.tax_amount == quantize(totals.tax_total * plan.amount / totals.total, currency)
        assert plan.service_fee_amount == quantize(
            totals.service_fee * plan.amount / totals.total, currency
        )
    last = schedule[-1]
    assert last.tax_amount == totals.tax_total - sum(p.tax_amount for p in schedule[:-1])
    assert last.service_fee_amount == totals.service_fee - sum(
        p.service_fee_amount for p in schedule[:-1]
    )


@settings(max_examples=200)
@given(invoices(min_total_units=12), counts, st.data())
def test_custom_amounts_are_preserved(
    totals: InvoiceTotals, count: int, data: st.DataObject
) -> None:
    currency = totals.currency
    units = data.draw(partitions(to_units(totals.total, currency), count))
    amounts = [from_units(u, currency) for u in units]
    schedule = build_schedule(currency, totals, count, start=START, custom_amounts=amounts)
    assert [p.amount for p in schedule] == amounts
    assert_schedule_invariants(currency, totals, schedule)


@settings(max_examples=200)
@given(currencies, st.data())
def test_distribution_invariants_hold_even_for_degenerate_amounts(
    currency: Currency, data: st.DataObject
) -> None:
    amounts_units = data.draw(st.lists(st.integers(1, 50), min_size=1, max_size=12))
    total_units = sum(amounts_units)
    tax_units = data.draw(st.integers(0, total_units))
    fee_units = data.draw(st.integers(0, total_units - tax_units))
    amounts = [from_units(u, currency) for u in amounts_units]
    tax, fee = from_units(tax_units, currency), from_units(fee_units, currency)
    shares = distribute_components(currency, amounts, [tax, fee])
    assert sum(t for t, _ in shares) == tax
    assert sum(f for _, f in shares) == fee
    for amount, (t, f) in zip(amounts, shares, strict=True):
        assert t >= 0 and f >= 0
        assert t + f <= amount


def test_degenerate_case_the_plain_formula_would_break() -> None:
    # 12 x IDR 1 carrying IDR 5 tax: 5/12 rounds to 0 for the first 11, the last would carry
    # 5 > its amount of 1. The clamp spreads it over the last installments instead.
    amounts = [Decimal(1)] * 12
    shares = distribute_components(Currency.IDR, amounts, [Decimal(5), Decimal(0)])
    assert sum(t for t, _ in shares) == 5
    assert all(0 <= t <= 1 for t, _ in shares)


# --- schedule errors -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [-1, 0, 1, 13, 100])
def test_count_must_be_2_to_12(count: int) -> None:
    with pytest.raises(InstallmentError, match="between 2 and 12"):
        build_schedule(Currency.IDR, example_totals(), count, start=START)


@pytest.mark.parametrize("interval", [0, -7, 366])
def test_interval_must_be_positive(interval: int) -> None:
    with pytest.raises(InstallmentError, match="interval_days"):
        build_schedule(Currency.IDR, example_totals(), 3, interval, start=START)


def test_zero_total_rejected() -> None:
    zero = InvoiceTotals(Currency.USD, Decimal(0), Decimal(0), Decimal(0), Decimal(0))
    with pytest.raises(InstallmentError, match="total greater than zero"):
        build_schedule(Currency.USD, zero, 2, start=START)


def test_total_too_small_to_split_rejected() -> None:
    five = InvoiceTotals(Currency.IDR, Decimal(5), Decimal(0), Decimal(0), Decimal(5))
    with pytest.raises(InstallmentError) as caught:
        build_schedule(Currency.IDR, five, 12, start=START)
    assert caught.value.message == (
        "Invoice total 5 is too small to split into 12 installments of at least 1 IDR each"
    )
    cents = InvoiceTotals(Currency.USD, Decimal("0.02"), Decimal(0), Decimal(0), Decimal("0.02"))
    with pytest.raises(InstallmentError, match=r"at least 0\.01 USD"):
        build_schedule(Currency.USD, cents, 3, start=START)
    assert len(build_schedule(Currency.USD, cents, 2, start=START)) == 2


def test_custom_amounts_must_sum_to_total() -> None:
    with pytest.raises(InstallmentError) as caught:
        build_schedule(
            Currency.IDR,
            example_totals(),
            2,
            start=START,
            custom_amounts=[Decimal(50000), Decimal(50000)],
        )
    assert caught.value.message == "Installment amounts must sum to the invoice total 115900"
    usd = InvoiceTotals(
        Currency.USD, Decimal("10.00"), Decimal("1.00"), Decimal("0.50"), Decimal("11.50")
    )
    with pytest.raises(InstallmentError) as caught:
        build_schedule(Currency.USD, usd, 2, start=START, custom_amounts=["5", "6"])
    assert caught.value.message == "Installment amounts must sum to the invoice total 11.50"


@pytest.mark.parametrize(
    ("amounts", "fragment"),
    [
        (["115900", "0"], "greater than zero"),
        (["115901", "-1"], "greater than zero"),
        (["57950.5", "57949.5"], "decimal places"),
        ([57950.0, 57950.0], "not float"),
        (["115900"], "exactly 2 amounts"),
        (["1", "2", "115897"], "exactly 2 amounts"),
    ],
)
def test_custom_amount_errors(amounts: list[object], fragment: str) -> None:
    with pytest.raises(InstallmentError, match=fragment):
        build_schedule(Currency.IDR, example_totals(), 2, start=START, custom_amounts=amounts)  # type: ignore[arg-type]


def test_currency_mismatch_is_an_error() -> None:
    with pytest.raises(CurrencyMismatchError):
        build_schedule(Currency.USD, example_totals(), 2, start=START)


# --- sequential payment ----------------------------------------------------------------------


def states(*pairs: tuple[int, int]) -> list[InstallmentState]:
    """IDR installments from (amount, paid_amount) pairs, no tax or fee, weekly."""
    return [
        InstallmentState(
            number=i + 1,
            amount=Decimal(amount),
            tax_amount=Decimal(0),
            service_fee_amount=Decimal(0),
            due_date=START + timedelta(days=7 * i),
            paid_amount=Decimal(paid),
            status=InstallmentStatus.PAID if paid >= amount else InstallmentStatus.UNPAID,
        )
        for i, (amount, paid) in enumerate(pairs)
    ]


def test_payment_order() -> None:
    schedule = states((100, 100), (100, 30), (100, 0))
    assert ensure_payment_order(schedule, None).number == 2
    assert ensure_payment_order(schedule, 2).number == 2
    with pytest.raises(PaymentError) as caught:
        ensure_payment_order(schedule, 3)
    assert caught.value.message == "Installment 3 cannot be paid before installment 2"
    with pytest.raises(PaymentError, match="already paid"):
        ensure_payment_order(schedule, 1)
    with pytest.raises(PaymentError, match="does not exist"):
        ensure_payment_order(schedule, 4)
    with pytest.raises(PaymentError, match="fully paid"):
        ensure_payment_order(states((100, 100)), None)
    assert next_payable(states((100, 100))) is None


# --- allocation ------------------------------------------------------------------------------


def test_exact_payment_marks_the_installment_paid() -> None:
    allocation = allocate_payment(Currency.IDR, states((100, 0), (100, 0)), Decimal(100))
    assert allocation.newly_paid == (1,)
    assert allocation.overpayment == 0
    assert allocation.open_installment is None
    assert not allocation.all_paid


def test_overpayment_carries_into_the_next_installment() -> None:
    schedule = states((100, 0), (100, 0), (100, 0))
    allocation = allocate_payment(Currency.IDR, schedule, Decimal(150))
    assert [(a.number, a.applied, a.remaining) for a in allocation.applied] == [
        (1, Decimal(100), Decimal(0)),
        (2, Decimal(50), Decimal(50)),
    ]
    assert allocation.newly_paid == (1,)
    assert (allocation.open_installment, allocation.shortfall) == (2, Decimal(50))
    after = apply_allocation(schedule, allocation)
    assert [(s.paid_amount, s.status) for s in after] == [
        (Decimal(100), InstallmentStatus.PAID),
        (Decimal(50), InstallmentStatus.UNPAID),
        (Decimal(0), InstallmentStatus.UNPAID),
    ]


def test_overpayment_after_the_last_installment() -> None:
    allocation = allocate_payment(Currency.IDR, states((100, 100), (100, 60)), Decimal(100))
    assert allocation.applied[0].applied == Decimal(40)
    assert allocation.overpayment == Decimal(60)
    assert allocation.all_paid
    # everything paid already: the whole payment is overpayment
    allocation = allocate_payment(Currency.IDR, states((100, 100)), Decimal(5))
    assert (allocation.applied, allocation.overpayment, allocation.all_paid) == (
        (),
        Decimal(5),
        True,
    )


def test_underpayment_leaves_the_installment_open() -> None:
    allocation = allocate_payment(Currency.IDR, states((38633, 0), (38633, 0)), Decimal(20000))
    assert allocation.newly_paid == ()
    assert (allocation.open_installment, allocation.shortfall) == (1, Decimal(18633))
    assert allocation.overpayment == 0


def test_invoice_without_installments_is_one_implicit_installment() -> None:
    allocation = allocate_payment(
        Currency.USD, [whole_invoice(Decimal("115.90"), Decimal(0))], Decimal("120.00")
    )
    assert allocation.newly_paid == (1,)
    assert allocation.overpayment == Decimal("4.10")
    partial = allocate_payment(
        Currency.USD, [whole_invoice(Decimal("115.90"), Decimal("100.00"))], Decimal("10.00")
    )
    assert (partial.open_installment, partial.shortfall) == (1, Decimal("5.90"))


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-1), Decimal("1.5"), Decimal("NaN")])
def test_invalid_payment_amounts(amount: Decimal) -> None:
    with pytest.raises(PaymentError):
        allocate_payment(Currency.IDR, states((100, 0)), amount)


@st.composite
def schedule_states(draw: st.DrawFn) -> tuple[Currency, list[InstallmentBalance]]:
    """A schedule part-way through payment: a paid prefix, maybe one partly paid installment."""
    currency = draw(currencies)
    amounts = draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=12))
    paid_units = draw(st.integers(0, sum(amounts)))
    balances = []
    for number, units in enumerate(amounts, start=1):
        paid = min(units, paid_units)
        paid_units -= paid
        balances.append(
            InstallmentBalance(number, from_units(units, currency), from_units(paid, currency))
        )
    return currency, balances


@settings(max_examples=200)
@given(schedule_states(), st.data())
def test_allocation_properties(
    state: tuple[Currency, list[InstallmentBalance]], data: st.DataObject
) -> None:
    currency, balances = state
    amount = data.draw(at_scale(currency, 1, 3 * 10**6))
    allocation = allocate_payment(currency, balances, amount)

    assert sum(a.applied for a in allocation.applied) + allocation.overpayment == amount
    assert allocation.overpayment >= 0
    outstanding = sum(b.amount - b.paid_amount for b in balances)
    assert allocation.overpayment == max(Decimal(0), amount - outstanding)
    assert allocation.all_paid == (amount >= outstanding)

    applied = {a.number: a for a in allocation.applied}
    touched = [b for b in balances if b.number in applied]
    # in order: installments touched are consecutive, starting at the first open one, and all
    # but the last touched are now fully paid
    open_numbers = [b.number for b in balances if b.paid_amount < b.amount]
    assert [b.number for b in touched] == open_numbers[: len(touched)]
    for b in touched[:-1]:
        assert applied[b.number].paid
    for b in touched:
        entry = applied[b.number]
        assert entry.applied > 0
        assert entry.paid_amount == b.paid_amount + entry.applied <= b.amount
        assert entry.remaining == b.amount - entry.paid_amount
        assert entry.paid == (entry.remaining == 0)
        assert decimal_places(entry.applied) <= currency.scale
    assert list(allocation.newly_paid) == [n for n, e in applied.items() if e.paid]
    if allocation.open_installment is not None:
        assert allocation.open_installment == touched[-1].number
        assert allocation.shortfall == applied[allocation.open_installment].remaining > 0
        assert allocation.overpayment == 0


@settings(max_examples=200)
@given(schedule_states(), st.data())
def test_two_payments_allocate_like_their_sum(
    state: tuple[Currency, list[InstallmentBalance]], data: st.DataObject
) -> None:
    currency, balances = state
    first = data.draw(at_scale(currency, 1, 2 * 10**6))
    second = data.draw(at_scale(currency, 1, 2 * 10**6))

    def paid_after(
        items: list[InstallmentBalance], amount: Decimal
    ) -> tuple[list[InstallmentBalance], Decimal]:
        allocation = allocate_payment(currency, items, amount)
        applied = {a.number: a.paid_amount for a in allocation.applied}
        return [replace(b, paid_amount=applied.get(b.number, b.paid_amount)) for b in items], (
            allocation.overpayment
        )

    step, over1 = paid_after(balances, first)
    step, over2 = paid_after(step, second)
    once, over = paid_after(balances, first + second)
    assert step == once
    assert over1 + over2 == over


# --- discrepancies ---------------------------------------------------------------------------


def test_payment_discrepancy() -> None:
    assert payment_discrepancy(Currency.IDR, Decimal(100), Decimal(100)) is None
    under = payment_discrepancy(Currency.IDR, Decimal(38633), Decimal(20000))
    assert under is not None
    assert (under.type, under.difference) == ("underpayment", Decimal(18633))
    over = payment_discrepancy(Currency.USD, Decimal("10.00"), Decimal("12.5"))
    assert over is not None
    assert (over.type, over.difference, f"{over.paid_amount}") == (
        "overpayment",
        Decimal("2.50"),
        "12.50",
    )


# --- adjustment ------------------------------------------------------------------------------


def paid_first(schedule: list[InstallmentPlan]) -> list[InstallmentState]:
    states_ = [InstallmentState.from_plan(p) for p in schedule]
    first = states_[0]
    states_[0] = replace(first, paid_amount=first.amount, status=InstallmentStatus.PAID)
    return states_


def test_adjust_example() -> None:
    current = paid_first(build_schedule(Currency.IDR, example_totals(), 3, start=START))
    assert remaining_balance(current) == Decimal(77267)
    adjusted = adjust_schedule(
        Currency.IDR,
        current,
        [
            InstallmentChange(2, Decimal(20000)),
            InstallmentChange(3, "57267"),
        ],
    )
    assert adjusted[0] == current[0]
    assert [s.amount for s in adjusted] == [Decimal(38633), Decimal(20000), Decimal(57267)]
    assert sum(s.tax_amount for s in adjusted) == Decimal(11000)
    assert sum(s.service_fee_amount for s in adjusted) == Decimal(4900)
    # 7333 tax left over 77267: 7333 * 20000 / 77267 = 1898.09 → 1898
    assert adjusted[1].tax_amount == Decimal(1898)
    assert adjusted[2].tax_amount == Decimal(7333 - 1898)


def test_adjust_sum_must_match_remaining_balance() -> None:
    current = paid_first(build_schedule(Currency.IDR, example_totals(), 3, start=START))
    with pytest.raises(InstallmentError) as caught:
        adjust_schedule(Currency.IDR, current, [InstallmentChange(2, Decimal(1))])
    assert caught.value.message == "Installment amounts must sum to the remaining balance 77267"
    usd = InvoiceTotals(Currency.USD, Decimal("100.00"), Decimal(0), Decimal(0), Decimal("100.00"))
    current = paid_first(build_schedule(Currency.USD, usd, 3, start=START))
    with pytest.raises(InstallmentError) as caught:
        adjust_schedule(Currency.USD, current, [InstallmentChange(2, "10")])
    assert caught.value.message == "Installment amounts must sum to the remaining balance 66.67"


def test_adjust_rejects_paid_unknown_duplicate_and_bad_amounts() -> None:
    current = paid_first(build_schedule(Currency.IDR, example_totals(), 3, start=START))
    with pytest.raises(InstallmentError) as caught:
        adjust_schedule(Currency.IDR, current, [InstallmentChange(1, Decimal(1))])
    assert caught.value.message == "Installment 1 is already paid and cannot be modified"
    with pytest.raises(InstallmentError, match="does not exist"):
        adjust_schedule(Currency.IDR, current, [InstallmentChange(9, Decimal(1))])
    with pytest.raises(InstallmentError, match="more than once"):
        adjust_schedule(Currency.IDR, current, [InstallmentChange(2, 1), InstallmentChange(2, 2)])
    with pytest.raises(InstallmentError, match="greater than zero"):
        adjust_schedule(
            Currency.IDR, current, [InstallmentChange(2, 0), InstallmentChange(3, 77267)]
        )
    with pytest.raises(InstallmentError, match="decimal places"):
        adjust_schedule(Currency.IDR, current, [InstallmentChange(2, "0.5")])
    with pytest.raises(InstallmentError, match="No installment changes"):
        adjust_schedule(Currency.IDR, current, [])


def test_adjust_keeps_partial_payments_and_due_date_order() -> None:
    current = states((100, 100), (100, 40), (100, 0))
    with pytest.raises(InstallmentError, match="must exceed the 40 already paid"):
        adjust_schedule(
            Currency.IDR, current, [InstallmentChange(2, 40), InstallmentChange(3, 160)]
        )
    adjusted = adjust_schedule(
        Currency.IDR, current, [InstallmentChange(2, 41), InstallmentChange(3, 159)]
    )
    assert [(s.amount, s.paid_amount) for s in adjusted] == [
        (Decimal(100), Decimal(100)),
        (Decimal(41), Decimal(40)),
        (Decimal(159), Decimal(0)),
    ]
    with pytest.raises(InstallmentError, match="cannot be due before installment 2"):
        adjust_schedule(Currency.IDR, current, [InstallmentChange(3, due_date=START)])
    moved = adjust_schedule(
        Currency.IDR, current, [InstallmentChange(3, due_date=START + timedelta(days=20))]
    )
    assert moved[2].due_date == START + timedelta(days=20)
    assert moved[2].amount == Decimal(100)


@settings(max_examples=200)
@given(invoices(min_total_units=24), counts, st.data())
def test_adjust_properties(totals: InvoiceTotals, count: int, data: st.DataObject) -> None:
    currency = totals.currency
    schedule = [
        InstallmentState.from_plan(p) for p in build_schedule(currency, totals, count, start=START)
    ]
    paid_count = data.draw(st.integers(0, count - 1))
    schedule = [
        replace(s, paid_amount=s.amount, status=InstallmentStatus.PAID)
        if s.number <= paid_count
        else s
        for s in schedule
    ]
    unpaid = schedule[paid_count:]
    balance = remaining_balance(schedule)
    assert balance == totals.total - sum(s.amount for s in schedule[:paid_count])
    units = to_units(balance, currency)
    assume(units >= len(unpaid))
    new_units = data.draw(partitions(units, len(unpaid)))
    changes = [
        InstallmentChange(s.number, from_units(u, currency))
        for s, u in zip(unpaid, new_units, strict=True)
    ]

    adjusted = adjust_schedule(currency, schedule, changes)

    assert adjusted[:paid_count] == schedule[:paid_count]
    assert [s.amount for s in adjusted[paid_count:]] == [c.amount for c in changes]
    assert sum(s.amount for s in adjusted) == totals.total
    assert sum(s.tax_amount for s in adjusted) == totals.tax_total
    assert sum(s.service_fee_amount for s in adjusted) == totals.service_fee
    for s in adjusted:
        assert s.tax_amount >= 0 and s.service_fee_amount >= 0
        assert s.tax_amount + s.service_fee_amount <= s.amount
        assert decimal_places(s.tax_amount) <= currency.scale
        assert decimal_places(s.service_fee_amount) <= currency.scale


def test_database_shaped_values_work() -> None:
    """DECIMAL(19,4) columns return 4 places and DATETIME columns naive UTC datetimes."""
    naive = START.replace(tzinfo=None)
    stored = [
        InstallmentState(
            number=i + 1,
            amount=Decimal(amount),
            tax_amount=Decimal(tax),
            service_fee_amount=Decimal(fee),
            due_date=naive + timedelta(days=7 * i),
            paid_amount=Decimal(paid),
            status=status,
        )
        for i, (amount, tax, fee, paid, status) in enumerate(
            [
                ("38633.0000", "3667.0000", "1633.0000", "38633.0000", InstallmentStatus.PAID),
                ("38633.0000", "3667.0000", "1633.0000", "0.0000", InstallmentStatus.UNPAID),
                ("38634.0000", "3666.0000", "1634.0000", "0.0000", InstallmentStatus.UNPAID),
            ]
        )
    ]
    adjusted = adjust_schedule(
        Currency.IDR,
        stored,
        [InstallmentChange(2, "20000"), InstallmentChange(3, "57267", START + timedelta(days=20))],
    )
    assert [s.amount for s in adjusted] == [Decimal(38633), Decimal(20000), Decimal(57267)]
    assert adjusted[2].due_date == START + timedelta(days=20)
    assert last_due_date(adjusted) == START + timedelta(days=20)
    allocation = allocate_payment(Currency.IDR, adjusted, Decimal("20000.0000"))
    assert allocation.newly_paid == (2,)
    assert f"{allocation.applied[0].applied}" == "20000"
    with pytest.raises(InstallmentError) as caught:
        adjust_schedule(Currency.IDR, stored, [InstallmentChange(2, "1")])
    assert caught.value.message == "Installment amounts must sum to the remaining balance 77267"
