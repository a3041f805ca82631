"""domain.timeutil: UTC inside, Asia/Jakarta on Midtrans's wire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from domain.timeutil import ensure_utc, iso_utc, parse_iso
from gateways.wire import (
    format_midtrans_time,
    iso_utc_millis,
    midtrans_expiry_start,
    parse_midtrans_time,
    to_jakarta,
)

utc_seconds = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@given(utc_seconds)
def test_jakarta_round_trip(moment: datetime) -> None:
    local = to_jakarta(moment)
    assert local.utcoffset() == timedelta(hours=7)
    assert parse_midtrans_time(format_midtrans_time(moment)) == moment


@given(utc_seconds)
def test_iso_utc_ends_with_z_and_parses_back(moment: datetime) -> None:
    text = iso_utc(moment)
    assert text.endswith("Z")
    assert "+00:00" not in text
    assert parse_iso(text) == moment


def test_iso_utc_examples() -> None:
    assert iso_utc(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)) == "2026-11-26T10:00:00Z"
    assert iso_utc(datetime(2026, 11, 26, 17, 0, tzinfo=timezone(timedelta(hours=7)))) == (
        "2026-11-26T10:00:00Z"
    )
    assert iso_utc(datetime(2026, 11, 26, 10, 0)) == "2026-11-26T10:00:00Z"  # naive is UTC
    assert iso_utc(datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)) == (
        "2026-01-01T00:00:00.123456Z"
    )
    assert iso_utc_millis(datetime(2020, 1, 14, 2, 32, 50, 912345, tzinfo=UTC)) == (
        "2020-01-14T02:32:50.912Z"
    )


def test_midtrans_time_parse_is_jakarta() -> None:
    assert parse_midtrans_time("2026-11-26 17:00:00") == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert parse_midtrans_time("2026-01-01 03:00:00") == datetime(2025, 12, 31, 20, 0, tzinfo=UTC)
    assert midtrans_expiry_start(datetime(2026, 11, 26, 10, 0, tzinfo=UTC)) == (
        "2026-11-26 17:00:00 +0700"
    )


def test_parse_iso_accepts_z_and_offsets() -> None:
    expected = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert parse_iso("2026-11-26T10:00:00Z") == expected
    assert parse_iso("2026-11-26T17:00:00+07:00") == expected
    assert parse_iso("2026-11-26T10:00:00") == expected
    assert ensure_utc(expected).tzinfo is UTC
