"""The sandbox's own wire formats, checked against the gateways' documented examples (the
sandbox shares no code with PayTrust, so these are its only guard)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from sandbox.wire import as_utc, dumps, iso_z, midtrans_time, xendit_time


def test_xendit_time_is_utc_with_milliseconds() -> None:
    # The format of Xendit's documented example "2020-01-14T02:32:50.912Z".
    moment = datetime(2020, 1, 14, 9, 32, 50, 912_345, tzinfo=timezone(timedelta(hours=7)))
    assert xendit_time(moment) == "2020-01-14T02:32:50.912Z"


def test_midtrans_time_is_jakarta_local_without_offset() -> None:
    # Midtrans writes WIB (UTC+7) wall-clock time: 11:27:19 UTC is "18:27:19".
    assert midtrans_time(datetime(2020, 1, 9, 11, 27, 19, tzinfo=UTC)) == "2020-01-09 18:27:19"


def test_naive_times_are_read_as_utc() -> None:
    assert as_utc(datetime(2026, 1, 1, 0, 0)) == datetime(2026, 1, 1, tzinfo=UTC)
    assert iso_z(datetime(2026, 1, 1, 0, 0)) == "2026-01-01T00:00:00Z"


def test_decimals_keep_their_exact_digits() -> None:
    body = dumps({"amount": Decimal("150000.00"), "items": [Decimal("0.10"), 1, "x"], "ok": True})
    assert body == b'{"amount":150000.00,"items":[0.10,1,"x"],"ok":true}'
    assert json.loads(body, parse_float=Decimal)["amount"] == Decimal("150000.00")
