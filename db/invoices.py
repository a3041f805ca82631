"""Tenant-scoped queries on invoices and what hangs off them (lines, schedule, transactions,
discrepancies). `InvoiceRepository(session, tenant_id)` binds the tenant once for a unit of work
(a request's session, an activity's transaction) and builds every tenant-scoped statement;
another tenant's invoice is indistinguishable from a missing one. `InvoiceDocumentRepository
(conn, tenant_id)` is the hot read path's one statement (`GET /invoices/{id}`) on an autocommit
connection. The admin's read of any tenant's invoice is the separately named
`get_invoice_for_admin`; the gateways table is not a tenant's."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from contracts.invoices import InstallmentSnapshot, InvoiceSnapshot
from db.models import (
    ArchiveTransaction,
    GatewayConfig,
    InstallmentSchedule,
    Invoice,
    LineItem,
    PaymentDiscrepancy,
    PaymentTransaction,
)
from db.pagination import ListParams, PageRows, fetch_page
from domain.installments import InstallmentState
from domain.money import Currency, parse_currency, quantize
from domain.payments import AppliedPayment, AppliedRefund, InvoiceState
from domain.status import InstallmentStatus, InvoiceStatus
from domain.timeutil import ensure_utc, to_naive_utc

RowT = TypeVar("RowT", LineItem, InstallmentSchedule)
# GET /invoices: newest first, the id breaking ties (the cursor's order key).
LIST_ORDER = (Invoice.created_at, Invoice.id)


# One round trip for an invoice, its gateway's name, its lines and its schedule, as one JSON
# document built by MariaDB (the children as ordered JSON arrays): the driver decodes one text
# column instead of twenty-odd typed ones, and json.loads (decimals kept as Decimal) does the
# rest. A plain text statement: nothing to compile or cache-key per request.
_INVOICE_DOCUMENT = text(
    """
    SELECT JSON_OBJECT(
           'id', i.id, 'external_id', i.external_id, 'status', i.status,
           'currency', i.currency, 'gateway_id', i.gateway_id, 'gateway', g.name,
           'description', i.description,
           -- The merchant's JSON as text: decoded on its own, its numbers stay numbers.
           'customer', CONCAT(i.customer, ''), 'metadata', CONCAT(i.metadata, ''),
           'subtotal', i.subtotal, 'tax_total', i.tax_total, 'service_fee', i.service_fee,
           'total', i.total, 'amount_paid', i.amount_paid, 'amount_refunded', i.amount_refunded,
           'overpayment_amount', i.overpayment_amount,
           'payment_initiated_at', i.payment_initiated_at,
           'original_invoice_id', i.original_invoice_id, 'expires_at', i.expires_at,
           'created_at', i.created_at, 'updated_at', i.updated_at,
           'line_items', (SELECT JSON_ARRAYAGG(JSON_OBJECT(
                       'id', l.id, 'description', l.description, 'quantity', l.quantity,
                       'unit_price', l.unit_price, 'subtotal', l.subtotal,
                       'tax_rate', l.tax_rate, 'tax_category', l.tax_category,
                       'tax_amount', l.tax_amount) ORDER BY l.position)
              FROM line_items l
             WHERE l.tenant_id = i.tenant_id AND l.invoice_id = i.id),
           'installments', (SELECT JSON_ARRAYAGG(JSON_OBJECT(
                       'number', s.number, 'amount', s.amount, 'tax_amount', s.tax_amount,
                       'service_fee_amount', s.service_fee_amount, 'due_date', s.due_date,
                       'status', s.status, 'paid_amount', s.paid_amount,
                       'paid_at', s.paid_at) ORDER BY s.number)
              FROM installment_schedules s
             WHERE s.tenant_id = i.tenant_id AND s.invoice_id = i.id)) AS document
      FROM invoices i
      JOIN gateway_configs g ON g.id = i.gateway_id
     WHERE i.id = :invoice_id AND i.tenant_id = :tenant_id
    """
)
_INVOICE_TIMES = ("payment_initiated_at", "expires_at", "created_at", "updated_at")
_DOCUMENT_TIMES = ("due_date", "paid_at")


def _timed_rows(rows: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """A JSON_ARRAYAGG of children (None when there are none), timestamps as datetimes."""
    for row in rows or []:
        for name in _DOCUMENT_TIMES:
            if isinstance(row.get(name), str):
                row[name] = datetime.fromisoformat(row[name])
    return rows or []


class InvoiceDocumentRepository:
    """One tenant's invoices as the one-statement document of the hot read path: built per
    request on the read pool's autocommit connection, so it holds nothing but the two."""

    __slots__ = ("conn", "tenant_id")

    def __init__(self, conn: AsyncConnection | AsyncSession, tenant_id: str) -> None:
        self.conn = conn
        self.tenant_id = tenant_id

    async def get(self, invoice_id: int) -> dict[str, Any] | None:
        """The invoice's columns plus `gateway`, `line_items` and `installments` (lists of
        dicts in their order), in one statement; None if the tenant has no such invoice."""
        params = {"invoice_id": invoice_id, "tenant_id": self.tenant_id}
        raw = (await self.conn.execute(_INVOICE_DOCUMENT, params)).scalar_one_or_none()
        if raw is None:
            return None
        document: dict[str, Any] = json.loads(raw, parse_float=Decimal)
        for name in ("customer", "metadata"):
            if isinstance(document[name], str):
                document[name] = json.loads(document[name])
        for name in _INVOICE_TIMES:
            if isinstance(document[name], str):
                document[name] = datetime.fromisoformat(document[name])
        document["line_items"] = _timed_rows(document["line_items"])
        document["installments"] = _timed_rows(document["installments"])
        return document


