"""domain.status: the invoice and installment status machines."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import (
    InvalidStateTransition,
    InvoiceNotModifiable,
    PaymentError,
    SupplementaryInvoiceError,
)
from domain.status import (
    FINAL_STATUSES,
    InstallmentStatus,
    InvoiceStatus,
    can_cancel,
    can_modify,
    can_transition,
    ensure_cancellable,
    ensure_modifiable,
    ensure_payable,
    ensure_supplementary_parent,
    is_final,
    status_after_initiation,
    status_after_payment,
    transition,
    transition_installment,
)

S = InvoiceStatus
ALLOWED = {
    (S.DRAFT, S.PENDING),
    (S.DRAFT, S.EXPIRED),
    (S.DRAFT, S.CANCELLED),
    (S.PENDING, S.PARTIALLY_PAID),
    (S.PENDING, S.FULLY_PAID),
    (S.PENDING, S.EXPIRED),
    (S.PENDING, S.CANCELLED),
    (S.PENDING, S.FAILED),
    (S.PARTIALLY_PAID, S.FULLY_PAID),
    (S.PARTIALLY_PAID, S.EXPIRED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transition_table(current: InvoiceStatus, target: InvoiceStatus) -> None:
    if current == target or (current, target) in ALLOWED:
        assert transition(current, target) == target
        assert can_transition(current, target)
    else:
        assert not can_transition(current, target)
        with pytest.raises(InvalidStateTransition, match=f"from {current} to {target}"):
            transition(current, target)


def test_final_statuses() -> None:
    assert {S.FULLY_PAID, S.EXPIRED, S.CANCELLED, S.FAILED} == FINAL_STATUSES
    for status in S:
        assert is_final(status) == (status in FINAL_STATUSES)
    assert [s.value for s in S] == [
        "draft",
        "pending",
        "partially_paid",
        "fully_paid",
        "expired",
        "cancelled",
        "failed",
    ]
    assert [s.value for s in InstallmentStatus] == ["unpaid", "pending", "paid"]


def test_installment_transitions() -> None:
    assert transition_installment(InstallmentStatus.UNPAID, InstallmentStatus.PENDING)
    assert transition_installment(InstallmentStatus.PENDING, InstallmentStatus.PAID)
    assert transition_installment(InstallmentStatus.PENDING, InstallmentStatus.UNPAID)
    assert transition_installment(InstallmentStatus.PAID, InstallmentStatus.PAID)
    for target in (InstallmentStatus.UNPAID, InstallmentStatus.PENDING):
        with pytest.raises(InvalidStateTransition):
            transition_installment(InstallmentStatus.PAID, target)


@given(st.integers(0, 10**9), st.integers(1, 10**9))
def test_status_after_payment(paid: int, total: int) -> None:
    status = status_after_payment(Decimal(paid), Decimal(total))
    if paid == 0:
        assert status == S.PENDING
    elif paid < total:
        assert status == S.PARTIALLY_PAID
    else:
        assert status == S.FULLY_PAID
    # whatever the payments, the status they imply is reachable from pending
    assert can_transition(S.PENDING, status)


def test_modification_rules() -> None:
    assert can_modify(S.DRAFT, None)
    assert not can_modify(S.DRAFT, datetime(2026, 1, 1, tzinfo=UTC))
    assert not can_modify(S.PENDING, None)
    ensure_modifiable(S.DRAFT, None)
    with pytest.raises(InvoiceNotModifiable) as caught:
        ensure_modifiable(S.PENDING, datetime(2026, 1, 1, tzinfo=UTC))
    assert caught.value.message == "Invoice cannot be modified after payment has been initiated"
    with pytest.raises(InvoiceNotModifiable, match="expired"):
        ensure_modifiable(S.EXPIRED, None)


def test_cancel_rules() -> None:
    assert can_cancel(S.DRAFT, Decimal(0))
    assert can_cancel(S.PENDING, Decimal(0))
    assert not can_cancel(S.PENDING, Decimal(1))
    assert not can_cancel(S.PARTIALLY_PAID, Decimal(1))
    ensure_cancellable(S.DRAFT, Decimal(0))
    with pytest.raises(InvalidStateTransition, match="after a payment"):
        ensure_cancellable(S.PARTIALLY_PAID, Decimal(5))
    for status in (S.EXPIRED, S.CANCELLED, S.FULLY_PAID, S.FAILED):
        with pytest.raises(InvalidStateTransition):
            ensure_cancellable(status, Decimal(0))


def test_payment_initiation() -> None:
    assert status_after_initiation(S.DRAFT) == S.PENDING
    assert status_after_initiation(S.PENDING) == S.PENDING
    assert status_after_initiation(S.PARTIALLY_PAID) == S.PARTIALLY_PAID
    for status in (S.EXPIRED, S.CANCELLED, S.FULLY_PAID, S.FAILED):
        with pytest.raises(PaymentError, match=f"Cannot initiate payment for {status} invoice"):
            ensure_payable(status)


@pytest.mark.parametrize("status", [S.DRAFT, S.EXPIRED, S.CANCELLED, S.FAILED])
def test_supplementary_parent_status(status: InvoiceStatus) -> None:
    with pytest.raises(SupplementaryInvoiceError) as caught:
        ensure_supplementary_parent(status, False)
    assert (
        caught.value.message
        == f"Cannot create supplementary invoice for {status.value} parent invoice"
    )


def test_supplementary_parent_not_supplementary() -> None:
    for status in (S.PENDING, S.PARTIALLY_PAID, S.FULLY_PAID):
        ensure_supplementary_parent(status, False)
        with pytest.raises(SupplementaryInvoiceError) as caught:
            ensure_supplementary_parent(status, True)
        assert caught.value.message == (
            "Cannot create supplementary invoice from another supplementary invoice"
        )
