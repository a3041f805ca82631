"""Opaque list cursors (`next_cursor` / `starting_after`): the internal id of the last row
returned, base64url-encoded, so clients cannot depend on the id space."""

from __future__ import annotations

import base64
import binascii

from api.errors import AppError


class InvalidCursor(AppError):
    status_code = 422
    code = "validation_error"


def encode_cursor(row_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parameter: str = "starting_after") -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != "id" or not value.isdigit():
            raise ValueError(text)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor(
            f"{parameter} is not a cursor this list returned",
            details=[{"loc": ["query", parameter], "msg": "invalid cursor"}],
        ) from None
