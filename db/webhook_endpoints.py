"""A tenant's webhook endpoints and their deliveries (API.md "Events and merchant webhooks"):
every statement the /webhook-endpoints api needs, scoped to one tenant."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, Event, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint


class WebhookEndpointRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self._tenant_id = tenant_id

    async def lock_tenant(self) -> None:
        """Serialize the tenant's endpoint registrations until the transaction ends. There is no
        tenants table; the tenant's API key rows stand in for it (a caller authenticated with
        one, so there is at least one): `SELECT ... FOR UPDATE` on them, in id order (no
        deadlock between two registrations)."""
        await self._session.execute(
            select(ApiKey.id)
            .where(ApiKey.tenant_id == self._tenant_id)
            .order_by(ApiKey.id)
            .with_for_update()
        )

    async def count(self) -> int:
        found = await self._session.execute(
            select(func.count())
            .select_from(WebhookEndpoint)
            .where(WebhookEndpoint.tenant_id == self._tenant_id)
        )
        return int(found.scalar_one())

    async def add(self, row: WebhookEndpoint) -> WebhookEndpoint:
        if row.tenant_id != self._tenant_id:
            raise ValueError("endpoint belongs to another tenant")
        self._session.add(row)
        await self._session.flush()
        return row

    async def get(self, endpoint_id: int, *, for_update: bool = False) -> WebhookEndpoint | None:
        stmt = select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.tenant_id == self._tenant_id
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def all(self) -> list[WebhookEndpoint]:
        rows = await self._session.execute(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.tenant_id == self._tenant_id)
            .order_by(WebhookEndpoint.id)
        )
        return list(rows.scalars())

    async def delete(self, row: WebhookEndpoint) -> None:
        await self._session.delete(row)

    async def reopen_pending(self, endpoint_id: int) -> list[int]:
        """Mark the endpoint's pending deliveries as owned by nobody (they are handed over
        again); returns the invoice keys they belong to."""
        await self._session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.tenant_id == self._tenant_id,
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == "pending",
            )
            .values(dispatched_at=None)
        )
        found = await self._session.execute(
            select(WebhookDelivery.invoice_key)
            .where(
                WebhookDelivery.tenant_id == self._tenant_id,
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == "pending",
            )
            .distinct()
        )
        return [int(key) for key in found.scalars()]

    async def deliveries(
        self,
        endpoint_id: int,
        *,
        status: str | None,
        event_id: str | None,
        before_id: int | None,
        limit: int,
    ) -> list[tuple[WebhookDelivery, Event]]:
        """The endpoint's deliveries with their events, newest first (`limit` rows)."""
        conditions = [
            WebhookDelivery.tenant_id == self._tenant_id,
            WebhookDelivery.endpoint_id == endpoint_id,
        ]
        if status:
            conditions.append(WebhookDelivery.status == status)
        if event_id:
            conditions.append(Event.public_id == event_id)
        if before_id is not None:
            conditions.append(WebhookDelivery.id < before_id)
        rows = await self._session.execute(
            select(WebhookDelivery, Event)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(*conditions)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
        return [(d, e) for d, e in rows.all()]

    async def attempts(
        self, delivery_ids: Sequence[int]
    ) -> dict[int, list[WebhookDeliveryAttempt]]:
        out: dict[int, list[WebhookDeliveryAttempt]] = {}
        if not delivery_ids:
            return out
        found = await self._session.execute(
            select(WebhookDeliveryAttempt)
            .where(
                WebhookDeliveryAttempt.tenant_id == self._tenant_id,
                WebhookDeliveryAttempt.delivery_id.in_(list(delivery_ids)),
            )
            .order_by(WebhookDeliveryAttempt.id)
        )
        for attempt in found.scalars():
            out.setdefault(attempt.delivery_id, []).append(attempt)
        return out

    async def lock_delivery(
        self, endpoint_id: int, delivery_id: int
    ) -> tuple[WebhookDelivery, Event] | None:
        found = await self._session.execute(
            select(WebhookDelivery, Event)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.tenant_id == self._tenant_id,
            )
            .with_for_update()
        )
        row = found.one_or_none()
        return None if row is None else (row[0], row[1])
