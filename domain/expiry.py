"""Invoice expiry (FR-044, FR-044a).

`expires_at` defaults to creation + 24 h, or, with installments, to the final due date + 24 h.
A requested or default expiry is checked in this order, and the first failure is reported:

1. in the past (strictly before `now`)      → "Expiration time cannot be in the past"
2. less than 1 hour after `now`             → "Expiration must be at least 1 hour from now"
3. more than 30 days after `now`            → "Expiration must be within 30 days from now"
4. before the final installment's due date  → "Invoice expiration cannot occur before final
                                               installment due date {due_date}"

The order goes from the plainest mistake to the most contextual one, so a client sees the error
that explains the most. Exactly `now` + 1 h and exactly `now` + 30 days are accepted, and so is an
expiry equal to the final due date. A default that lands beyond 30 days (a long schedule) is the
30-days error: the client must shorten the schedule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from domain.errors import ExpiryError
from domain.timeutil import ensure_utc, iso_utc

DEFAULT_EXPIRY: Final = timedelta(hours=24)
MIN_EXPIRY: Final = timedelta(hours=1)
MAX_EXPIRY: Final = timedelta(days=30)

PAST_MESSAGE: Final = "Expiration time cannot be in the past"
TOO_SOON_MESSAGE: Final = "Expiration must be at least 1 hour from now"
TOO_LATE_MESSAGE: Final = "Expiration must be within 30 days from now"


def before_final_installment_message(due_date: datetime) -> str:
    return f"Invoice expiration cannot occur before final installment due date {iso_utc(due_date)}"


def default_expiry(now: datetime, last_due_date: datetime | None) -> datetime:
    """created_at + 24 h, or the final installment's due date + 24 h when there is a schedule."""
    base = ensure_utc(now) if last_due_date is None else ensure_utc(last_due_date)
    return base + DEFAULT_EXPIRY


def check_covers_installments(expires_at: datetime, last_due_date: datetime | None) -> None:
    """Raise unless `expires_at` is at or after the final installment's due date.

    Also for `PATCH` of installments or of `expires_at` alone, where only this rule is at stake.
    """
    if last_due_date is not None and ensure_utc(expires_at) < ensure_utc(last_due_date):
        raise ExpiryError(before_final_installment_message(last_due_date))


def resolve_expiry(
    now: datetime, requested: datetime | None, last_due_date: datetime | None
) -> datetime:
    """The invoice's `expires_at` (aware UTC): `requested` if valid, else the default.

    `now` is the invoice's creation time (or the time of the change, for a PATCH). Naive
    datetimes are taken to be UTC. Raises `ExpiryError` with the seed's exact messages, in the
    order documented in this module.
    """
    now = ensure_utc(now)
    expires_at = default_expiry(now, last_due_date) if requested is None else ensure_utc(requested)
    if expires_at < now:
        raise ExpiryError(PAST_MESSAGE)
    if expires_at < now + MIN_EXPIRY:
        raise ExpiryError(TOO_SOON_MESSAGE)
    if expires_at > now + MAX_EXPIRY:
        raise ExpiryError(TOO_LATE_MESSAGE)
    check_covers_installments(expires_at, last_due_date)
    return expires_at


def extended_expiry(
    current: datetime, now: datetime, requested: datetime, last_due_date: datetime | None
) -> datetime:
    """An operator's later `expires_at`: within the creation rules above (from `now`) and
    later than the `current` one. Raises `ExpiryError`."""
    expires_at = resolve_expiry(now, requested, last_due_date)
    if expires_at <= ensure_utc(current):
        raise ExpiryError("The new expiry must be later than the current one")
    return expires_at
