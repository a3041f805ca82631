"""Event types, endpoint filters and the delivery schedule: the rules of API.md "Events and
merchant webhooks", free of I/O."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from domain.errors import DomainError

INVOICE_EVENT_TYPES = (
    "invoice.created",
    "invoice.updated",
    "invoice.payment_initiated",
    "invoice.partially_paid",
    "invoice.paid",
    "invoice.overpaid",
    "invoice.expired",
    "invoice.cancelled",
    "installment.paid",
    "installment.overdue",
    "payment.succeeded",
    "payment.discrepancy",
    "refund.pending",
    "refund.succeeded",
    "refund.failed",
)
TENANT_EVENT_TYPES = ("webhook_endpoint.disabled",)
EVENT_TYPES = INVOICE_EVENT_TYPES + TENANT_EVENT_TYPES
# Sent by `POST /webhook-endpoints/{id}/test`; never matched by filters, only sent on request.
PING = "ping"

MAX_ENDPOINTS_PER_TENANT = 16
MAX_FILTERS = 64

# API.md: retried 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous attempt.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
DELIVERY_TIMEOUT_SECONDS = 15.0
DISABLE_AFTER = timedelta(days=5)
# Due dates are days: an installment is overdue once a whole day has passed since it fell due
# unpaid (the first one falls due at creation, and is not overdue the moment it is created).
OVERDUE_AFTER = timedelta(days=1)


def validate_filters(filters: Sequence[str]) -> list[str]:
    """`*`, `prefix.*` (a known prefix) or a known type; duplicates dropped, order kept."""
    if not filters:
        raise DomainError("events must name at least one event type, or '*'")
    if len(filters) > MAX_FILTERS:
        raise DomainError(f"events may list at most {MAX_FILTERS} entries")
    prefixes = {name.split(".", 1)[0] for name in EVENT_TYPES}
    cleaned: list[str] = []
    for item in filters:
        if item == "*":
            pass
        elif item.endswith(".*"):
            if item[:-2] not in prefixes:
                raise DomainError(f"Unknown event type prefix {item!r}")
        elif item not in EVENT_TYPES:
            raise DomainError(f"Unknown event type {item!r}")
        if item not in cleaned:
            cleaned.append(item)
    return cleaned


def matches(filters: Iterable[str], event_type: str) -> bool:
    for item in filters:
        if item == "*" or item == event_type:
            return True
        if item.endswith(".*") and event_type.startswith(item[:-1]):
            return True
    return False


def retry_delay(attempts_made: int, scale: float) -> timedelta | None:
    """The wait before the next attempt after `attempts_made` failures; None: give up."""
    if attempts_made < 1 or attempts_made > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts_made - 1] * scale
