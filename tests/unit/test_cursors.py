"""The one list cursor (`api/pagination.py`): lists ordered by id alone (events, webhook
deliveries) use it as `[id]`, and still take the `id:<n>` cursors they issued before."""

from __future__ import annotations

import base64

import pytest
from fastapi.exceptions import RequestValidationError

from api.pagination import decode_cursor, decode_id_cursor, encode_cursor, encode_id_cursor


def test_an_id_cursor_is_the_list_cursor_of_one_value():
    assert encode_id_cursor(42) == encode_cursor([42])
    assert decode_cursor(encode_id_cursor(42)) == (42,)
    assert decode_id_cursor(encode_id_cursor(42)) == 42


def test_an_id_cursor_issued_before_the_shared_codec_still_walks_on():
    legacy = base64.urlsafe_b64encode(b"id:1234").decode().rstrip("=")
    assert decode_id_cursor(legacy) == 1234


@pytest.mark.parametrize(
    "cursor",
    [
        "zzz",
        encode_cursor(["2026-01-01T00:00:00Z", 1]),
        encode_cursor([True]),
        "aWQ6eA",
        encode_cursor([2**63]),  # beyond BIGINT
        encode_cursor([-1]),
        base64.urlsafe_b64encode(b"id:" + b"9" * 60).decode().rstrip("="),
    ],
)
def test_anything_else_is_a_422_naming_starting_after(cursor):
    with pytest.raises(RequestValidationError) as caught:
        decode_id_cursor(cursor)
    assert caught.value.errors()[0]["loc"] == ("query", "starting_after")
