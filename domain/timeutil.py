"""Time: UTC everywhere inside PayTrust, Asia/Jakarta on Midtrans's wire (FR-087). Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

# Asia/Jakarta has been UTC+7 without daylight saving since 1964; a fixed offset avoids a
# dependency on the machine's tz database.
JAKARTA = timezone(timedelta(hours=7), "Asia/Jakarta")


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


def iso_utc_millis(value: datetime) -> str:
    """Xendit's wire format: 2020-01-14T02:32:50.912Z."""
    utc = ensure_utc(value)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


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


def to_jakarta(value: datetime) -> datetime:
    return ensure_utc(value).astimezone(JAKARTA)


def midtrans_expiry_start(value: datetime) -> str:
    """Midtrans Snap `expiry.start_time`: "yyyy-MM-dd HH:mm:ss Z" in +0700."""
    return to_jakarta(value).strftime("%Y-%m-%d %H:%M:%S +0700")


def parse_midtrans_time(text: str) -> datetime:
    """Midtrans notification times ("YYYY-MM-DD HH:MM:SS", Asia/Jakarta, no offset) → UTC."""
    local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=JAKARTA)
    return local.astimezone(UTC)


def format_midtrans_time(value: datetime) -> str:
    """UTC → Midtrans's "YYYY-MM-DD HH:MM:SS" in Asia/Jakarta."""
    return to_jakarta(value).strftime("%Y-%m-%d %H:%M:%S")
