"""Transaction archival (NFR-007): payment transactions older than 7 years, in final states,
move to `archive_transactions` in batches. Each batch is one transaction (copy, then delete),
so a crash mid-batch loses and duplicates nothing; a re-run skips what already moved."""

from __future__ import annotations

import logging

from sqlalchemy import delete, insert, literal, select
from temporalio import activity

from contracts.maintenance import ArchiveBatchInput, ArchiveBatchResult
from db.engine import SessionFactory, transaction
from db.models import ArchiveTransaction, PaymentTransaction
from domain.timeutil import to_naive_utc, utcnow

logger = logging.getLogger("paytrust.activities.archival")

FINAL_TRANSACTION_STATUSES = ("paid", "failed", "expired", "refunded", "partially_refunded")
COLUMNS = [
    "id",
    "tenant_id",
    "invoice_id",
    "installment_number",
    "gateway_id",
    "gateway_transaction_id",
    "gateway_reference",
    "amount",
    "currency",
    "status",
    "expected_amount",
    "overpayment_amount",
    "refunded_amount",
    "failure_reason",
    "paid_at",
    "created_at",
    "updated_at",
]


class ArchivalActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @activity.defn
    async def archive_transactions_batch(self, inp: ArchiveBatchInput) -> ArchiveBatchResult:
        """Move up to `batch_size` transactions created before `cutoff`; 0 when none is left."""
        async with transaction(self._sessions) as session:
            ids = list(
                (
                    await session.execute(
                        select(PaymentTransaction.id)
                        .where(
                            PaymentTransaction.created_at < to_naive_utc(inp.cutoff),
                            PaymentTransaction.status.in_(FINAL_TRANSACTION_STATUSES),
                        )
                        .order_by(PaymentTransaction.id)
                        .limit(inp.batch_size)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if not ids:
                return ArchiveBatchResult(moved=0)
            source = [getattr(PaymentTransaction, name) for name in COLUMNS]
            await session.execute(
                insert(ArchiveTransaction)
                .from_select(
                    [*COLUMNS, "archived_at"],
                    select(*source, literal(to_naive_utc(utcnow()))).where(
                        PaymentTransaction.id.in_(ids)
                    ),
                )
                .prefix_with("IGNORE")  # already archived by a run that crashed before delete
            )
            await session.execute(delete(PaymentTransaction).where(PaymentTransaction.id.in_(ids)))
        logger.info("archived %s payment transactions", len(ids), extra={"moved": len(ids)})
        activity.heartbeat(len(ids))
        return ArchiveBatchResult(moved=len(ids))
