"""domain.payment_sync: when a live link is next asked about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.payment_sync import SYNC_INTERVAL, SYNC_OFFSETS, earliest, next_sync_at

CREATED = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
MONTH = CREATED + timedelta(days=30)


def schedule(expires_at: datetime, scale: float = 1.0) -> list[datetime]:
    """Every check, one after the other, as the workflow walks them."""
    checks: list[datetime] = []
    now = CREATED
    while (due := next_sync_at(CREATED, expires_at, now, scale)) is not None:
        checks.append(due)
        now = due
    return checks


def test_the_schedule_is_one_five_fifteen_sixty_minutes_then_every_six_hours() -> None:
    checks = schedule(CREATED + timedelta(days=2))
    minutes = [(at - CREATED) / timedelta(minutes=1) for at in checks]
    assert minutes == [1, 5, 15, 60] + [60 + 360 * k for k in range(1, 8)]


def test_no_check_at_or_after_the_link_expires() -> None:
    assert schedule(CREATED + timedelta(minutes=5)) == [CREATED + timedelta(minutes=1)]
    assert next_sync_at(CREATED, CREATED + timedelta(seconds=30), CREATED) is None


def test_a_late_start_resumes_at_the_next_slot_not_from_the_beginning() -> None:
    now = CREATED + timedelta(hours=8)
    assert next_sync_at(CREATED, MONTH, now) == CREATED + timedelta(hours=13)
    on_slot = CREATED + timedelta(hours=7)
    assert next_sync_at(CREATED, MONTH, on_slot) == CREATED + timedelta(hours=13)


def test_scale_compresses_every_step() -> None:
    assert schedule(CREATED + timedelta(minutes=20), scale=0.01)[:4] == [
        CREATED + offset * 0.01 for offset in SYNC_OFFSETS
    ]
    with pytest.raises(ValueError):
        next_sync_at(CREATED, MONTH, CREATED, scale=0)


def test_earliest_ignores_links_without_a_check() -> None:
    later = CREATED + timedelta(hours=1)
    assert earliest([None, later, CREATED, None]) == CREATED
    assert earliest([None]) is None
    assert earliest([]) is None


@given(
    elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
    lifetime=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=31)),
    scale=st.sampled_from([1.0, 0.5, 0.01]),
)
def test_the_next_check_is_in_the_future_before_expiry_and_never_far_off(
    elapsed: timedelta, lifetime: timedelta, scale: float
) -> None:
    now = CREATED + elapsed
    expires_at = CREATED + lifetime
    due = next_sync_at(CREATED, expires_at, now, scale)
    if due is None:
        return
    assert now < due < expires_at
    # Bounded histories and a bounded delay: never more than one interval away.
    assert due - now <= max(SYNC_INTERVAL, SYNC_OFFSETS[-1]) * scale
