"""Time: UTC everywhere inside PayTrust (FR-087). Pure. The gateways' wire formats (Xendit's
milliseconds, Midtrans's Asia/Jakarta) are in `gateways/wire.py`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Aware UTC datetime; a naive value is taken to be UTC already (as MySQL returns it)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def to_naive_utc(value: datetime) -> datetime:
    """For DATETIME columns, which store UTC without an offset."""
    return ensure_utc(value).replace(tzinfo=None)


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, microseconds dropped when zero: 2026-11-26T10:00:00Z."""
    utc = ensure_utc(value)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 (with `Z` or an offset) into aware UTC. A naive timestamp is UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return ensure_utc(value)


def parse_date_or_timestamp(text: str, *, end_of_day: bool = False) -> datetime:
    """Query-string dates: `YYYY-MM-DD` (start of that UTC day, or its last instant) or ISO."""
    stripped = text.strip()
    if len(stripped) == 10:
        day = date.fromisoformat(stripped)
        moment = time.max if end_of_day else time.min
        return datetime.combine(day, moment, tzinfo=UTC)
    return parse_iso(stripped)
