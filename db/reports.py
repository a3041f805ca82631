"""The financial report's daily rollups, kept in step with invoice money.

`report_daily_totals` holds, per (tenant, currency, UTC creation day, gateway), the count and
sums of the invoices the report counts (every status but draft and cancelled);
`report_daily_taxes` the same invoices' lines per (tenant, currency, day, tax rate, category).
`report_invoice_state` remembers what each counted invoice has added, so a change adds exactly
its difference.

`sync_report_rollup(session, invoice)` is the one entry point: call it in the transaction that
changed an invoice's money or status, after the change (it flushes). It is idempotent, so an
extra call costs a primary-key read and changes nothing. The rows it touches are upserted in
key order, after the invoice row lock the callers hold, so concurrent changes never deadlock.

Lines are read only when an invoice starts or stops being counted: lines change only on
drafts, which are never counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import GatewayConfig, Invoice, LineItem, PaymentDiscrepancy

EXCLUDED_STATUSES = ("draft", "cancelled")
AMOUNTS = ("subtotal", "tax_total", "service_fee", "total", "amount_paid", "amount_refunded")


def counted(status: str) -> bool:
    """Does the financial report count an invoice in this status?"""
    return status not in EXCLUDED_STATUSES


def category_key(category: str | None) -> str:
    return "" if category is None else "=" + category


def category_of(key: str) -> str | None:
    return None if key == "" else key[1:]


_STATE = text(
    "SELECT subtotal, tax_total, service_fee, total, amount_paid, amount_refunded "
    "FROM report_invoice_state WHERE invoice_id = :invoice_id"
)
_ADD_TOTALS = text(
    """
    INSERT INTO report_daily_totals
        (tenant_id, currency, day, gateway_id, invoice_count, subtotal, tax_total,
         service_fee, total, amount_paid, amount_refunded)
    VALUES (:tenant_id, :currency, :day, :gateway_id, :invoice_count, :subtotal, :tax_total,
            :service_fee, :total, :amount_paid, :amount_refunded)
    ON DUPLICATE KEY UPDATE
        invoice_count = invoice_count + VALUES(invoice_count),
        subtotal = subtotal + VALUES(subtotal),
        tax_total = tax_total + VALUES(tax_total),
        service_fee = service_fee + VALUES(service_fee),
        total = total + VALUES(total),
        amount_paid = amount_paid + VALUES(amount_paid),
        amount_refunded = amount_refunded + VALUES(amount_refunded)
    """
)
_ADD_TAXES = text(
    """
    INSERT INTO report_daily_taxes
        (tenant_id, currency, day, tax_rate, tax_category_key, line_count, taxable_amount,
         tax_amount)
    SELECT tenant_id, :currency, :day, tax_rate, IF(tax_category IS NULL, '',
           CONCAT('=', tax_category)) AS category_key, :sign * COUNT(*), :sign * SUM(subtotal),
           :sign * SUM(tax_amount)
      FROM line_items
     WHERE tenant_id = :tenant_id AND invoice_id = :invoice_id
     GROUP BY tenant_id, tax_rate, category_key
     ORDER BY tax_rate, category_key
    ON DUPLICATE KEY UPDATE
        line_count = line_count + VALUES(line_count),
        taxable_amount = taxable_amount + VALUES(taxable_amount),
        tax_amount = tax_amount + VALUES(tax_amount)
    """
)
_SAVE_STATE = text(
    """
    INSERT INTO report_invoice_state
        (invoice_id, subtotal, tax_total, service_fee, total, amount_paid, amount_refunded)
    VALUES (:invoice_id, :subtotal, :tax_total, :service_fee, :total, :amount_paid,
            :amount_refunded)
    ON DUPLICATE KEY UPDATE
        subtotal = VALUES(subtotal), tax_total = VALUES(tax_total),
        service_fee = VALUES(service_fee), total = VALUES(total),
        amount_paid = VALUES(amount_paid), amount_refunded = VALUES(amount_refunded)
    """
)
_DROP_STATE = text("DELETE FROM report_invoice_state WHERE invoice_id = :invoice_id")


async def sync_report_rollup(session: AsyncSession, invoice: Invoice, *, new: bool = False) -> None:
    """Bring the rollups in line with `invoice` as it is now in this transaction. `new`: the
    invoice was inserted in this transaction (nothing to read back)."""
    now_counted = counted(invoice.status)
    if new and not now_counted:
        return
    await session.flush()
    before: dict[str, Any] | None = None
    if not new:
        row = (await session.execute(_STATE, {"invoice_id": invoice.id})).mappings().first()
        before = dict(row) if row is not None else None
    after = {name: getattr(invoice, name) for name in AMOUNTS} if now_counted else None
    if before is None and after is None:
        return
    delta = {
        name: (after[name] if after else Decimal(0)) - (before[name] if before else Decimal(0))
        for name in AMOUNTS
    }
    count = (1 if after else 0) - (1 if before else 0)
    day = invoice.created_at.date()
    key = {"tenant_id": invoice.tenant_id, "currency": invoice.currency, "day": day}
    if count or any(delta.values()):
        await session.execute(
            _ADD_TOTALS,
            {**key, "gateway_id": invoice.gateway_id, "invoice_count": count, **delta},
        )
    if count:
        await session.execute(_ADD_TAXES, {**key, "invoice_id": invoice.id, "sign": count})
    if after is None:
        await session.execute(_DROP_STATE, {"invoice_id": invoice.id})
    elif after != before:
        await session.execute(_SAVE_STATE, {"invoice_id": invoice.id, **after})


# --- backfill ---------------------------------------------------------------------------


def rebuild_rollups(database_url: str) -> None:
    """Recompute every rollup from the invoices, as migration 0008 does (its backfill is the one
    copy of that SQL): after a bulk load that bypassed the api. Blocking; drops and re-creates
    the rollup tables."""
    from alembic import command

    from db.migrations import alembic_config

    config = alembic_config(database_url)
    command.downgrade(config, ROLLUP_BASE_REVISION)
    command.upgrade(config, "head")


ROLLUP_BASE_REVISION = "0004"  # the revision before the rollups


# --- reading ------------------------------------------------------------------------------

_TOTALS = text(
    """
    SELECT currency, gateway_id, SUM(invoice_count) AS invoice_count,
           SUM(subtotal) AS subtotal, SUM(tax_total) AS tax_total,
           SUM(service_fee) AS service_fee, SUM(total) AS total,
           SUM(amount_paid) AS amount_paid, SUM(amount_refunded) AS amount_refunded
      FROM report_daily_totals
     WHERE tenant_id = :tenant_id AND day BETWEEN :first AND :last
     GROUP BY currency, gateway_id
    HAVING SUM(invoice_count) > 0
    """
)
_TAXES = text(
    """
    SELECT currency, tax_rate, tax_category_key, SUM(taxable_amount) AS taxable_amount,
           SUM(tax_amount) AS tax_amount
      FROM report_daily_taxes
     WHERE tenant_id = :tenant_id AND day BETWEEN :first AND :last
     GROUP BY currency, tax_rate, tax_category_key
    HAVING SUM(line_count) > 0
    """
)


@dataclass
class RollupSums:
    """Rollup sums over whole days: per (currency, gateway id) and per (currency, rate, key)."""

    totals: list[dict[str, Any]]
    taxes: list[dict[str, Any]]


async def read_rollups(
    conn: AsyncConnection | AsyncSession, tenant_id: str, first: date, last: date
) -> RollupSums:
    params = {"tenant_id": tenant_id, "first": first, "last": last}
    totals = [dict(r) for r in (await conn.execute(_TOTALS, params)).mappings()]
    taxes = [dict(r) for r in (await conn.execute(_TAXES, params)).mappings()]
    return RollupSums(totals=totals, taxes=taxes)


def whole_days(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The first and last UTC day lying wholly inside [start, end] (naive UTC), or None."""
    first = start.date() if start.time() == datetime.min.time() else _next(start.date())
    last = end.date() if end.time() == datetime.max.time() else _previous(end.date())
    return (first, last) if first <= last else None


