"""When an invoice's workflow asks the gateway about a live, unpaid payment link (payment sync).

A gateway notification can be lost (an api restart, a timeout Xendit never retries), so the
workflow does not wait for one: it checks each live link at about +1 min, +5 min, +15 min and
+1 h after the link was created, then every 6 h until the link expires. The check just before
the invoice expires is the expiry reconciliation's, not this schedule's. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

SYNC_OFFSETS: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
SYNC_INTERVAL = timedelta(hours=6)


def next_sync_at(
    created_at: datetime, expires_at: datetime, now: datetime, scale: float = 1.0
) -> datetime | None:
    """The first scheduled check of a link created at `created_at` that is later than `now`,
    or None when the link expires before it. `scale` compresses the whole schedule (tests and
    benchmarks: 0.01 makes +1 min 0.6 s)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    offsets = [created_at + offset * scale for offset in SYNC_OFFSETS]
    due = next((at for at in offsets if at > now), None)
    if due is None:
        interval = SYNC_INTERVAL * scale
        periods = (now - offsets[-1]) // interval + 1
        due = offsets[-1] + interval * periods
    return due if due < expires_at else None


def earliest(times: Iterable[datetime | None]) -> datetime | None:
    """The soonest of several links' next checks (None: no live link needs one)."""
    known = [at for at in times if at is not None]
    return min(known) if known else None
