"""The event log and the webhook outbox: the one place events are built and stored.

`record_event` runs inside the caller's transaction (an activity holding the invoice row
`FOR UPDATE`, or the api inserting the invoice), so an event exists if and only if its change
does. Invoice events take the next `sequence` from `invoices.last_event_sequence` under that
lock: 1, 2, 3... with no gaps. The same transaction writes one `webhook_deliveries` row per
enabled endpoint whose filters match: the outbox the delivery workflows drain.

A tenant's reads of its log and outbox are `EventRepository(session, tenant_id)`'s; the
delivery workflows' and the sweeper's, keyed by (endpoint, invoice) pairs of any tenant, are
named `*_any_tenant`.
"""

from __future__ import annotations

import json
import secrets
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from db.models import Event, Invoice, WebhookDelivery, WebhookEndpoint
from domain.events import PING, matches
from domain.timeutil import iso_utc, to_naive_utc, utcnow

_ENDPOINTS_CACHE = "paytrust.webhook_endpoints"
# Outbox rows `record_event` added in the current task (an api request, an activity run).
_outbox_rows: ContextVar[int] = ContextVar("paytrust_outbox_rows", default=0)


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


async def record_event(
    session: AsyncSession,
    invoice: Invoice | None,
    event_type: str,
    obj: dict[str, Any],
    *,
    tenant_id: str | None = None,
    numbered: bool = False,
) -> Event:
    """Store one event (and its outbox rows) in the session's transaction. For an invoice
    event the caller holds the invoice row lock (or has just inserted the row). `numbered`:
    the invoice was inserted in this transaction with its first event counted
    (`insert_invoice(first_event_numbered=True)`): this is event 1 and the row is not updated
    (a second numbered event would be 1 again, which the unique sequence refuses)."""
    tenant = invoice.tenant_id if invoice is not None else tenant_id
    if tenant is None:
        raise ValueError("a tenant event needs tenant_id")
    sequence: int | None = None
    if invoice is not None and numbered:
        if invoice.last_event_sequence != 1:
            raise ValueError("numbered=True is the first event of an invoice inserted with it")
        sequence = 1
    elif invoice is not None:
        invoice.last_event_sequence = (invoice.last_event_sequence or 0) + 1
        sequence = invoice.last_event_sequence
        if "updated_at" not in inspect(invoice).unloaded:
            # Numbering an event is not a change of the invoice: keep `updated_at` as the
            # change set it (and loaded, rather than refreshed by its ON UPDATE default).
            flag_modified(invoice, "updated_at")
    now = to_naive_utc(utcnow())
    event = Event(
        public_id=new_event_id(),
        tenant_id=tenant,
        invoice_id=invoice.id if invoice is not None else None,
        sequence=sequence,
        type=event_type,
        data={"object": obj},
        created_at=now,
    )
    session.add(event)
    await session.flush()
    if event_type == PING:
        return event  # sent only to the endpoint that asked (POST .../test)
    for endpoint in await EventRepository(session, tenant).enabled_endpoints():
        if matches(endpoint.events, event_type):
            session.add(new_delivery(endpoint, event, now))
            _outbox_rows.set(_outbox_rows.get() + 1)
    return event


def outbox_rows_written() -> int:
    """How many outbox rows `record_event` added in this task (a request, an activity run):
    none, and there is nothing to hand to a delivery workflow after the commit."""
    return _outbox_rows.get()


def new_delivery(endpoint: WebhookEndpoint, event: Event, now: datetime) -> WebhookDelivery:
    return WebhookDelivery(
        tenant_id=event.tenant_id,
        endpoint_id=endpoint.id,
        event_id=event.id,
        invoice_key=event.invoice_id or 0,
        sequence=event.sequence or 0,
        status="pending",
        attempt_count=0,
        next_attempt_at=now,
        created_at=now,
    )


def forget_endpoints(session: AsyncSession) -> None:
    """After an endpoint changes in this transaction, the next event re-reads them."""
    session.info.pop(_ENDPOINTS_CACHE, None)


def event_resource(event: Event) -> dict[str, Any]:
    """The event as GET /events/{id} renders it and as webhooks carry it."""
    return {
        "id": event.public_id,
        "type": event.type,
        "created_at": iso_utc(event.created_at),
        "invoice_id": event.invoice_id,
        "sequence": event.sequence,
        "data": event.data,
    }


def event_body(event: Event) -> bytes:
    """The delivered body: compact, key order fixed, the same bytes on every attempt."""
    return json.dumps(event_resource(event), separators=(",", ":"), sort_keys=True).encode()


