"""Refund rows and the payments they draw on: all refund SQL, bound to one tenant.

Writers hold the invoice row `FOR UPDATE` first (the activities do), then lock the payments and
refund rows they change, always in that order, so concurrent refunds and payments of one
invoice serialize and never deadlock. Admin-wide reads are the module-level functions at the
end, named for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import PaymentTransaction, Refund
from domain.refunds import PENDING, PaidPayment
from domain.timeutil import ensure_utc, to_naive_utc

# Payments a refund can draw on (a payment refused for its currency never counts).
REFUNDABLE_TRANSACTION_STATUSES = ("paid", "partially_refunded", "refunded")


class RefundRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- payments --------------------------------------------------------------------------

    async def refundable_payments(
        self, invoice_id: int, *, for_update: bool = False
    ) -> list[PaymentTransaction]:
        stmt = (
            select(PaymentTransaction)
            .where(
                PaymentTransaction.tenant_id == self.tenant_id,
                PaymentTransaction.invoice_id == invoice_id,
                PaymentTransaction.status.in_(REFUNDABLE_TRANSACTION_STATUSES),
            )
            .order_by(PaymentTransaction.id)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt)).scalars().all())

    async def payment(
        self, transaction_id: int, *, for_update: bool = False
    ) -> PaymentTransaction | None:
        stmt = select(PaymentTransaction).where(
            PaymentTransaction.tenant_id == self.tenant_id,
            PaymentTransaction.id == transaction_id,
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def payment_for_event(
        self, invoice_id: int, gateway_transaction_id: str | None, reference: str
    ) -> PaymentTransaction | None:
        """The paid payment a gateway-reported refund is for: by the gateway's transaction id,
        else the first paid payment of the link `reference`."""
        candidates = select(PaymentTransaction).where(
            PaymentTransaction.tenant_id == self.tenant_id,
            PaymentTransaction.invoice_id == invoice_id,
            PaymentTransaction.status.in_(("paid", "partially_refunded")),
        )
        if gateway_transaction_id:
            found = (
                await self.session.execute(
                    candidates.where(
                        PaymentTransaction.gateway_transaction_id == gateway_transaction_id
                    ).with_for_update()
                )
            ).scalar_one_or_none()
            if found is not None:
                return found
        rows = await self.session.execute(
            candidates.where(PaymentTransaction.gateway_reference == reference)
            .order_by(PaymentTransaction.id)
            .with_for_update()
        )
        return rows.scalars().first()

    async def paid_payments(self, invoice_id: int) -> list[PaidPayment]:
        """The invoice's payments with what is refunded and reserved on each (locked)."""
        payments = await self.refundable_payments(invoice_id, for_update=True)
        reserved = await self.reserved_by_payment(invoice_id)
        return [
            PaidPayment(
                transaction_id=p.id,
                amount=p.amount,
                refunded=p.refunded_amount,
                reserved=reserved.get(p.id, Decimal(0)),
                paid_at=ensure_utc(p.paid_at) if p.paid_at is not None else None,
            )
            for p in payments
        ]

    async def reserved_by_payment(self, invoice_id: int) -> dict[int, Decimal]:
        """Pending refunds per payment: deducted from what is refundable until they settle."""
        stmt = (
            select(Refund.transaction_id, func.sum(Refund.refund_amount))
            .where(
                Refund.tenant_id == self.tenant_id,
                Refund.invoice_id == invoice_id,
                Refund.status == PENDING,
            )
            .group_by(Refund.transaction_id)
        )
        return {int(t): Decimal(a) for t, a in (await self.session.execute(stmt)).all()}

    # --- refund rows -----------------------------------------------------------------------

    def add(self, refund: Refund) -> Refund:
        if refund.tenant_id != self.tenant_id:
            raise ValueError("a refund of another tenant")
        self.session.add(refund)
        return refund

    async def request_parts(
        self, invoice_id: int, request_id: str, *, for_update: bool = False
    ) -> list[Refund]:
        stmt = (
            select(Refund)
            .where(
                Refund.tenant_id == self.tenant_id,
                Refund.invoice_id == invoice_id,
                Refund.request_id == request_id,
            )
            .order_by(Refund.id)
            .execution_options(populate_existing=True)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return list((await self.session.execute(stmt)).scalars().all())

    async def part(
        self, invoice_id: int, refund_key: str, *, for_update: bool = False
    ) -> Refund | None:
        """One part of a merchant refund, by the key it is sent to the gateway with."""
        stmt = (
            select(Refund)
            .where(
                Refund.tenant_id == self.tenant_id,
                Refund.invoice_id == invoice_id,
                Refund.refund_key == refund_key,
            )
            .execution_options(populate_existing=True)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_gateway_keys(
        self, invoice_id: int, gateway_id: int, keys: Iterable[str | None]
    ) -> Refund | None:
        """The refund of the invoice a gateway notification names, locked: by the gateway's
        refund id or by the key we sent it (Midtrans echoes refund_key, Xendit reference_id)."""
        wanted = sorted({key for key in keys if key})
        if not wanted:
            return None
        stmt = (
            select(Refund)
            .where(
                Refund.tenant_id == self.tenant_id,
                Refund.invoice_id == invoice_id,
                Refund.gateway_id == gateway_id,
                or_(Refund.gateway_refund_id.in_(wanted), Refund.refund_key.in_(wanted)),
            )
            .order_by(Refund.id)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def for_invoice(self, invoice_id: int) -> list[Refund]:
        stmt = (
            select(Refund)
            .where(Refund.tenant_id == self.tenant_id, Refund.invoice_id == invoice_id)
            .order_by(Refund.id)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def pending_requests(self, requested_before: datetime, limit: int) -> list[Refund]:
        """This tenant's pending refund parts asked for before `requested_before`."""
        return await _pending(self.session, requested_before, limit, tenant_id=self.tenant_id)


# --- admin-wide reads (every tenant) -------------------------------------------------------


async def pending_refunds_for_admin(
    session: AsyncSession, requested_before: datetime, limit: int
) -> list[Refund]:
    """Every tenant's pending refund parts asked for before `requested_before`, oldest first."""
    return await _pending(session, requested_before, limit, tenant_id=None)


async def request_owner_for_admin(session: AsyncSession, request_id: str) -> tuple[str, int] | None:
    """(tenant, invoice) of a merchant refund, for an operator naming it by id."""
    stmt = (
        select(Refund.tenant_id, Refund.invoice_id)
        .where(Refund.request_id == request_id)
        .order_by(Refund.id)
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return (str(row[0]), int(row[1])) if row is not None else None


async def _pending(
    session: AsyncSession, requested_before: datetime, limit: int, *, tenant_id: str | None
) -> list[Refund]:
    conditions = [Refund.status == PENDING, Refund.requested_at < to_naive_utc(requested_before)]
    if tenant_id is not None:
        conditions.append(Refund.tenant_id == tenant_id)
    stmt = select(Refund).where(*conditions).order_by(Refund.requested_at, Refund.id).limit(limit)
    return list((await session.execute(stmt)).scalars().all())