def _next(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def _previous(day: date) -> date:
    return date.fromordinal(day.toordinal() - 1)


# --- The report's reads (ReportRepository) ---

ZERO = Decimal(0)


def _in_range(tenant_id: str, start: datetime, end: datetime) -> list[Any]:
    return [
        Invoice.tenant_id == tenant_id,
        Invoice.created_at >= start,
        Invoice.created_at <= end,
        Invoice.status.not_in(EXCLUDED_STATUSES),
    ]


async def _currency_totals(
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


async def _tax_breakdown(
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


async def _fee_breakdown(
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


async def _received_after_close(
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


async def _financial_sums(
    session: AsyncSession, tenant_id: str, start: datetime, end: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(currency totals, tax breakdown, fee breakdown) as the three raw queries above return
    them, from the daily rollups (`db.reports`) for the whole UTC days of the range and from
    the raw rows for the partial days at its edges."""
    days = whole_days(start, end)
    if days is None:
        return (
            await _currency_totals(session, tenant_id, start, end),
            await _tax_breakdown(session, tenant_id, start, end),
            await _fee_breakdown(session, tenant_id, start, end),
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
        for row in await _currency_totals(session, tenant_id, lo, hi):
            add_total(row)
        for row in await _tax_breakdown(session, tenant_id, lo, hi):
            add_tax(row)
        for row in await _fee_breakdown(session, tenant_id, lo, hi):
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


class ReportRepository:
    """The financial report's reads of one tenant (`ReportRepository(session, tenant_id)`):
    GROUP BY in MySQL over the tenant's invoices in a creation-time range, never loading
    invoices into Python. Every query leads with the tenant (index
    ix_invoices_tenant_id_created_at)."""

    __slots__ = ("_session", "tenant_id")

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self.tenant_id = tenant_id

    async def currency_totals(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return await _currency_totals(self._session, self.tenant_id, start, end)

    async def tax_breakdown(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return await _tax_breakdown(self._session, self.tenant_id, start, end)

    async def fee_breakdown(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        return await _fee_breakdown(self._session, self.tenant_id, start, end)

    async def received_after_close(self, start: datetime, end: datetime) -> dict[str, Decimal]:
        """Per currency: money received on invoices (created in the range) after they were
        cancelled or expired: their `paid_after_close` discrepancies, whatever the status now."""
        return await _received_after_close(self._session, self.tenant_id, start, end)

    async def financial_sums(
        self, start: datetime, end: datetime
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """(currency totals, tax breakdown, fee breakdown) as the three raw queries return
        them, from the daily rollups for the whole UTC days of the range and from the raw
        rows for the partial days at its edges."""
        return await _financial_sums(self._session, self.tenant_id, start, end)