async def stranded_pairs_any_tenant(
    session: AsyncSession, *, unowned_before: datetime, overdue_before: datetime, limit: int
) -> list[tuple[int, int]]:
    """Every tenant's pairs whose deliveries nobody picked up (a crash between commit and
    hand-over) or whose next attempt is long overdue (their workflow is gone): the sweeper
    hands them over."""
    stmt = (
        select(WebhookDelivery.endpoint_id, WebhookDelivery.invoice_key)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookEndpoint.disabled.is_(False),
            or_(
                and_(
                    WebhookDelivery.dispatched_at.is_(None),
                    WebhookDelivery.created_at < to_naive_utc(unowned_before),
                ),
                and_(
                    WebhookDelivery.dispatched_at.is_not(None),
                    WebhookDelivery.next_attempt_at < to_naive_utc(overdue_before),
                ),
            ),
        )
        .distinct()
        .limit(limit)
    )
    return [(int(r[0]), int(r[1])) for r in (await session.execute(stmt)).all()]


async def claim_next_any_tenant(
    session: AsyncSession, endpoint_id: int, invoice_key: int
) -> WebhookDelivery | None:
    """The pair's pending delivery with the lowest sequence; every pending row of the pair is
    marked as owned by the caller's workflow. Keyed by the pair alone (the delivery workflow
    holds no tenant): the endpoint is one tenant's."""
    now = to_naive_utc(utcnow())
    await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.invoice_key == invoice_key,
            WebhookDelivery.status == "pending",
            WebhookDelivery.dispatched_at.is_(None),
        )
        .values(dispatched_at=now)
    )
    stmt = (
        select(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.invoice_key == invoice_key,
            WebhookDelivery.status == "pending",
        )
        .order_by(WebhookDelivery.sequence, WebhookDelivery.id)
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


class EventRepository:
    """One tenant's event log and outbox for a unit of work: the tenant is given once, here;
    another tenant's event is indistinguishable from a missing one."""

    __slots__ = ("session", "tenant_id")

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, public_id: str) -> Event | None:
        stmt = select(Event).where(Event.tenant_id == self.tenant_id, Event.public_id == public_id)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def newest(
        self,
        *,
        event_type: str | None,
        invoice_id: int | None,
        created_gte: datetime | None,
        created_lte: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[Event]:
        """Newest first; `before_id` is the cursor (the internal id of the last row seen)."""
        conditions = [Event.tenant_id == self.tenant_id]
        if event_type:
            conditions.append(Event.type == event_type)
        if invoice_id is not None:
            conditions.append(Event.invoice_id == invoice_id)
        if created_gte is not None:
            conditions.append(Event.created_at >= to_naive_utc(created_gte))
        if created_lte is not None:
            conditions.append(Event.created_at <= to_naive_utc(created_lte))
        if before_id is not None:
            conditions.append(Event.id < before_id)
        stmt = select(Event).where(*conditions).order_by(Event.id.desc()).limit(limit)
        return list((await self.session.execute(stmt)).scalars().all())

    async def enabled_endpoints(self) -> list[WebhookEndpoint]:
        """The tenant's live endpoints, read once per transaction (a change writes several
        events)."""
        cache: dict[str, list[WebhookEndpoint]] = self.session.info.setdefault(_ENDPOINTS_CACHE, {})
        if self.tenant_id not in cache:
            rows = await self.session.execute(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.tenant_id == self.tenant_id,
                    WebhookEndpoint.disabled.is_(False),
                )
            )
            cache[self.tenant_id] = list(rows.scalars().all())
        return cache[self.tenant_id]

    # --- the outbox --------------------------------------------------------------------------

    async def undispatched_pairs(self, invoice_id: int | None) -> list[tuple[int, int]]:
        """(endpoint, invoice key) pairs with deliveries no delivery workflow owns yet."""
        stmt = (
            select(WebhookDelivery.endpoint_id, WebhookDelivery.invoice_key)
            .where(
                WebhookDelivery.tenant_id == self.tenant_id,
                WebhookDelivery.invoice_key == (invoice_id or 0),
                WebhookDelivery.status == "pending",
                WebhookDelivery.dispatched_at.is_(None),
            )
            .distinct()
        )
        return [(int(r[0]), int(r[1])) for r in (await self.session.execute(stmt)).all()]

    async def count_pending(self, endpoint_id: int) -> int:
        stmt = (
            select(func.count())
            .select_from(WebhookDelivery)
            .where(
                WebhookDelivery.tenant_id == self.tenant_id,
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == "pending",
            )
        )
        return int((await self.session.execute(stmt)).scalar_one())
