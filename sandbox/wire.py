"""The sandbox's own wire formats: it stands in for Xendit and Midtrans, so it shares no code
with PayTrust (a formatting bug in PayTrust must not be mirrored here and pass unnoticed).

Written from the gateways' documentation: Xendit times are UTC with milliseconds and a `Z`;
Midtrans times are Asia/Jakarta local time (UTC+7, no daylight saving) without an offset.
JSON amounts are written from a Decimal's exact digits, never through float.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

_WIB = timezone(timedelta(hours=7))


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is read as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_z(value: datetime) -> str:
    """ISO 8601 UTC with `Z`, seconds precision (what the sandbox's pages show)."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def xendit_time(value: datetime) -> str:
    """Xendit: 2020-01-14T02:32:50.912Z."""
    utc = as_utc(value)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def midtrans_time(value: datetime) -> str:
    """Midtrans: "2026-11-26 17:00:00" in Asia/Jakarta."""
    return f"{as_utc(value).astimezone(_WIB):%Y-%m-%d %H:%M:%S}"


def dumps(value: Any) -> bytes:
    """Compact JSON bytes; a Decimal is written as a JSON number with exactly its digits."""
    return "".join(_chunks(value)).encode()


def _chunks(value: Any) -> Iterator[str]:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("cannot encode a non-finite Decimal")
        yield format(value, "f")
    elif isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield ("," if index else "") + json.dumps(str(key)) + ":"
            yield from _chunks(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for index, item in enumerate(value):
            yield "," if index else ""
            yield from _chunks(item)
        yield "]"
    else:
        yield json.dumps(value)
