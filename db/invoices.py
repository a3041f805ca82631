"""Tenant-scoped queries on invoices and what hangs off them. Every function takes the tenant
and filters by it; another tenant's invoice is indistinguishable from a missing one."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.models import (
    ArchiveTransaction,
    GatewayConfig,
    GatewayPayment,
    InstallmentSchedule,
    Invoice,
    LineItem,
    PaymentDiscrepancy,
    PaymentTransaction,
)
from domain.money import Currency, quantize
from domain.timeutil import ensure_utc, to_naive_utc
from workflows.contracts import InstallmentSnapshot, InvoiceSnapshot

RowT = TypeVar("RowT", LineItem, InstallmentSchedule)


async def get_invoice(
    session: AsyncSession, tenant_id: str, invoice_id: int, *, for_update: bool = False
) -> Invoice | None:
    stmt = select(Invoice).where(Invoice.id == invoice_id, Invoice.tenant_id == tenant_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


# One round trip for an invoice, its gateway's name, its lines and its schedule: the children
# come back as JSON arrays (MariaDB JSON_ARRAYAGG, ordered). A plain text statement: nothing to
# compile or cache-key per request.
_INVOICE_DOCUMENT = text(
    """
    SELECT i.id, i.external_id, i.status, i.currency, i.gateway_id, g.name AS gateway,
           i.description, i.customer, i.metadata, i.subtotal, i.tax_total, i.service_fee,
           i.total, i.amount_paid, i.amount_refunded, i.overpayment_amount,
           i.payment_initiated_at, i.original_invoice_id, i.expires_at, i.created_at,
           i.updated_at,
           (SELECT JSON_ARRAYAGG(JSON_OBJECT(
                       'id', l.id, 'description', l.description, 'quantity', l.quantity,
                       'unit_price', l.unit_price, 'subtotal', l.subtotal,
                       'tax_rate', l.tax_rate, 'tax_category', l.tax_category,
                       'tax_amount', l.tax_amount) ORDER BY l.position)
              FROM line_items l
             WHERE l.tenant_id = i.tenant_id AND l.invoice_id = i.id) AS line_items,
           (SELECT JSON_ARRAYAGG(JSON_OBJECT(
                       'number', s.number, 'amount', s.amount, 'tax_amount', s.tax_amount,
                       'service_fee_amount', s.service_fee_amount, 'due_date', s.due_date,
                       'status', s.status, 'paid_amount', s.paid_amount,
                       'paid_at', s.paid_at) ORDER BY s.number)
              FROM installment_schedules s
             WHERE s.tenant_id = i.tenant_id AND s.invoice_id = i.id) AS installments
      FROM invoices i
      JOIN gateway_configs g ON g.id = i.gateway_id
     WHERE i.id = :invoice_id AND i.tenant_id = :tenant_id
    """
)
_DOCUMENT_TIMES = ("due_date", "paid_at")


def _json_rows(value: str | None) -> list[dict[str, Any]]:
    """A JSON_ARRAYAGG column: decimals stay Decimal, timestamps become datetimes."""
    rows: list[dict[str, Any]] = json.loads(value, parse_float=Decimal) if value else []
    for row in rows:
        for name in _DOCUMENT_TIMES:
            if isinstance(row.get(name), str):
                row[name] = datetime.fromisoformat(row[name])
    return rows


async def invoice_document(
    conn: AsyncConnection | AsyncSession, tenant_id: str, invoice_id: int
) -> dict[str, Any] | None:
    """The invoice's columns plus `gateway`, `line_items` and `installments` (lists of dicts
    in their order), in one statement; None if the tenant has no such invoice."""
    params = {"invoice_id": invoice_id, "tenant_id": tenant_id}
    row = (await conn.execute(_INVOICE_DOCUMENT, params)).mappings().one_or_none()
    if row is None:
        return None
    document = dict(row)
    for name in ("customer", "metadata"):
        if isinstance(document[name], str):
            document[name] = json.loads(document[name])
    document["line_items"] = _json_rows(document["line_items"])
    document["installments"] = _json_rows(document["installments"])
    return document


async def get_invoice_for_admin(session: AsyncSession, invoice_id: int) -> Invoice | None:
    """Admin-wide read (the admin key is not a tenant): any tenant's invoice by id."""
    stmt = select(Invoice).where(Invoice.id == invoice_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def invoice_list_conditions(
    tenant_id: str,
    *,
    status: str | None = None,
    currency: str | None = None,
    external_id: str | None = None,
    gateway_id: int | None = None,
    created_gte: datetime | None = None,
    created_lte: datetime | None = None,
) -> list[ColumnElement[bool]]:
    """GET /invoices filters; each is served by an index leading with tenant_id (models.py)."""
    conditions: list[ColumnElement[bool]] = [Invoice.tenant_id == tenant_id]
    if status is not None:
        conditions.append(Invoice.status == status)
    if currency is not None:
        conditions.append(Invoice.currency == currency)
    if external_id is not None:
        conditions.append(Invoice.external_id == external_id)
    if gateway_id is not None:
        conditions.append(Invoice.gateway_id == gateway_id)
    if created_gte is not None:
        conditions.append(Invoice.created_at >= to_naive_utc(created_gte))
    if created_lte is not None:
        conditions.append(Invoice.created_at <= to_naive_utc(created_lte))
    return conditions


def list_index(
    *,
    status: str | None = None,
    currency: str | None = None,
    external_id: str | None = None,
    gateway_id: int | None = None,
) -> str | None:
    """The index GET /invoices walks for these filters: (tenant_id, <the equality filter>,
    created_at), forced. MariaDB 10.11 otherwise answers `ORDER BY created_at DESC LIMIT n` with
    `ref` access on the tenant_id prefix alone, ignoring the cursor's `created_at <` bound, and
    reads every row of the tenant after the cursor (seconds at a million invoices, see
    bench/benchmarks/invoice_lists.py). `external_id` is a unique lookup: no hint."""
    if external_id is not None:
        return None
    lead = (
        "status"
        if status is not None
        else "currency"
        if currency is not None
        else "gateway_id"
        if gateway_id is not None
        else None
    )
    columns = ("tenant_id", lead, "created_at") if lead else ("tenant_id", "created_at")
    for index in Invoice.metadata.tables[Invoice.__tablename__].indexes:
        if tuple(column.name for column in index.columns) == columns:
            return str(index.name)
    raise LookupError(f"no invoices index on {columns}")


async def line_items(session: AsyncSession, tenant_id: str, invoice_id: int) -> list[LineItem]:
    return (await line_items_by_invoice(session, tenant_id, [invoice_id])).get(invoice_id, [])


async def installments(
    session: AsyncSession, tenant_id: str, invoice_id: int
) -> list[InstallmentSchedule]:
    return (await installments_by_invoice(session, tenant_id, [invoice_id])).get(invoice_id, [])


async def installments_by_invoice(
    session: AsyncSession, tenant_id: str, invoice_ids: Sequence[int]
) -> dict[int, list[InstallmentSchedule]]:
    """The schedules of several invoices in one query (lists render without N+1)."""
    if not invoice_ids:
        return {}
    stmt = (
        select(InstallmentSchedule)
        .where(
            InstallmentSchedule.tenant_id == tenant_id,
            InstallmentSchedule.invoice_id.in_(invoice_ids),
        )
        .order_by(InstallmentSchedule.invoice_id, InstallmentSchedule.number)
    )
    return _grouped((await session.execute(stmt)).scalars())


async def line_items_by_invoice(
    session: AsyncSession, tenant_id: str, invoice_ids: Sequence[int]
) -> dict[int, list[LineItem]]:
    """The lines of several invoices in one query, in their order."""
    if not invoice_ids:
        return {}
    stmt = (
        select(LineItem)
        .where(LineItem.tenant_id == tenant_id, LineItem.invoice_id.in_(invoice_ids))
        .order_by(LineItem.invoice_id, LineItem.position)
    )
    return _grouped((await session.execute(stmt)).scalars())


def _grouped(rows: Iterable[RowT]) -> dict[int, list[RowT]]:
    grouped: dict[int, list[RowT]] = {}
    for row in rows:
        grouped.setdefault(row.invoice_id, []).append(row)
    return grouped


async def transactions(
    session: AsyncSession, tenant_id: str, invoice_id: int
) -> list[PaymentTransaction | ArchiveTransaction]:
    """The invoice's payment transactions, archived ones (older than 7 years) included."""
    live = select(PaymentTransaction).where(
        PaymentTransaction.tenant_id == tenant_id, PaymentTransaction.invoice_id == invoice_id
    )
    archived = select(ArchiveTransaction).where(
        ArchiveTransaction.tenant_id == tenant_id, ArchiveTransaction.invoice_id == invoice_id
    )
    rows: list[PaymentTransaction | ArchiveTransaction] = [
        *(await session.execute(live)).scalars().all(),
        *(await session.execute(archived)).scalars().all(),
    ]
    return sorted(rows, key=lambda row: row.id)


async def discrepancies(
    session: AsyncSession, tenant_id: str, invoice_id: int
) -> list[PaymentDiscrepancy]:
    stmt = (
        select(PaymentDiscrepancy)
        .where(
            PaymentDiscrepancy.tenant_id == tenant_id,
            PaymentDiscrepancy.invoice_id == invoice_id,
        )
        .order_by(PaymentDiscrepancy.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def live_payment(
    session: AsyncSession, tenant_id: str, invoice_id: int, installment_number: int | None
) -> GatewayPayment | None:
    stmt = (
        select(GatewayPayment)
        .where(
            GatewayPayment.tenant_id == tenant_id,
            GatewayPayment.invoice_id == invoice_id,
            GatewayPayment.status == "live",
        )
        .order_by(GatewayPayment.id.desc())
    )
    if installment_number is None:
        stmt = stmt.where(GatewayPayment.installment_number.is_(None))
    else:
        stmt = stmt.where(GatewayPayment.installment_number == installment_number)
    return (await session.execute(stmt)).scalars().first()


async def live_payments(
    session: AsyncSession, tenant_id: str, invoice_id: int
) -> list[GatewayPayment]:
    stmt = select(GatewayPayment).where(
        GatewayPayment.tenant_id == tenant_id,
        GatewayPayment.invoice_id == invoice_id,
        GatewayPayment.status == "live",
    )
    return list((await session.execute(stmt)).scalars().all())


async def count_payment_attempts(
    session: AsyncSession, tenant_id: str, invoice_id: int, installment_number: int | None
) -> int:
    stmt = (
        select(func.count())
        .select_from(GatewayPayment)
        .where(GatewayPayment.tenant_id == tenant_id, GatewayPayment.invoice_id == invoice_id)
    )
    if installment_number is None:
        stmt = stmt.where(GatewayPayment.installment_number.is_(None))
    else:
        stmt = stmt.where(GatewayPayment.installment_number == installment_number)
    return int((await session.execute(stmt)).scalar_one())


async def gateway_names(session: AsyncSession) -> dict[int, str]:
    rows = (await session.execute(select(GatewayConfig.id, GatewayConfig.name))).all()
    return {row[0]: row[1] for row in rows}


async def gateway_name(session: AsyncSession, gateway_id: int) -> str:
    name = (
        await session.execute(select(GatewayConfig.name).where(GatewayConfig.id == gateway_id))
    ).scalar_one()
    return str(name)


def snapshot(
    invoice: Invoice, gateway: str, schedule: Sequence[InstallmentSchedule]
) -> InvoiceSnapshot:
    """The workflow's view of the invoice; amounts at the currency's scale (the columns hold
    four places)."""
    currency = Currency(invoice.currency)

    def q(amount: Decimal) -> Decimal:
        return quantize(amount, currency)

    return InvoiceSnapshot(
        invoice_id=invoice.id,
        tenant_id=invoice.tenant_id,
        status=invoice.status,
        currency=invoice.currency,
        gateway=gateway,
        total=q(invoice.total),
        amount_paid=q(invoice.amount_paid),
        overpayment_amount=q(invoice.overpayment_amount),
        expires_at=ensure_utc(invoice.expires_at),
        payment_initiated=invoice.payment_initiated_at is not None,
        installments=[
            InstallmentSnapshot(
                number=row.number,
                amount=q(row.amount),
                tax_amount=q(row.tax_amount),
                service_fee_amount=q(row.service_fee_amount),
                due_date=ensure_utc(row.due_date),
                status=row.status,
                paid_amount=q(row.paid_amount),
            )
            for row in schedule
        ],
    )


async def load_snapshot(session: AsyncSession, invoice: Invoice) -> InvoiceSnapshot:
    schedule = await installments(session, invoice.tenant_id, invoice.id)
    return snapshot(invoice, await gateway_name(session, invoice.gateway_id), schedule)


def amount_due(invoice: Invoice) -> Decimal:
    return due_of(invoice.total, invoice.amount_paid)


def due_of(total: Decimal, amount_paid: Decimal) -> Decimal:
    return max(Decimal(0), total - amount_paid)
