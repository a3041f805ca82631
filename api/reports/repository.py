"""Report aggregation: GROUP BY in MySQL over the tenant's invoices in a creation-time range,
never loading invoices into Python. Every query leads with the tenant (index
ix_invoices_tenant_id_created_at)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GatewayConfig, Invoice, LineItem, PaymentDiscrepancy
from db.reports import EXCLUDED_STATUSES, category_of, read_rollups, whole_days

ZERO = Decimal(0)


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


async def financial_sums(
    session: AsyncSession, tenant_id: str, start: datetime, end: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(currency totals, tax breakdown, fee breakdown) as the three raw queries above return
    them, from the daily rollups (`db.reports`) for the whole UTC days of the range and from
    the raw rows for the partial days at its edges."""
    days = whole_days(start, end)
    if days is None:
        return (
            await currency_totals(session, tenant_id, start, end),
            await tax_breakdown(session, tenant_id, start, end),
            await fee_breakdown(session, tenant_id, start, end),
        )
    first, last = days
    edges = []
    head_end = datetime.combine(first, time.min) - timedelta(microseconds=1)
    if start <= head_end:
        edges.append((start, head_end))
    tail_start = datetime.combine(last, time.min) + timedelta(days=1)
    if tail_start <= end:
        edges.append((tail_start, end))
    rollup = await read_rollups(session, tenant_id, first, last)
    names = dict((await session.execute(select(GatewayConfig.id, GatewayConfig.name))).all())
    totals: dict[str, dict[str, Any]] = {}
    taxes: dict[tuple[str, Decimal, str | None], dict[str, Any]] = {}
    fees: dict[tuple[str, str], dict[str, Any]] = {}

    def add_total(row: dict[str, Any]) -> None:
        into = totals.setdefault(row["currency"], {"currency": row["currency"]})
        for name in TOTAL_FIELDS:
            into[name] = into.get(name, ZERO) + zero_if_none(row[name])

    def add_tax(row: dict[str, Any]) -> None:
        key = (row["currency"], row["tax_rate"], row["tax_category"])
        into = taxes.setdefault(
            key, {"currency": key[0], "tax_rate": key[1], "tax_category": key[2]}
        )
        for name in ("taxable_amount", "tax_amount"):
            into[name] = into.get(name, ZERO) + zero_if_none(row[name])

    def add_fee(row: dict[str, Any]) -> None:
        key = (row["currency"], row["gateway"])
        into = fees.setdefault(key, {"currency": key[0], "gateway": key[1], "amount": ZERO})
        into["amount"] += zero_if_none(row["amount"])

    for row in rollup.totals:
        add_total({**row, "service_fee_total": row["service_fee"]})
        add_fee(
            {
                "currency": row["currency"],
                "gateway": names[row["gateway_id"]],
                "amount": row["service_fee"],
            }
        )
    for row in rollup.taxes:
        add_tax({**row, "tax_category": category_of(row["tax_category_key"])})
    for lo, hi in edges:
        for row in await currency_totals(session, tenant_id, lo, hi):
            add_total(row)
        for row in await tax_breakdown(session, tenant_id, lo, hi):
            add_tax(row)
        for row in await fee_breakdown(session, tenant_id, lo, hi):
            add_fee(row)
    return (
        [totals[c] for c in sorted(totals)],
        [taxes[k] for k in sorted(taxes, key=lambda k: (k[0], k[1], k[2] or ""))],
        [fees[k] for k in sorted(fees)],
    )


TOTAL_FIELDS = (
    "invoice_count",
    "subtotal",
    "tax_total",
    "service_fee_total",
    "total",
    "amount_paid",
    "amount_refunded",
)
