"""GET /events and GET /events/{id} (API.md "Events and merchant webhooks"): the tenant's
event log, newest first, walked with cursors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from api.deps import PrincipalDep, SessionDep
from api.errors import NotFound, responses
from api.pagination import decode_id_cursor, encode_id_cursor, reject_unknown_query
from db import events as repo
from domain.events import EVENT_TYPES, PING

router = APIRouter(prefix="/events", tags=["events"], dependencies=[Depends(reject_unknown_query)])

MAX_LIMIT = 200
EventType = Annotated[
    str | None,
    Query(
        description="One event type: " + ", ".join(EVENT_TYPES),
        pattern="^(" + "|".join(t.replace(".", r"\.") for t in (*EVENT_TYPES, PING)) + ")$",
    ),
]


class EventOut(BaseModel):
    id: str
    type: str
    created_at: str
    invoice_id: int | None
    sequence: int | None
    data: dict[str, Any]


class EventList(BaseModel):
    data: list[EventOut]
    has_more: bool
    next_cursor: str | None


@router.get("", response_model=EventList, responses=responses(401, 422, 429))
async def list_events(
    session: SessionDep,
    principal: PrincipalDep,
    type: EventType = None,
    invoice_id: Annotated[int | None, Query(ge=1)] = None,
    created_gte: datetime | None = None,
    created_lte: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    starting_after: Annotated[str | None, Query(max_length=100)] = None,
) -> EventList:
    """The tenant's events, newest first. Pass `next_cursor` as `starting_after` for the next
    page; the walk is stable while new events arrive."""
    rows = await repo.EventRepository(session, principal.tenant_id).newest(
        event_type=type,
        invoice_id=invoice_id,
        created_gte=created_gte,
        created_lte=created_lte,
        before_id=decode_id_cursor(starting_after) if starting_after else None,
        limit=limit + 1,
    )
    page = rows[:limit]
    has_more = len(rows) > limit
    return EventList(
        data=[EventOut.model_validate(repo.event_resource(row)) for row in page],
        has_more=has_more,
        next_cursor=encode_id_cursor(page[-1].id) if has_more and page else None,
    )


@router.get("/{event_id}", response_model=EventOut, responses=responses(401, 404, 429))
async def get_event(event_id: str, session: SessionDep, principal: PrincipalDep) -> EventOut:
    row = await repo.EventRepository(session, principal.tenant_id).get(event_id[:40])
    if row is None:
        raise NotFound(f"Event {event_id} not found")
    return EventOut.model_validate(repo.event_resource(row))
