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
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import Invoice

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
