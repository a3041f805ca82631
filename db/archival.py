"""All SQL of transaction archival (NFR-007): payment transactions older than 7 years, in
final states, move to `archive_transactions` in batches.

Archival spans every tenant by design (a retention rule, not a tenant's request), so its
repository is `AdminArchivalRepository(session)`: each row keeps its own tenant_id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ArchiveTransaction, PaymentTransaction

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


class AdminArchivalRepository:
    """Every tenant's payment transactions, for archival."""

    __slots__ = ("_session",)

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def move_batch(self, cutoff: datetime, batch_size: int, archived_at: datetime) -> int:
        """Copy up to `batch_size` final transactions created before `cutoff` (naive UTC) into
        the archive and delete them, in the caller's transaction; how many moved. Rows
        another archiver holds are skipped (SKIP LOCKED); rows already archived by a run that
        crashed before its delete are not copied twice (INSERT IGNORE)."""
        ids = list(
            (
                await self._session.execute(
                    select(PaymentTransaction.id)
                    .where(
                        PaymentTransaction.created_at < cutoff,
                        PaymentTransaction.status.in_(FINAL_TRANSACTION_STATUSES),
                    )
                    .order_by(PaymentTransaction.id)
                    .limit(batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).scalars()
        )
        if not ids:
            return 0
        source = [getattr(PaymentTransaction, name) for name in COLUMNS]
        await self._session.execute(
            insert(ArchiveTransaction)
            .from_select(
                [*COLUMNS, "archived_at"],
                select(*source, literal(archived_at)).where(PaymentTransaction.id.in_(ids)),
            )
            .prefix_with("IGNORE")
        )
        await self._session.execute(
            delete(PaymentTransaction).where(PaymentTransaction.id.in_(ids))
        )
        return len(ids)