async def get_invoice_for_admin(session: AsyncSession, invoice_id: int) -> Invoice | None:
    """Admin-wide read (the admin key is not a tenant): any tenant's invoice by id."""
    stmt = select(Invoice).where(Invoice.id == invoice_id)
    return (await session.execute(stmt)).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class InvoiceFilters:
    """GET /invoices's filters (None: not filtered on)."""

    status: str | None = None
    currency: str | None = None
    external_id: str | None = None
    gateway_id: int | None = None
    created_gte: datetime | None = None
    created_lte: datetime | None = None


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


def _grouped(rows: Iterable[RowT]) -> dict[int, list[RowT]]:
    grouped: dict[int, list[RowT]] = {}
    for row in rows:
        grouped.setdefault(row.invoice_id, []).append(row)
    return grouped


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


def installment_states(schedule: Sequence[InstallmentSchedule]) -> tuple[InstallmentState, ...]:
    """A schedule as the domain rules see it, in order."""
    return tuple(
        InstallmentState(
            number=row.number,
            amount=row.amount,
            tax_amount=row.tax_amount,
            service_fee_amount=row.service_fee_amount,
            due_date=ensure_utc(row.due_date),
            paid_amount=row.paid_amount,
            status=InstallmentStatus(row.status),
        )
        for row in schedule
    )


def invoice_state(invoice: Invoice, schedule: Sequence[InstallmentSchedule]) -> InvoiceState:
    """The invoice as the payment decisions (`domain.payments`) see it."""
    return InvoiceState(
        invoice_id=invoice.id,
        status=InvoiceStatus(invoice.status),
        currency=parse_currency(invoice.currency),
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        expires_at=ensure_utc(invoice.expires_at),
        installments=installment_states(schedule),
    )


