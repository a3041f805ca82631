"""domain/refunds.py: what is refundable, where a refund is drawn from, how parts settle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.money import Currency, MoneyError
from domain.refunds import (
    PaidPayment,
    check_refund_amount,
    next_status,
    plan_refund,
    refund_key,
    refundable_amount,
    request_id_for_key,
    request_status,
    transaction_status,
)

T0 = datetime(2026, 11, 26, 10, tzinfo=UTC)


def paid(
    tid: int, amount: int, refunded: int = 0, reserved: int = 0, hours: int = 0
) -> PaidPayment:
    return PaidPayment(
        transaction_id=tid,
        amount=Decimal(amount),
        refunded=Decimal(refunded),
        reserved=Decimal(reserved),
        paid_at=T0 + timedelta(hours=hours),
    )


def test_refundable_is_paid_less_refunded_less_pending():
    payments = [paid(1, 100_000, refunded=20_000, reserved=30_000), paid(2, 50_000)]
    assert refundable_amount(payments) == Decimal(100_000)


def test_drawn_newest_first_each_at_most_what_is_left_of_it():
    payments = [
        paid(1, 40_000, hours=0),
        paid(2, 40_000, reserved=10_000, hours=2),
        paid(3, 40_000, hours=1),
    ]
    parts = plan_refund(Currency.IDR, payments, Decimal(75_000))
    assert [(p.transaction_id, p.amount) for p in parts] == [
        (2, Decimal(30_000)),
        (3, Decimal(40_000)),
        (1, Decimal(5_000)),
    ]


def test_no_amount_is_everything_refundable():
    parts = plan_refund(Currency.IDR, [paid(1, 10_000, refunded=4_000)], None)
    assert [(p.transaction_id, p.amount) for p in parts] == [(1, Decimal(6_000))]


def test_messages_of_the_contract():
    with pytest.raises(DomainError, match=r"^Invoice has no payment to refund$"):
        plan_refund(Currency.IDR, [], Decimal(1))
    with pytest.raises(DomainError) as exc:
        plan_refund(Currency.USD, [paid(1, 10, reserved=3)], Decimal("7.01"))
    assert exc.value.message == "Refund amount 7.01 exceeds refundable amount 7.00"
    with pytest.raises(DomainError, match="nothing left"):
        plan_refund(Currency.IDR, [paid(1, 10, refunded=10)], None)
    with pytest.raises(DomainError, match="greater than 0"):
        check_refund_amount(Decimal(0), Currency.IDR)
    with pytest.raises(DomainError, match="greater than 0"):
        check_refund_amount(Decimal(-5), Currency.IDR)
    with pytest.raises(MoneyError, match="decimal places"):
        check_refund_amount(Decimal("10.5"), Currency.IDR)
    assert check_refund_amount(Decimal("10.50"), Currency.USD) == Decimal("10.50")


@given(
    amounts=st.lists(st.integers(1, 10**7), min_size=1, max_size=12),
    refunded=st.lists(st.integers(0, 10**7), min_size=12, max_size=12),
    fraction=st.fractions(0, 1),
)
def test_plan_sums_to_the_amount_and_never_exceeds_a_payment(amounts, refunded, fraction):
    payments = [
        paid(i, a, refunded=min(a, r), hours=i)
        for i, (a, r) in enumerate(zip(amounts, refunded, strict=False), start=1)
    ]
    refundable = refundable_amount(payments)
    wanted = Decimal(int(refundable * fraction.numerator / fraction.denominator))
    if wanted <= 0:
        return
    parts = plan_refund(Currency.IDR, payments, wanted)
    assert sum(p.amount for p in parts) == wanted
    by_id = {p.transaction_id: p for p in payments}
    for part in parts:
        assert 0 < part.amount <= by_id[part.transaction_id].available
    ids = [p.transaction_id for p in parts]
    assert ids == sorted(ids, reverse=True)  # newest (latest paid) first


def test_request_status_and_transitions():
    assert request_status(["pending", "succeeded"]) == "pending"
    assert request_status(["succeeded", "succeeded"]) == "succeeded"
    assert request_status(["succeeded", "failed"]) == "failed"
    assert next_status("pending", "succeeded") == "succeeded"
    assert next_status("pending", "failed") == "failed"
    assert next_status("pending", "pending") is None
    assert next_status("succeeded", "succeeded") is None  # a second notification: nothing
    assert next_status("succeeded", "failed") is None
    assert next_status("failed", "succeeded") == "succeeded"  # the money did move
    assert next_status("failed", "failed") is None


def test_transaction_status_and_keys():
    assert transaction_status(Decimal(10), Decimal(0)) == "paid"
    assert transaction_status(Decimal(10), Decimal(4)) == "partially_refunded"
    assert transaction_status(Decimal(10), Decimal(10)) == "refunded"
    one = request_id_for_key("acme", 42, "key-1")
    assert one == request_id_for_key("acme", 42, "key-1")
    assert one != request_id_for_key("acme", 43, "key-1") != request_id_for_key("x", 42, "key-1")
    assert refund_key(one, 2) == f"{one}-2" and len(refund_key(one, 99)) <= 50
    with pytest.raises(ValueError):
        refund_key(one, 0)
