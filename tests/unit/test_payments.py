"""domain.payments: the payment, refund, initiation and closing decisions.

Properties check each decision against the invariants of the payment path, computed from the
test's own inputs: money is conserved, installments fill strictly in order, and every status
move is one the TRANSITIONS tables allow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import (
    ExpiryError,
    InstallmentError,
    InvalidStateTransition,
    InvoiceNotModifiable,
    PaymentError,
)
from domain.expiry import extended_expiry
from domain.installments import InstallmentState, ensure_installment_unpaid
from domain.money import Currency, decimal_places
from domain.payments import (
    AppliedPayment,
    AppliedRefund,
    DeferredRefund,
    Duplicate,
    InvoiceState,
    PaymentTarget,
    ReceivedPayment,
    RecordedPayment,
    RejectedPayment,
    ReportedRefund,
    amount_due,
    currency_mismatch,
    decide_cancellation,
    decide_expiry,
    decide_initiation,
    decide_link_issued,
    decide_payment,
    decide_refund,
    release_installment,
    reuses_link,
)
from domain.status import (
    EXPIRABLE_STATUSES,
    FINAL_STATUSES,
    INSTALLMENT_TRANSITIONS,
    InstallmentStatus,
    InvoiceStatus,
    can_transition,
    ensure_adjustable,
    ensure_extendable,
    ensure_modifiable,
    status_after_payment,
)
from tests.unit.strategies import at_scale, currencies

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
S = InvoiceStatus
I = InstallmentStatus  # noqa: E741


def units(amount: int, currency: Currency) -> Decimal:
    return Decimal(amount).scaleb(-currency.scale)


def installment(
    number: int, amount: Decimal, paid: Decimal = Decimal(0), status: I | None = None
) -> InstallmentState:
    return InstallmentState(
        number=number,
        amount=amount,
        tax_amount=Decimal(0),
        service_fee_amount=Decimal(0),
        due_date=NOW + timedelta(days=7 * (number - 1)),
        paid_amount=paid,
        status=status or (I.PAID if paid >= amount else I.UNPAID),
    )


def invoice(
    total: Decimal,
    paid: Decimal = Decimal(0),
    *,
    status: S | None = None,
    currency: Currency = Currency.IDR,
    installments: tuple[InstallmentState, ...] = (),
    expires_at: datetime = NOW + timedelta(days=1),
) -> InvoiceState:
    return InvoiceState(
        invoice_id=7,
        status=status or (status_after_payment(paid, total) if paid else S.PENDING),
        currency=currency,
        total=total,
        amount_paid=paid,
        expires_at=expires_at,
        installments=installments,
    )


def paid(amount: int | str, currency: Currency = Currency.IDR) -> ReceivedPayment:
    return ReceivedPayment(event_id="evt-1", amount=Decimal(amount), currency=currency)


def applied(outcome: object) -> AppliedPayment:
    assert isinstance(outcome, AppliedPayment), outcome
    return outcome


# --- examples ------------------------------------------------------------------------------


def test_amount_due_is_never_negative() -> None:
    assert amount_due(Decimal(100), Decimal(30)) == Decimal(70)
    assert amount_due(Decimal(100), Decimal(130)) == Decimal(0)


def test_a_duplicate_changes_nothing() -> None:
    outcome = decide_payment(
        invoice(Decimal(100)),
        ReceivedPayment("evt-1", Decimal(100), Currency.IDR, recorded_as=42),
    )
    assert outcome == Duplicate(42, "Payment already recorded")


def test_another_currency_is_rejected_with_one_message() -> None:
    outcome = decide_payment(invoice(Decimal(100)), paid("7.5", Currency.USD))
    assert outcome == RejectedPayment(
        Decimal("7.5"), Currency.USD, "Currency mismatch: invoice is IDR, payment is USD"
    )
    assert currency_mismatch("IDR", "USD") == outcome.reason
    assert currency_mismatch("IDR", "IDR") is None
    # Checked before the amount: a rejected payment of nothing is still recorded.
    nothing = ReceivedPayment("evt-1", None, Currency.USD)
    assert decide_payment(invoice(Decimal(100)), nothing) == RejectedPayment(
        Decimal(0), Currency.USD, "Currency mismatch: invoice is IDR, payment is USD"
    )


@pytest.mark.parametrize("amount", [None, Decimal(0), Decimal(-5)])
def test_a_payment_of_nothing_cannot_apply(amount: Decimal | None) -> None:
    with pytest.raises(PaymentError, match="Paid event evt-1 has no positive amount"):
        decide_payment(invoice(Decimal(100)), ReceivedPayment("evt-1", amount, Currency.IDR))


def test_overpayment_fills_installments_in_order_then_is_kept() -> None:
    state = invoice(
        Decimal(300),
        Decimal(150),
        installments=(
            installment(1, Decimal(100), Decimal(100)),
            installment(2, Decimal(100), Decimal(50), I.PENDING),
            installment(3, Decimal(100)),
        ),
    )
    outcome = applied(decide_payment(state, paid(200)))
    assert [(i.paid_amount, i.status) for i in outcome.installments] == [
        (Decimal(100), I.PAID),
        (Decimal(100), I.PAID),
        (Decimal(100), I.PAID),
    ]
    assert outcome.newly_paid == (2, 3)
    assert outcome.overpayment == Decimal(50)
    assert outcome.installment_number == 2
    assert outcome.expected == Decimal(50)
    assert outcome.discrepancy is not None
    assert (outcome.discrepancy.type, outcome.discrepancy.difference) == (
        "overpayment",
        Decimal(150),
    )
    assert outcome.path == (S.PARTIALLY_PAID, S.FULLY_PAID)
    assert outcome.status_changed


def test_without_a_schedule_the_invoice_is_paid_as_a_whole() -> None:
    outcome = applied(decide_payment(invoice(Decimal(100)), paid(40)))
    assert outcome.installments == ()
    assert outcome.installment_number is None
    assert (outcome.expected, outcome.overpayment) == (Decimal(100), Decimal(0))
    assert outcome.discrepancy is not None and outcome.discrepancy.type == "underpayment"
    assert outcome.path == (S.PENDING, S.PARTIALLY_PAID)


def test_a_draft_paid_before_initiation_passes_through_pending() -> None:
    outcome = applied(decide_payment(invoice(Decimal(100), status=S.DRAFT), paid(100)))
    assert outcome.path == (S.DRAFT, S.PENDING, S.FULLY_PAID)
    assert outcome.discrepancy is None


@pytest.mark.parametrize("status", [S.EXPIRED, S.CANCELLED, S.FAILED])
def test_money_after_close_is_recorded_and_the_status_stays(status: S) -> None:
    outcome = applied(decide_payment(invoice(Decimal(100), status=status), paid(30)))
    assert outcome.paid_after_close
    assert outcome.path == (status,) and not outcome.status_changed
    assert outcome.discrepancy is not None
    assert (outcome.discrepancy.type, outcome.discrepancy.difference) == (
        "paid_after_close",
        Decimal(30),
    )


def test_a_payment_on_a_fully_paid_invoice_is_all_overpayment() -> None:
    state = invoice(Decimal(100), Decimal(100), status=S.FULLY_PAID)
    outcome = applied(decide_payment(state, paid(10)))
    assert (outcome.overpayment, outcome.expected, outcome.discrepancy) == (
        Decimal(10),
        Decimal(0),
        None,
    )
    assert outcome.path == (S.FULLY_PAID, S.FULLY_PAID)


def test_a_status_the_money_contradicts_is_refused() -> None:
    """TRANSITIONS is enforced: a fully paid invoice never goes back to partially paid."""
    state = invoice(Decimal(100), Decimal(50), status=S.FULLY_PAID)
    with pytest.raises(InvalidStateTransition, match="from fully_paid to partially_paid"):
        decide_payment(state, paid(10))


def test_refunds() -> None:
    state = invoice(Decimal(100), Decimal(100))
    payment = RecordedPayment(id=3, amount=Decimal(100), refunded_amount=Decimal(30))
    assert decide_refund(state, ReportedRefund("r1", Decimal(5), recorded_for=3)) == (
        Duplicate(3, "Refund already recorded")
    )
    assert decide_refund(state, ReportedRefund("r1", Decimal(5))) == DeferredRefund(
        "No payment of invoice 7 matches refund r1 yet"
    )
    assert decide_refund(state, ReportedRefund("r1", Decimal(20), payment=payment)) == (
        AppliedRefund(3, Decimal(20), Decimal(50), "partially_refunded")
    )
    assert decide_refund(state, ReportedRefund("r1", Decimal(70), payment=payment)) == (
        AppliedRefund(3, Decimal(70), Decimal(100), "refunded")
    )
    with pytest.raises(PaymentError, match="Refund r1 of 71 exceeds what is left of payment 3"):
        decide_refund(state, ReportedRefund("r1", Decimal(71), payment=payment))
    with pytest.raises(PaymentError, match="Refund r1 has no positive amount"):
        decide_refund(state, ReportedRefund("r1", None, payment=payment))


def test_initiation() -> None:
    schedule = (
        installment(1, Decimal(100), Decimal(100)),
        installment(2, Decimal(100), Decimal(40)),
        installment(3, Decimal(100)),
    )
    state = invoice(Decimal(300), Decimal(140), installments=schedule)
    assert decide_initiation(state, None, NOW) == PaymentTarget(
        2, Decimal(60), Decimal(0), Decimal(0)
    )
    with pytest.raises(PaymentError, match="Installment 3 cannot be paid before installment 2"):
        decide_initiation(state, 3, NOW)
    with pytest.raises(PaymentError, match="Cannot initiate payment for expired invoice"):
        decide_initiation(state, None, state.expires_at)
    with pytest.raises(PaymentError, match="Cannot initiate payment for cancelled invoice"):
        decide_initiation(invoice(Decimal(100), status=S.CANCELLED), None, NOW)
    with pytest.raises(PaymentError, match="Invoice has no installments"):
        decide_initiation(invoice(Decimal(100)), 1, NOW)
    with pytest.raises(PaymentError, match="Cannot initiate payment for fully_paid invoice"):
        decide_initiation(invoice(Decimal(100), Decimal(100), status=S.PENDING), None, NOW)
    target = decide_initiation(invoice(Decimal(100), Decimal(30)), None, NOW)
    assert target == PaymentTarget(None, Decimal(70), Decimal(0), Decimal(0))
    assert reuses_link(target, Decimal(70), NOW + timedelta(hours=1), NOW)
    assert not reuses_link(target, Decimal(100), NOW + timedelta(hours=1), NOW)
    assert not reuses_link(target, Decimal(70), NOW, NOW)

    issued = decide_link_issued(invoice(Decimal(300), status=S.DRAFT, installments=schedule), 3)
    assert issued.status == S.PENDING
    assert [i.status for i in issued.installments] == [I.PAID, I.UNPAID, I.PENDING]
    with pytest.raises(PaymentError):
        decide_link_issued(invoice(Decimal(100), Decimal(100), status=S.FULLY_PAID), None)


def test_closing() -> None:
    schedule = (installment(1, Decimal(50), status=I.PENDING), installment(2, Decimal(50)))
    state = invoice(Decimal(100), installments=schedule)
    assert decide_expiry(state, state.expires_at - timedelta(seconds=1)) is None
    expired = decide_expiry(state, state.expires_at)
    assert expired is not None
    assert (expired.status, expired.link_status) == (S.EXPIRED, "expired")
    assert [i.status for i in expired.installments] == [I.UNPAID, I.UNPAID]
    cancelled = decide_cancellation(state)
    assert (cancelled.status, cancelled.link_status) == (S.CANCELLED, "superseded")
    with pytest.raises(InvalidStateTransition, match="after a payment has been received"):
        decide_cancellation(invoice(Decimal(100), Decimal(10)))
    assert [i.status for i in release_installment(schedule, 2)] == [I.PENDING, I.UNPAID]
    assert [i.status for i in release_installment(schedule, 1)] == [I.UNPAID, I.UNPAID]


def test_the_rules_the_update_validators_share_with_the_activities() -> None:
    for status in S:
        final = status in FINAL_STATUSES
        if final:
            with pytest.raises(InvalidStateTransition, match=f"expiry of a {status} invoice"):
                ensure_extendable(status)
            with pytest.raises(InvalidStateTransition, match=f"installments of a {status} inv"):
                ensure_adjustable(status)
        else:
            ensure_extendable(status)
            ensure_adjustable(status)
    # The workflow's snapshot knows only whether payment was initiated.
    ensure_modifiable(S.DRAFT, False)
    with pytest.raises(InvoiceNotModifiable, match="after payment has been initiated"):
        ensure_modifiable(S.DRAFT, True)
    with pytest.raises(InvoiceNotModifiable, match="in pending status"):
        ensure_modifiable(S.PENDING, False)
    ensure_installment_unpaid(2, False)
    with pytest.raises(InstallmentError, match="Installment 2 is already paid"):
        ensure_installment_unpaid(2, True)


def test_an_extension_must_be_later() -> None:
    current = NOW + timedelta(days=1)
    assert extended_expiry(current, NOW, NOW + timedelta(days=2), None) == NOW + timedelta(days=2)
    with pytest.raises(ExpiryError, match="later than the current one"):
        extended_expiry(current, NOW, current, None)
    with pytest.raises(ExpiryError, match="within 30 days"):
        extended_expiry(current, NOW, NOW + timedelta(days=31), None)


# --- properties ----------------------------------------------------------------------------


@st.composite
def invoice_states(draw: st.DrawFn) -> InvoiceState:
    """An invoice part-way through payment, in any status: with a schedule (a paid prefix, at
    most one partly paid installment, maybe one waiting on a link) or without one."""
    currency = draw(currencies)
    amounts = [
        units(u, currency) for u in draw(st.lists(st.integers(1, 10**6), min_size=0, max_size=12))
    ]
    total = sum(amounts, Decimal(0)) or units(draw(st.integers(1, 10**6)), currency)
    paid_so_far = units(draw(st.integers(0, int(total.scaleb(currency.scale)))), currency)
    schedule = []
    left = paid_so_far
    for number, amount in enumerate(amounts, start=1):
        share = min(amount, left)
        left -= share
        status = I.PAID if share == amount else draw(st.sampled_from([I.UNPAID, I.PENDING]))
        schedule.append(installment(number, amount, share, status))
    # The statuses the money allows: the one it implies (draft or pending before any), or a
    # closed one (money may arrive after an invoice expired or was cancelled).
    implied = [status_after_payment(paid_so_far, total)] if paid_so_far else [S.DRAFT, S.PENDING]
    return InvoiceState(
        invoice_id=1,
        status=draw(st.sampled_from([*implied, S.EXPIRED, S.CANCELLED, S.FAILED])),
        currency=currency,
        total=total,
        amount_paid=paid_so_far,
        expires_at=NOW,
        installments=tuple(schedule),
    )


def assert_path_allowed(path: tuple[S, ...]) -> None:
    for current, target in pairwise(path):
        assert can_transition(current, target), (current, target)


def assert_installment_moves_allowed(
    before: tuple[InstallmentState, ...], after: tuple[InstallmentState, ...]
) -> None:
    assert [i.number for i in after] == [i.number for i in before]
    for old, new in zip(before, after, strict=True):
        assert new.status == old.status or new.status in INSTALLMENT_TRANSITIONS[old.status]
        assert (new.amount, new.due_date) == (old.amount, old.due_date)


@settings(max_examples=300)
@given(invoice_states(), st.data())
def test_payment_properties(state: InvoiceState, data: st.DataObject) -> None:
    amount = data.draw(at_scale(state.currency, 1, 3 * 10**6))
    outcome = applied(decide_payment(state, paid(str(amount), state.currency)))

    # money is conserved: what came in is applied to installments or kept as overpayment
    assert outcome.amount == amount
    assert decimal_places(outcome.overpayment) <= state.currency.scale
    assert outcome.allocation.total_applied + outcome.overpayment == amount
    outstanding = sum((p.amount - p.paid_amount for p in state.payables), Decimal(0))
    assert outcome.overpayment == max(Decimal(0), amount - outstanding)
    if state.installments:
        before = sum((i.paid_amount for i in state.installments), Decimal(0))
        after = sum((i.paid_amount for i in outcome.installments), Decimal(0))
        assert after - before == amount - outcome.overpayment
        assert all(i.paid_amount <= i.amount for i in outcome.installments)

    # installment order is kept: a paid prefix, then at most one partly paid installment
    if state.installments:
        filled = [i.paid_amount >= i.amount for i in outcome.installments]
        assert filled == sorted(filled, reverse=True)
        partly = [i for i in outcome.installments if 0 < i.paid_amount < i.amount]
        assert len(partly) <= 1
        assert_installment_moves_allowed(state.installments, outcome.installments)
        assert list(outcome.newly_paid) == [
            new.number
            for old, new in zip(state.installments, outcome.installments, strict=True)
            if new.status == I.PAID and old.status != I.PAID
        ]

    # statuses move only along TRANSITIONS, to the status the money implies
    assert outcome.path[0] == state.status
    assert_path_allowed(outcome.path)
    closed = state.status in FINAL_STATUSES and state.status != S.FULLY_PAID
    assert outcome.paid_after_close == closed
    if closed:
        assert outcome.path == (state.status,)
        assert outcome.discrepancy is not None
        assert outcome.discrepancy.difference == amount
    else:
        assert outcome.status == status_after_payment(state.amount_paid + amount, state.total)
        if outcome.discrepancy is not None:
            assert outcome.discrepancy.paid_amount == amount
            assert outcome.discrepancy.difference == abs(amount - outcome.expected)
        else:
            assert outcome.expected in (Decimal(0), amount)


@settings(max_examples=200)
@given(invoice_states(), st.data())
def test_two_payments_decide_like_their_sum(state: InvoiceState, data: st.DataObject) -> None:
    first = data.draw(at_scale(state.currency, 1, 2 * 10**6))
    second = data.draw(at_scale(state.currency, 1, 2 * 10**6))
    one = applied(decide_payment(state, paid(str(first), state.currency)))
    after_one = InvoiceState(
        invoice_id=state.invoice_id,
        status=one.status,
        currency=state.currency,
        total=state.total,
        amount_paid=state.amount_paid + first,
        expires_at=state.expires_at,
        installments=one.installments,
    )
    two = applied(decide_payment(after_one, paid(str(second), state.currency)))
    both = applied(decide_payment(state, paid(str(first + second), state.currency)))
    assert [i.paid_amount for i in two.installments] == [i.paid_amount for i in both.installments]
    assert one.overpayment + two.overpayment == both.overpayment
    assert two.status == both.status


@settings(max_examples=200)
@given(invoice_states(), st.data())
def test_refund_properties(state: InvoiceState, data: st.DataObject) -> None:
    currency = state.currency
    amount = data.draw(at_scale(currency, 1, 10**6))
    refunded = data.draw(at_scale(currency, 0, 10**6))
    payment = RecordedPayment(1, amount + refunded, refunded)
    share = data.draw(at_scale(currency, 1, 2 * 10**6))
    refund = ReportedRefund("r", share, payment=payment)
    if share > amount:
        with pytest.raises(PaymentError):
            decide_refund(state, refund)
        return
    outcome = decide_refund(state, refund)
    assert isinstance(outcome, AppliedRefund)
    assert outcome.refunded_amount == refunded + share <= payment.amount
    assert (outcome.payment_status == "refunded") == (outcome.refunded_amount == payment.amount)


@settings(max_examples=200)
@given(invoice_states(), st.booleans())
def test_closing_properties(state: InvoiceState, late: bool) -> None:
    now = state.expires_at + (timedelta(0) if late else -timedelta(microseconds=1))
    closure = decide_expiry(state, now)
    if state.status not in EXPIRABLE_STATUSES or not late:
        assert closure is None
    else:
        assert closure is not None and closure.status == S.EXPIRED
        assert_path_allowed((state.status, closure.status))
        assert_installment_moves_allowed(state.installments, closure.installments)
        assert I.PENDING not in {i.status for i in closure.installments}
    try:
        cancelled = decide_cancellation(state)
    except InvalidStateTransition:
        assert state.amount_paid > 0 or state.status not in (S.DRAFT, S.PENDING)
    else:
        assert state.amount_paid == 0
        assert_path_allowed((state.status, cancelled.status))
        assert_installment_moves_allowed(state.installments, cancelled.installments)
