"""The gateways' time formats on the wire: Xendit writes UTC with milliseconds, Midtrans
writes Asia/Jakarta local time without an offset (FR-087). Inside PayTrust every time is aware
UTC (`domain.timeutil`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from domain.timeutil import ensure_utc

# Asia/Jakarta has been UTC+7 without daylight saving since 1964; a fixed offset avoids a
# dependency on the machine's tz database.
JAKARTA = timezone(timedelta(hours=7), "Asia/Jakarta")


def iso_utc_millis(value: datetime) -> str:
    """Xendit's wire format: 2020-01-14T02:32:50.912Z."""
    utc = ensure_utc(value)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


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
