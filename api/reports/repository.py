"""Report aggregation: GROUP BY in MySQL over the tenant's invoices in a creation-time range,
never loading invoices into Python. Every query leads with the tenant (index
ix_invoices_tenant_id_created_at)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GatewayConfig, Invoice, LineItem, PaymentDiscrepancy

EXCLUDED_STATUSES = ("draft", "cancelled")


def _in_range(tenant_id: str, start: datetime, end: datetime) -> list[Any]:
    return [
        Invoice.tenant_id == tenant_id,
        Invoice.created_at >= start,
        Invoice.created_at <= end,
        Invoice.status.not_in(EXCLUDED_STATUSES),
    ]


async def currency_totals(
    session: AsyncSession, tenant_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    stmt = (
        select(
            Invoice.currency,
            func.count().label("invoice_count"),
            func.sum(Invoice.subtotal).label("subtotal"),
            func.sum(Invoice.tax_total).label("tax_total"),
            func.sum(Invoice.service_fee).label("service_fee_total"),
            func.sum(Invoice.total).label("total"),
            func.sum(Invoice.amount_paid).label("amount_paid"),
            func.sum(Invoice.amount_refunded).label("amount_refunded"),
        )
        .where(*_in_range(tenant_id, start, end))
        .group_by(Invoice.currency)
        .order_by(Invoice.currency)
    )
    return [dict(row._mapping) for row in await session.execute(stmt)]


async def tax_breakdown(
    session: AsyncSession, tenant_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    stmt = (
        select(
            Invoice.currency,
            LineItem.tax_rate,
            LineItem.tax_category,
            func.sum(LineItem.subtotal).label("taxable_amount"),
            func.sum(LineItem.tax_amount).label("tax_amount"),
        )
        .join(
            LineItem,
            (LineItem.invoice_id == Invoice.id) & (LineItem.tenant_id == Invoice.tenant_id),
        )
        .where(*_in_range(tenant_id, start, end))
        .group_by(Invoice.currency, LineItem.tax_rate, LineItem.tax_category)
        .order_by(Invoice.currency, LineItem.tax_rate, LineItem.tax_category)
    )
    return [dict(row._mapping) for row in await session.execute(stmt)]


async def fee_breakdown(
    session: AsyncSession, tenant_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    # Grouped by gateway id over the tenant's invoices only (no join: a join let the planner
    # start from gateway_configs and scan every tenant's invoices); names come from the
    # two-row gateway table.
    stmt = (
        select(
            Invoice.currency,
            Invoice.gateway_id,
            func.sum(Invoice.service_fee).label("amount"),
        )
        .where(*_in_range(tenant_id, start, end))
        .group_by(Invoice.currency, Invoice.gateway_id)
    )
    names = dict((await session.execute(select(GatewayConfig.id, GatewayConfig.name))).all())
    rows = [
        {"currency": row.currency, "gateway": names[row.gateway_id], "amount": row.amount}
        for row in await session.execute(stmt)
    ]
    return sorted(rows, key=lambda r: (r["currency"], r["gateway"]))


async def received_after_close(
    session: AsyncSession, tenant_id: str, start: datetime, end: datetime
) -> dict[str, Decimal]:
    """Per currency: money received on invoices (created in the range) after they were
    cancelled or expired: their `paid_after_close` discrepancies, whatever the status now."""
    stmt = (
        select(Invoice.currency, func.sum(PaymentDiscrepancy.paid_amount).label("amount"))
        .join(
            PaymentDiscrepancy,
            (PaymentDiscrepancy.invoice_id == Invoice.id)
            & (PaymentDiscrepancy.tenant_id == Invoice.tenant_id),
        )
        .where(
            Invoice.tenant_id == tenant_id,
            Invoice.created_at >= start,
            Invoice.created_at <= end,
            PaymentDiscrepancy.type == "paid_after_close",
        )
        .group_by(Invoice.currency)
    )
    return {row.currency: row.amount for row in await session.execute(stmt)}


def zero_if_none(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal(0)
