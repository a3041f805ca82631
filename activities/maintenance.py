"""Housekeeping activities: purge expired idempotency keys (kept 24 h+, then removed)."""

from __future__ import annotations

from temporalio import activity

from contracts.maintenance import PurgeResult
from db.engine import SessionFactory, transaction
from db.idempotency import AdminIdempotencyRepository
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
                batch = await AdminIdempotencyRepository(session).delete_expired_batch(
                    to_naive_utc(utcnow()), self._batch
                )
            deleted += batch
            activity.heartbeat(deleted)
            if batch < self._batch:
                return PurgeResult(deleted=deleted)
