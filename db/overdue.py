"""The overdue timer's read: has an installment's `installment.overdue` event been written?

(Kept apart from `db/events.py`, which the merchant-webhook work is changing in parallel; it
can move there at merge.)"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Event

OVERDUE_EVENT = "installment.overdue"


class OverdueEventRepository:
    """A tenant's `installment.overdue` events."""

    __slots__ = ("_session", "tenant_id")

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self.tenant_id = tenant_id

    async def already_written(self, invoice_id: int, installment_number: int) -> bool:
        stmt = (
            select(func.count())
            .select_from(Event)
            .where(
                Event.tenant_id == self.tenant_id,
                Event.invoice_id == invoice_id,
                Event.type == OVERDUE_EVENT,
                func.json_value(Event.data, "$.object.number") == installment_number,
            )
        )
        return bool((await self._session.execute(stmt)).scalar_one())
