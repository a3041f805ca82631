"""Housekeeping activities: purge expired idempotency keys (kept 24 h+, then removed)."""

from __future__ import annotations

from sqlalchemy import delete, select
from temporalio import activity

from contracts.maintenance import PurgeResult
from db.engine import SessionFactory, transaction
from db.models import IdempotencyKey
from domain.timeutil import to_naive_utc, utcnow


class MaintenanceActivities:
    def __init__(self, sessions: SessionFactory, batch_size: int = 1000) -> None:
        self._sessions = sessions
        self._batch = batch_size

    @activity.defn
    async def purge_expired_idempotency_keys(self) -> PurgeResult:
        """Delete expired keys in batches, so no statement holds locks for long."""
        deleted = 0
        while True:
            async with transaction(self._sessions) as session:
                ids = (
                    (
                        await session.execute(
                            select(IdempotencyKey.id)
                            .where(IdempotencyKey.expires_at < to_naive_utc(utcnow()))
                            .limit(self._batch)
                        )
                    )
                    .scalars()
                    .all()
                )
                if ids:
                    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id.in_(ids)))
            deleted += len(ids)
            activity.heartbeat(deleted)
            if len(ids) < self._batch:
                return PurgeResult(deleted=deleted)