class InvoiceRepository:
    """One tenant's invoices for a unit of work (a request's session, an activity's
    transaction): the tenant is given once, here; another tenant's invoice is indistinguishable
    from a missing one. Locks are taken in one order, the invoice row first, then its
    schedule."""

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    async def get(self, invoice_id: int) -> Invoice | None:
        return await self._invoice(invoice_id, for_update=False)

    async def lock(self, invoice_id: int) -> Invoice | None:
        """The invoice row, `SELECT ... FOR UPDATE`: the lock every change of it holds."""
        return await self._invoice(invoice_id, for_update=True)

    async def _invoice(self, invoice_id: int, *, for_update: bool) -> Invoice | None:
        stmt = select(Invoice).where(Invoice.id == invoice_id, Invoice.tenant_id == self.tenant_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def exists(self, invoice_id: int) -> bool:
        """Whether the invoice's row is there (committed, as this transaction sees it)."""
        stmt = select(Invoice.id).where(
            Invoice.id == invoice_id, Invoice.tenant_id == self.tenant_id
        )
        return (await self.session.execute(stmt)).first() is not None

    def list_conditions(self, filters: InvoiceFilters) -> list[ColumnElement[bool]]:
        """GET /invoices filters; each is served by an index leading with tenant_id
        (models.py)."""
        conditions: list[ColumnElement[bool]] = [Invoice.tenant_id == self.tenant_id]
        if filters.status is not None:
            conditions.append(Invoice.status == filters.status)
        if filters.currency is not None:
            conditions.append(Invoice.currency == filters.currency)
        if filters.external_id is not None:
            conditions.append(Invoice.external_id == filters.external_id)
        if filters.gateway_id is not None:
            conditions.append(Invoice.gateway_id == filters.gateway_id)
        if filters.created_gte is not None:
            conditions.append(Invoice.created_at >= to_naive_utc(filters.created_gte))
        if filters.created_lte is not None:
            conditions.append(Invoice.created_at <= to_naive_utc(filters.created_lte))
        return conditions

    async def page(self, params: ListParams, filters: InvoiceFilters) -> PageRows:
        """One page of GET /invoices, newest first, walking the index `list_index` picks."""
        index = list_index(
            status=filters.status,
            currency=filters.currency,
            external_id=filters.external_id,
            gateway_id=filters.gateway_id,
        )
        conditions = self.list_conditions(filters)
        return await fetch_page(self.session, Invoice, conditions, LIST_ORDER, params, index=index)

    async def lock_schedule(self, invoice_id: int) -> list[InstallmentSchedule]:
        stmt = (
            select(InstallmentSchedule)
            .where(
                InstallmentSchedule.tenant_id == self.tenant_id,
                InstallmentSchedule.invoice_id == invoice_id,
            )
            .order_by(InstallmentSchedule.number)
            .with_for_update()
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def schedule(self, invoice_id: int) -> list[InstallmentSchedule]:
        return (await self.schedules_by_invoice([invoice_id])).get(invoice_id, [])

    async def line_items(self, invoice_id: int) -> list[LineItem]:
        return (await self.line_items_by_invoice([invoice_id])).get(invoice_id, [])

    async def schedules_by_invoice(
        self, invoice_ids: Sequence[int]
    ) -> dict[int, list[InstallmentSchedule]]:
        """The schedules of several invoices in one query (lists render without N+1)."""
        if not invoice_ids:
            return {}
        stmt = (
            select(InstallmentSchedule)
            .where(
                InstallmentSchedule.tenant_id == self.tenant_id,
                InstallmentSchedule.invoice_id.in_(invoice_ids),
            )
            .order_by(InstallmentSchedule.invoice_id, InstallmentSchedule.number)
        )
        return _grouped((await self.session.execute(stmt)).scalars())

    async def line_items_by_invoice(self, invoice_ids: Sequence[int]) -> dict[int, list[LineItem]]:
        """The lines of several invoices in one query, in their order."""
        if not invoice_ids:
            return {}
        stmt = (
            select(LineItem)
            .where(LineItem.tenant_id == self.tenant_id, LineItem.invoice_id.in_(invoice_ids))
            .order_by(LineItem.invoice_id, LineItem.position)
        )
        return _grouped((await self.session.execute(stmt)).scalars())

    async def transactions(self, invoice_id: int) -> list[PaymentTransaction | ArchiveTransaction]:
        """The invoice's payment transactions, archived ones (older than 7 years) included."""
        live = select(PaymentTransaction).where(
            PaymentTransaction.tenant_id == self.tenant_id,
            PaymentTransaction.invoice_id == invoice_id,
        )
        archived = select(ArchiveTransaction).where(
            ArchiveTransaction.tenant_id == self.tenant_id,
            ArchiveTransaction.invoice_id == invoice_id,
        )
        rows: list[PaymentTransaction | ArchiveTransaction] = [
            *(await self.session.execute(live)).scalars().all(),
            *(await self.session.execute(archived)).scalars().all(),
        ]
        return sorted(rows, key=lambda row: row.id)

    async def discrepancies(self, invoice_id: int) -> list[PaymentDiscrepancy]:
        stmt = (
            select(PaymentDiscrepancy)
            .where(
                PaymentDiscrepancy.tenant_id == self.tenant_id,
                PaymentDiscrepancy.invoice_id == invoice_id,
            )
            .order_by(PaymentDiscrepancy.id)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def gateway_name(self, gateway_id: int) -> str:
        return await gateway_name(self.session, gateway_id)

    async def snapshot(self, invoice: Invoice) -> InvoiceSnapshot:
        """The workflow's view of the invoice as it now stands in this transaction."""
        schedule = await self.schedule(invoice.id)
        return snapshot(invoice, await self.gateway_name(invoice.gateway_id), schedule)

    # --- writes: what a decision of domain.payments returned --------------------------------

    @staticmethod
    def write_schedule(
        schedule: Sequence[InstallmentSchedule],
        states: Sequence[InstallmentState],
        *,
        settled: Collection[int] = (),
        paid_at: datetime | None = None,
    ) -> None:
        """The schedule rows as `states` say (amounts, shares, due dates, paid amounts,
        statuses); installments `settled` (completed by a payment) get `paid_at`."""
        by_number = {state.number: state for state in states}
        for row in schedule:
            state = by_number[row.number]
            _assign(row, "amount", state.amount)
            _assign(row, "tax_amount", state.tax_amount)
            _assign(row, "service_fee_amount", state.service_fee_amount)
            _assign(row, "due_date", to_naive_utc(state.due_date))
            _assign(row, "paid_amount", state.paid_amount)
            _assign(row, "status", state.status.value)
            if row.number in settled and paid_at is not None:
                row.paid_at = to_naive_utc(paid_at)

    @staticmethod
    def mark_initiated(invoice: Invoice, at: datetime) -> None:
        """`payment_initiated_at` is written once, by the first initiation or payment (FR-051a)."""
        if invoice.payment_initiated_at is None:
            invoice.payment_initiated_at = to_naive_utc(at)

    def record_payment(
        self,
        invoice: Invoice,
        schedule: Sequence[InstallmentSchedule],
        outcome: AppliedPayment,
        *,
        paid_at: datetime,
        now: datetime,
    ) -> list[InstallmentSchedule]:
        """An applied payment on the invoice and its schedule (the status is the caller's, who
        counts the transition); the installments it completed, for their events."""
        self.write_schedule(
            schedule, outcome.installments, settled=outcome.allocation.newly_paid, paid_at=paid_at
        )
        invoice.amount_paid = invoice.amount_paid + outcome.amount
        invoice.overpayment_amount = invoice.overpayment_amount + outcome.overpayment
        self.mark_initiated(invoice, now)
        return [row for row in schedule if row.number in outcome.newly_paid]

    @staticmethod
    def record_refund(invoice: Invoice, outcome: AppliedRefund, now: datetime) -> None:
        invoice.amount_refunded = invoice.amount_refunded + outcome.amount
        invoice.updated_at = to_naive_utc(now)


def _assign(row: InstallmentSchedule, name: str, value: object) -> None:
    if getattr(row, name) != value:
        setattr(row, name, value)
