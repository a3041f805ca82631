"""Lists (API.md "Conventions"): `?page=&page_size=` or the cursor `?limit=&starting_after=`,
the envelope `{"data", "page", "page_size", "total", "has_more", "next_cursor"}`, and the one
rule every list shares: a query parameter it does not declare is a 422 naming it.

The statements are `db/pagination.py`'s (`fetch_page`, called by the repositories); here are
the query parameters, the cursor's wire encoding and the envelope. Cursor paging is keyset
paging on the list's order (for invoices `created_at DESC, id DESC`): stable while new rows
arrive (they sort before the cursor), no OFFSET scan and no `COUNT(*)`, so `total` is null
there.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, Field

from db.pagination import InvalidCursor, ListParams, PageRows
from domain.timeutil import iso_utc, parse_date_or_timestamp

__all__ = ["InvalidCursor", "ListParams"]

T = TypeVar("T")

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # keeps OFFSET within what MySQL accepts


def query_error(name: str, message: str, kind: str = "value_error") -> RequestValidationError:
    """A 422 naming the query parameter `name` (rendered by api.errors)."""
    return RequestValidationError([{"loc": ("query", name), "msg": message, "type": kind}])


def _declared_query_names(route: APIRoute) -> frozenset[str]:
    cached: frozenset[str] | None = getattr(route, "_paytrust_query_names", None)
    if cached is None:
        names: set[str] = set()
        pending: list[Dependant] = [route.dependant]
        while pending:
            dependant = pending.pop()
            names.update(param.alias for param in dependant.query_params)
            pending.extend(dependant.dependencies)
        cached = frozenset(names)
        route._paytrust_query_names = cached  # type: ignore[attr-defined]
    return cached


async def reject_unknown_query(request: Request) -> None:
    """422 for a query parameter the matched route does not declare (never silently ignored).
    A dependency of every merchant and admin router (and of `list_params`, so a list is covered
    wherever it is mounted). async: FastAPI runs a sync dependency in the thread pool, a hop
    on every request."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _declared_query_names(route)
    for name in request.query_params:
        if name not in known:
            raise query_error(name, f"Unknown query parameter {name!r}", "unknown_parameter")


def _start_of(value: object) -> object:
    return parse_date_or_timestamp(value) if isinstance(value, str) else value


def _end_of(value: object) -> object:
    return parse_date_or_timestamp(value, end_of_day=True) if isinstance(value, str) else value


# Query-string dates (API.md): `YYYY-MM-DD` or a full ISO 8601 timestamp. A `..._lte` date
# means the end of that UTC day. Anything else is a 422 naming the parameter.
DateFrom = Annotated[datetime, BeforeValidator(_start_of)]
DateTo = Annotated[datetime, BeforeValidator(_end_of)]


async def list_params(
    request: Request,
    page: Annotated[
        int | None, Query(ge=1, le=MAX_PAGE, description="1-based page number (offset paging)")
    ] = None,
    page_size: Annotated[
        int | None,
        Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, default {DEFAULT_PAGE_SIZE}"),
    ] = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_PAGE_SIZE,
            description="Items per call (cursor paging); use with `starting_after`",
        ),
    ] = None,
    starting_after: Annotated[
        str | None,
        Query(
            max_length=512,
            description="The `next_cursor` of the previous call: the walk continues after it",
        ),
    ] = None,
) -> ListParams:
    await reject_unknown_query(request)
    if limit is not None and page_size is not None:
        raise query_error("limit", "Use either limit (cursor paging) or page_size, not both")
    cursor_mode = limit is not None or starting_after is not None
    if cursor_mode and page is not None:
        raise query_error("page", "page cannot be combined with limit or starting_after")
    size = limit or page_size or DEFAULT_PAGE_SIZE
    after = decode_cursor(starting_after) if starting_after is not None else None
    return ListParams(page=None if cursor_mode else (page or 1), size=size, after=after)


ListDep = Annotated[ListParams, Depends(list_params)]


class Page(BaseModel, Generic[T]):
    data: list[T]
    page: int | None = Field(description="The page number; null when walking with a cursor")
    page_size: int
    total: int | None = Field(description="Matching rows; null when walking with a cursor")
    has_more: bool = False
    next_cursor: str | None = Field(
        default=None, description="Pass as `starting_after` for the next items"
    )


# The one cursor of every list: the order key of the last row returned, as a JSON array,
# base64url without padding, so clients cannot depend on the id space.
def encode_cursor(values: Sequence[object]) -> str:
    wire = [iso_utc(v) if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(wire, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[Any, ...]:
    """The values of an opaque cursor (checked against the list's order by
    `db.pagination.fetch_page`)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _invalid_cursor() from None
    if not isinstance(values, list) or not values:
        raise _invalid_cursor()
    return tuple(values)


def encode_id_cursor(row_id: int) -> str:
    """The cursor of a list ordered by id alone (events, deliveries): `encode_cursor([id])`."""
    return encode_cursor([row_id])


def decode_id_cursor(text: str) -> int:
    """The id of an `encode_id_cursor` cursor. Also takes `id:<n>` (base64url), the form these
    lists issued before they shared this codec, so a walk begun before an upgrade goes on."""
    row_id = _legacy_id(text)
    if row_id is None:
        values = decode_cursor(text)
        if len(values) != 1 or not isinstance(values[0], int) or isinstance(values[0], bool):
            raise _invalid_cursor()
        row_id = values[0]
    if not 0 <= row_id <= _MAX_ROW_ID:  # a forged id beyond BIGINT is no cursor we issued
        raise _invalid_cursor()
    return row_id


_MAX_ROW_ID = 2**63 - 1


def _legacy_id(text: str) -> int | None:
    try:
        prefix, _, value = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).partition(b":")
    except (binascii.Error, ValueError):
        return None
    return int(value) if prefix == b"id" and value.isdigit() else None


def _invalid_cursor() -> RequestValidationError:
    return query_error("starting_after", "starting_after is not a valid cursor")


def envelope(found: PageRows, params: ListParams) -> dict[str, Any]:
    """The list envelope's fields but `data` for a page a repository fetched."""
    return {
        "page": params.page,
        "page_size": params.size,
        "total": found.total,
        "has_more": found.has_more,
        "next_cursor": encode_cursor(found.next_key) if found.next_key is not None else None,
    }
