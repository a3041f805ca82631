"""The statements of a list page (API.md "Conventions"): OFFSET paging with a total, or keyset
paging after a cursor on the list's order (stable while new rows arrive, no OFFSET scan and no
`COUNT(*)`). The api owns the query parameters and the cursor's wire encoding
(`api/pagination.py`); repositories call `fetch_page` with their tenant's conditions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.timeutil import parse_iso, to_naive_utc


class InvalidCursor(ValueError):
    """`starting_after` is not a cursor of this list (the api answers 422 naming it)."""


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


@dataclass(frozen=True, slots=True)
class PageRows:
    """One page: its rows, whether more follow, the total (page mode only) and the order key
    of its last row when more follow (what the next cursor encodes)."""

    rows: list[Any]
    has_more: bool
    total: int | None
    next_key: list[Any] | None


def _cursor_values(
    after: tuple[Any, ...], order: Sequence[InstrumentedAttribute[Any]]
) -> list[object]:
    if len(after) != len(order):
        raise InvalidCursor("starting_after is not a cursor of this list")
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
            raise InvalidCursor("starting_after is not a valid cursor") from None
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


async def fetch_page(
    session: AsyncSession,
    model: type[Any],
    conditions: Sequence[ColumnElement[bool]],
    order: Sequence[InstrumentedAttribute[Any]],
    params: ListParams,
    *,
    descending: bool = True,
    index: str | None = None,
) -> PageRows:
    """The rows of one page or cursor step (and, in page mode, the matching total)."""
    stmt = page_query(model, conditions, order, params, descending=descending, index=index)
    rows = list((await session.execute(stmt)).scalars().all())
    has_more = len(rows) > params.size
    rows = rows[: params.size]
    total: int | None = None
    if params.page is not None:
        count = select(func.count()).select_from(model).where(*conditions)
        total = int((await session.execute(count)).scalar_one())
    last = rows[-1] if rows else None
    next_key = [getattr(last, c.key) for c in order] if has_more and last is not None else None
    return PageRows(rows=rows, has_more=has_more, total=total, next_key=next_key)
