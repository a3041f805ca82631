"""domain.expiry: defaults and the seed's exact messages (FR-044, FR-044a)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ExpiryError
from domain.expiry import check_covers_installments, resolve_expiry

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def message_of(requested: datetime | None, last_due: datetime | None = None) -> str:
    with pytest.raises(ExpiryError) as caught:
        resolve_expiry(NOW, requested, last_due)
    assert caught.value.code == "invalid_expiration"
    return caught.value.message


def test_default_is_24_hours() -> None:
    assert resolve_expiry(NOW, None, None) == NOW + timedelta(hours=24)


def test_default_with_installments_is_last_due_plus_24_hours() -> None:
    last_due = NOW + timedelta(days=14)
    assert resolve_expiry(NOW, None, last_due) == last_due + timedelta(hours=24)


def test_default_beyond_30_days_is_the_30_days_error() -> None:
    assert message_of(None, NOW + timedelta(days=29, hours=1)) == (
        "Expiration must be within 30 days from now"
    )
    # exactly 30 days is still fine
    assert resolve_expiry(NOW, None, NOW + timedelta(days=29)) == NOW + timedelta(days=30)


def test_past() -> None:
    assert message_of(NOW - TICK) == "Expiration time cannot be in the past"
    assert message_of(NOW - timedelta(days=400)) == "Expiration time cannot be in the past"


def test_at_least_one_hour() -> None:
    assert message_of(NOW) == "Expiration must be at least 1 hour from now"
    assert (
        message_of(NOW + timedelta(hours=1) - TICK) == "Expiration must be at least 1 hour from now"
    )
    assert resolve_expiry(NOW, NOW + timedelta(hours=1), None) == NOW + timedelta(hours=1)


def test_within_30_days() -> None:
    assert resolve_expiry(NOW, NOW + timedelta(days=30), None) == NOW + timedelta(days=30)
    assert (
        message_of(NOW + timedelta(days=30) + TICK) == "Expiration must be within 30 days from now"
    )
    assert message_of(NOW + timedelta(days=365)) == "Expiration must be within 30 days from now"


def test_before_final_installment() -> None:
    last_due = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    assert message_of(last_due - TICK, last_due) == (
        "Invoice expiration cannot occur before final installment due date 2026-12-10T10:00:00Z"
    )
    assert resolve_expiry(NOW, last_due, last_due) == last_due  # equal is allowed


def test_check_order_past_first_then_installments_last() -> None:
    last_due = NOW + timedelta(days=60)
    # in the past *and* before the final due date: the past wins
    assert message_of(NOW - TICK, last_due) == "Expiration time cannot be in the past"
    # too soon and before the final due date: 1 hour wins
    assert (
        message_of(NOW + timedelta(minutes=5), last_due)
        == "Expiration must be at least 1 hour from now"
    )
    # beyond 30 days (and before the final due date): 30 days wins
    assert (
        message_of(NOW + timedelta(days=31), last_due)
        == "Expiration must be within 30 days from now"
    )
    # within limits, before the final due date
    assert message_of(NOW + timedelta(days=10), last_due).startswith(
        "Invoice expiration cannot occur before final installment due date"
    )


def test_naive_and_offset_inputs_are_utc() -> None:
    naive = datetime(2026, 11, 27, 10, 0)
    result = resolve_expiry(NOW.replace(tzinfo=None), naive, None)
    assert result == datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    assert result.tzinfo is not None


def test_check_covers_installments() -> None:
    check_covers_installments(NOW, None)
    check_covers_installments(NOW, NOW)
    with pytest.raises(ExpiryError, match="final installment due date"):
        check_covers_installments(NOW, NOW + TICK)


@given(st.integers(0, 30 * 24 * 3600 * 10**6))
def test_any_valid_request_is_returned_unchanged(offset_us: int) -> None:
    requested = NOW + timedelta(microseconds=offset_us)
    if requested < NOW + timedelta(hours=1):
        with pytest.raises(ExpiryError):
            resolve_expiry(NOW, requested, None)
    else:
        assert resolve_expiry(NOW, requested, None) == requested
