"""Payments of one tenant: the payment links issued at gateways (`gateway_payments`), the
payments gateways reported (`payment_transactions`, `payment_discrepancies`) and the refunds
they reported (`refunds`).

`PaymentRepository(session, tenant_id)` is bound to the tenant for the unit of work. The
gateway's own keys (a link's reference, a transaction id, a refund id) are unique per gateway
whoever the row belongs to, so the `*_by_gateway_key` lookups deliberately do not filter by
tenant: a gateway fact is recorded once. The `record_*` methods write what a decision of
`domain.payments` returned.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GatewayPayment, Invoice, PaymentDiscrepancy, PaymentTransaction, Refund
from domain.payments import AppliedPayment, AppliedRefund, RecordedPayment, RejectedPayment
from domain.timeutil import to_naive_utc

SelectT = TypeVar("SelectT", bound=Select[Any])

# Payments a refund may still draw on.
REFUNDABLE_STATUSES = ("paid", "partially_refunded")


class PaymentRepository:
    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- payment links -------------------------------------------------------------------------

    async def live_link(
        self, invoice_id: int, installment_number: int | None
    ) -> GatewayPayment | None:
        """The newest live link of the invoice as a whole (None) or of one installment."""
        stmt = self._live(invoice_id).order_by(GatewayPayment.id.desc())
        result = await self.session.execute(_for_installment(stmt, installment_number))
        return result.scalars().first()

    async def live_links(self, invoice_id: int) -> list[GatewayPayment]:
        return list((await self.session.execute(self._live(invoice_id))).scalars().all())

    async def count_attempts(self, invoice_id: int, installment_number: int | None) -> int:
        """How many links were ever made for the invoice as a whole or for one installment."""
        stmt = (
            select(func.count())
            .select_from(GatewayPayment)
            .where(
                GatewayPayment.tenant_id == self.tenant_id,
                GatewayPayment.invoice_id == invoice_id,
            )
        )
        result = await self.session.execute(_for_installment(stmt, installment_number))
        return int(result.scalar_one())

    async def link_by_gateway_key(self, gateway_id: int, reference: str) -> GatewayPayment | None:
        """The link the gateway knows by `reference` (unique per gateway)."""
        stmt = select(GatewayPayment).where(
            GatewayPayment.gateway_id == gateway_id, GatewayPayment.reference == reference
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    def add_link(self, invoice: Invoice, **columns: object) -> GatewayPayment:
        """A new live link of the invoice (`columns`: the link as the gateway made it)."""
        link = GatewayPayment(
            tenant_id=self.tenant_id,
            invoice_id=invoice.id,
            gateway_id=invoice.gateway_id,
            status="live",
            **columns,
        )
        self.session.add(link)
        return link

    async def close_live_link(
        self, invoice_id: int, reference: str, status: str
    ) -> GatewayPayment | None:
        """Mark the invoice's link `reference` `status` (paid, expired) if it is still live:
        the link, or None if it was not live (or not this invoice's)."""
        stmt = (
            select(GatewayPayment)
            .where(
                GatewayPayment.tenant_id == self.tenant_id,
                GatewayPayment.invoice_id == invoice_id,
                GatewayPayment.reference == reference,
            )
            .with_for_update()
        )
        row = (await self.session.execute(stmt)).scalar_one_or_none()
        if row is not None and row.status == "live":
            row.status = status
            return row
        return None

    async def retire_live_links(self, invoice_id: int, status: str) -> list[str]:
        """Mark every live link of the invoice `status`: their references, for the workflow to
        expire at the gateway."""
        stale = []
        for link in await self.live_links(invoice_id):
            link.status = status
            stale.append(link.reference)
        return stale

    def _live(self, invoice_id: int) -> Select[GatewayPayment]:
        return select(GatewayPayment).where(
            GatewayPayment.tenant_id == self.tenant_id,
            GatewayPayment.invoice_id == invoice_id,
            GatewayPayment.status == "live",
        )

    # --- payments reported -----------------------------------------------------------------

    async def transaction_by_gateway_key(
        self, gateway_id: int, gateway_transaction_id: str
    ) -> PaymentTransaction | None:
        """The payment already recorded under the gateway's transaction id, if any."""
        stmt = select(PaymentTransaction).where(
            PaymentTransaction.gateway_id == gateway_id,
            PaymentTransaction.gateway_transaction_id == gateway_transaction_id,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def record_rejected(
        self,
        invoice: Invoice,
        outcome: RejectedPayment,
        *,
        gateway_transaction_id: str,
        reference: str,
        installment_number: int | None,
        paid_at: datetime,
    ) -> PaymentTransaction:
        """A payment in another currency, recorded as failed with the reason (FR-024)."""
        return await self._add(
            PaymentTransaction(
                tenant_id=self.tenant_id,
                invoice_id=invoice.id,
                installment_number=installment_number,
                gateway_id=invoice.gateway_id,
                gateway_transaction_id=gateway_transaction_id,
                gateway_reference=reference,
                amount=outcome.amount,
                currency=outcome.currency.value,
                status="failed",
                overpayment_amount=Decimal(0),
                refunded_amount=Decimal(0),
                failure_reason=outcome.reason,
                paid_at=to_naive_utc(paid_at),
            )
        )

    async def record_payment(
        self,
        invoice: Invoice,
        outcome: AppliedPayment,
        *,
        gateway_transaction_id: str,
        reference: str,
        paid_at: datetime,
    ) -> tuple[PaymentTransaction, PaymentDiscrepancy | None]:
        """The applied payment's transaction and, if it differs from what was asked, its
        discrepancy."""
        txn = await self._add(
            PaymentTransaction(
                tenant_id=self.tenant_id,
                invoice_id=invoice.id,
                installment_number=outcome.installment_number,
                gateway_id=invoice.gateway_id,
                gateway_transaction_id=gateway_transaction_id,
                gateway_reference=reference,
                amount=outcome.amount,
                currency=invoice.currency,
                status="paid",
                expected_amount=outcome.expected,
                overpayment_amount=outcome.overpayment,
                refunded_amount=Decimal(0),
                paid_at=to_naive_utc(paid_at),
            )
        )
        discrepancy = outcome.discrepancy
        if discrepancy is None:
            return txn, None
        row = PaymentDiscrepancy(
            tenant_id=self.tenant_id,
            invoice_id=invoice.id,
            transaction_id=txn.id,
            installment_number=txn.installment_number,
            expected_amount=discrepancy.expected_amount,
            paid_amount=discrepancy.paid_amount,
            difference=discrepancy.difference,
            type=discrepancy.type,
        )
        self.session.add(row)
        return txn, row

    async def _add(self, txn: PaymentTransaction) -> PaymentTransaction:
        self.session.add(txn)
        await self.session.flush()  # its id, for the discrepancy and the result
        return txn

    # --- refunds reported ------------------------------------------------------------------

    async def lock_refundable(
        self, invoice_id: int, gateway_transaction_id: str | None, reference: str
    ) -> PaymentTransaction | None:
        """The invoice's payment a refund draws on, locked: the one with the gateway's
        transaction id if given and found, else the first made through the link `reference`."""
        candidates = select(PaymentTransaction).where(
            PaymentTransaction.tenant_id == self.tenant_id,
            PaymentTransaction.invoice_id == invoice_id,
            PaymentTransaction.status.in_(REFUNDABLE_STATUSES),
        )
        if gateway_transaction_id:
            by_txn = candidates.where(
                PaymentTransaction.gateway_transaction_id == gateway_transaction_id
            ).with_for_update()
            found = (await self.session.execute(by_txn)).scalar_one_or_none()
            if found is not None:
                return found
        by_reference = (
            candidates.where(PaymentTransaction.gateway_reference == reference)
            .order_by(PaymentTransaction.id)
            .with_for_update()
        )
        return (await self.session.execute(by_reference)).scalars().first()

    def record_refund(
        self,
        invoice: Invoice,
        payment: PaymentTransaction,
        outcome: AppliedRefund,
        *,
        gateway_refund_id: str,
        reason: str | None,
        refunded_at: datetime,
    ) -> Refund:
        """The refund row, and the payment it drew on updated (refunded amount, status)."""
        refund = Refund(
            tenant_id=self.tenant_id,
            invoice_id=invoice.id,
            transaction_id=payment.id,
            gateway_id=invoice.gateway_id,
            gateway_refund_id=gateway_refund_id,
            refund_amount=outcome.amount,
            currency=invoice.currency,
            refund_reason=reason[:255] if reason else None,
            refund_timestamp=to_naive_utc(refunded_at),
            source="gateway",
            status="succeeded",
            settled_at=to_naive_utc(refunded_at),
        )
        self.session.add(refund)
        payment.refunded_amount = outcome.refunded_amount
        payment.status = outcome.payment_status
        return refund


def recorded_payment(txn: PaymentTransaction | None) -> RecordedPayment | None:
    """A recorded payment as the refund decision sees it."""
    if txn is None:
        return None
    return RecordedPayment(txn.id, txn.amount, txn.refunded_amount)


def _for_installment(stmt: SelectT, installment_number: int | None) -> SelectT:
    if installment_number is None:
        return stmt.where(GatewayPayment.installment_number.is_(None))
    return stmt.where(GatewayPayment.installment_number == installment_number)
