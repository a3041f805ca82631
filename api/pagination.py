"""Lists (API.md "Conventions"): `?page=&page_size=` or the cursor `?limit=&starting_after=`,
the envelope `{"data", "page", "page_size", "total", "has_more", "next_cursor"}`, and the one
rule every list shares: a query parameter it does not declare is a 422 naming it.

`paginate` runs a list's query either way. Cursor paging is keyset paging on the list's order
(for invoices `created_at DESC, id DESC`): stable while new rows arrive (they sort before the
cursor), no OFFSET scan and no `COUNT(*)`, so `total` is null there.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, Field
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.timeutil import iso_utc, parse_date_or_timestamp, parse_iso, to_naive_utc

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


def reject_unknown_query(request: Request) -> None:
    """422 for a query parameter the matched route does not declare (never silently ignored).
    A dependency of every merchant and admin router (and of `list_params`, so a list is covered
    wherever it is mounted)."""
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


@dataclass(frozen=True, slots=True)
class ListParams:
    """Either a page (`page` ≥ 1, OFFSET paging with a total) or a cursor walk (`page` None)."""

    page: int | None
    size: int
    after: tuple[Any, ...] | None = None

    @property
    def offset(self) -> int:
        return ((self.page or 1) - 1) * self.size

    @property
    def page_size(self) -> int:
        return self.size


def list_params(
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
    reject_unknown_query(request)
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


def encode_cursor(values: Sequence[object]) -> str:
    wire = [iso_utc(v) if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(wire, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[Any, ...]:
    """The values of an opaque cursor (validated against the list's order in `paginate`)."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        raise query_error("starting_after", "starting_after is not a valid cursor") from None
    if not isinstance(values, list) or not values:
        raise query_error("starting_after", "starting_after is not a valid cursor")
    return tuple(values)


def _cursor_values(
    after: tuple[Any, ...], order: Sequence[InstrumentedAttribute[Any]]
) -> list[object]:
    if len(after) != len(order):
        raise query_error("starting_after", "starting_after is not a cursor of this list")
    values: list[object] = []
    for value, column in zip(after, order, strict=True):
        try:
            if column.type.python_type is datetime:
                if not isinstance(value, str):
                    raise ValueError(value)
                values.append(to_naive_utc(parse_iso(value)))
            elif column.type.python_type is int:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError(value)
                values.append(value)
            else:
                values.append(str(value))
        except (ValueError, TypeError):
            raise query_error("starting_after", "starting_after is not a valid cursor") from None
    return values


def _after(
    order: Sequence[InstrumentedAttribute[Any]], values: Sequence[object], descending: bool
) -> ColumnElement[bool]:
    """Keyset condition "sorts after `values`" as an OR of prefixes, which MariaDB's range
    optimizer turns into one range on the (tenant_id, <order>) index."""
    terms: list[ColumnElement[bool]] = []
    for i, column in enumerate(order):
        equal = [order[j] == values[j] for j in range(i)]
        beyond = column < values[i] if descending else column > values[i]
        terms.append(and_(*equal, beyond))
    return or_(*terms)


def page_query(
    model: type[Any],
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[InstrumentedAttribute[Any]],
    params: ListParams,
    *,
    descending: bool = True,
    index: str | None = None,
) -> Select[Any]:
    """The SELECT of one page or cursor step, one row more than asked (it tells `has_more`).
    `index`: the index to walk, forced (see `db.invoices.list_index` for why)."""
    stmt = select(model).where(*conditions)
    if index is not None:
        stmt = stmt.with_hint(model, f"FORCE INDEX ({index})", "mysql")
    if params.after is not None:
        stmt = stmt.where(_after(order, _cursor_values(params.after, order), descending))
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in order))
    if params.page is not None:
        stmt = stmt.offset(params.offset)
    return stmt.limit(params.size + 1)


async def paginate(
    session: AsyncSession,
    model: type[Any],
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[InstrumentedAttribute[Any]],
    params: ListParams,
    *,
    descending: bool = True,
    index: str | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """The rows of one page or cursor step, and the envelope's other fields."""
    stmt = page_query(model, conditions, order, params, descending=descending, index=index)
    rows = list((await session.execute(stmt)).scalars().all())
    has_more = len(rows) > params.size
    rows = rows[: params.size]
    total: int | None = None
    if params.page is not None:
        count = select(func.count()).select_from(model).where(*conditions)
        total = int((await session.execute(count)).scalar_one())
    last = rows[-1] if rows else None
    next_cursor = (
        encode_cursor([getattr(last, c.key) for c in order]) if has_more and last else None
    )
    envelope = {
        "page": params.page,
        "page_size": params.size,
        "total": total,
        "has_more": has_more,
        "next_cursor": next_cursor,
    }
    return rows, envelope
