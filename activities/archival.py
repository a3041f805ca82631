"""Transaction archival (NFR-007): payment transactions older than 7 years, in final states,
move to `archive_transactions` in batches. Each batch is one transaction (copy, then delete),
so a crash mid-batch loses and duplicates nothing; a re-run skips what already moved. The
statements are `db/archival.py`'s."""

from __future__ import annotations

import logging

from temporalio import activity

from contracts.maintenance import ArchiveBatchInput, ArchiveBatchResult
from db.archival import AdminArchivalRepository
from db.engine import SessionFactory, transaction
from domain.timeutil import to_naive_utc, utcnow

logger = logging.getLogger("paytrust.activities.archival")


class ArchivalActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    async def archive_transactions_batch(self, inp: ArchiveBatchInput) -> ArchiveBatchResult:
        """Move up to `batch_size` transactions created before `cutoff`; 0 when none is left."""
        async with transaction(self._sessions) as session:
            moved = await AdminArchivalRepository(session).move_batch(
                to_naive_utc(inp.cutoff), inp.batch_size, to_naive_utc(utcnow())
            )
        if not moved:
            return ArchiveBatchResult(moved=0)
        logger.info("archived %s payment transactions", moved, extra={"moved": moved})
        activity.heartbeat(moved)
        return ArchiveBatchResult(moved=moved)
