"""The webhook delivery worker's statements (activities/deliveries.py). The worker is handed
ids (a delivery workflow owns one (endpoint, invoice) pair), not a tenant, so these are
cross-tenant by id; each row it loads carries its tenant, and attempts are written with the
delivery's tenant."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def endpoint_any_tenant(self, endpoint_id: int) -> WebhookEndpoint | None:
        return await self._session.get(WebhookEndpoint, endpoint_id)

    async def attempt_context_any_tenant(
        self, delivery_id: int
    ) -> tuple[WebhookDelivery, WebhookEndpoint, Event] | None:
        """The delivery with its endpoint and event (what one POST needs)."""
        found = await self._session.execute(
            select(WebhookDelivery, WebhookEndpoint, Event)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id == delivery_id)
        )
        row = found.one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    async def lock_for_record_any_tenant(
        self, delivery_id: int
    ) -> tuple[WebhookDelivery, WebhookEndpoint] | None:
        """The delivery and its endpoint, locked (delivery first, then endpoint), to record an
        attempt."""
        delivery = (
            await self._session.execute(
                select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
            )
        ).scalar_one_or_none()
        if delivery is None:
            return None
        endpoint = (
            await self._session.execute(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.id == delivery.endpoint_id)
                .with_for_update()
            )
        ).scalar_one()
        return delivery, endpoint

    def add_attempt(self, delivery: WebhookDelivery, attempt: WebhookDeliveryAttempt) -> None:
        attempt.tenant_id = delivery.tenant_id
        attempt.delivery_id = delivery.id
        self._session.add(attempt)

    async def event_of(self, delivery: WebhookDelivery) -> Event | None:
        return await self._session.get(Event, delivery.event_id)
