"""Writing a planned invoice (domain.drafts.InvoicePlan) as rows: invoice, lines, schedule."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.invoices import InvoiceRepository
from db.models import InstallmentSchedule, Invoice, LineItem, TaxRateAudit
from db.reports import sync_report_rollup
from domain.drafts import InvoicePlan
from domain.timeutil import to_naive_utc
from domain.totals import FeeSchedule

logger = logging.getLogger("paytrust.invoices")


async def insert_invoice(
    invoices: InvoiceRepository,
    *,
    external_id: str,
    gateway_id: int,
    fee: FeeSchedule,
    plan: InvoicePlan,
    description: str | None,
    customer: dict[str, Any] | None,
    metadata: dict[str, Any] | None,
    original_invoice_id: int | None,
    now: datetime,
    first_event_numbered: bool = False,
) -> tuple[Invoice, list[LineItem], list[InstallmentSchedule]]:
    """Insert the invoice, of the repository's tenant, with its lines and schedule; returns the
    rows (ids assigned). `first_event_numbered`: the caller records the invoice's first event
    in this transaction with `record_event(..., numbered=True)`; its sequence (1) is written
    with the insert (no UPDATE of the row for it)."""
    session = invoices.session
    invoice = Invoice(
        tenant_id=invoices.tenant_id,
        external_id=external_id,
        status="draft",
        currency=plan.currency.value,
        gateway_id=gateway_id,
        description=description,
        customer=customer,
        metadata_=metadata or {},
        subtotal=plan.totals.subtotal,
        tax_total=plan.totals.tax_total,
        service_fee=plan.totals.service_fee,
        total=plan.totals.total,
        amount_paid=Decimal(0),
        amount_refunded=Decimal(0),
        overpayment_amount=Decimal(0),
        fee_percentage=fee.fee_percentage,
        fee_fixed=fee.fee_fixed,
        expires_at=to_naive_utc(plan.expires_at),
        original_invoice_id=original_invoice_id,
        created_at=to_naive_utc(now),
        updated_at=to_naive_utc(now),
        last_event_sequence=1 if first_event_numbered else 0,
    )
    session.add(invoice)
    await session.flush()
    lines, schedule = await write_lines_and_schedule(session, invoice, plan, fresh=True)
    await sync_report_rollup(session, invoice, new=True)  # a draft: counted from initiation
    return invoice, lines, schedule


async def write_lines_and_schedule(
    session: AsyncSession, invoice: Invoice, plan: InvoicePlan, *, fresh: bool = False
) -> tuple[list[LineItem], list[InstallmentSchedule]]:
    """(Re)write the invoice's lines, schedule and tax audit rows from `plan`. `fresh`: the
    invoice was inserted in this transaction, so it has none to delete (two round trips)."""
    if not fresh:
        await session.execute(delete(LineItem).where(LineItem.invoice_id == invoice.id))
        await session.execute(
            delete(InstallmentSchedule).where(InstallmentSchedule.invoice_id == invoice.id)
        )
    lines: list[LineItem] = []
    schedule: list[InstallmentSchedule] = []
    for line in plan.lines:
        row = LineItem(
            tenant_id=invoice.tenant_id,
            invoice_id=invoice.id,
            position=line.position,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            subtotal=line.subtotal,
            tax_rate=line.tax_rate,
            tax_category=line.tax_category,
            tax_amount=line.tax_amount,
        )
        session.add(row)
        lines.append(row)
        if line.audit_rate:
            await session.flush()
            session.add(
                TaxRateAudit(
                    tenant_id=invoice.tenant_id,
                    invoice_id=invoice.id,
                    line_item_id=row.id,
                    tax_rate=line.tax_rate,
                )
            )
            # FR-064a: accepted, but flagged for review as a likely data-entry error.
            logger.warning(
                "tax rate above 27%% accepted for audit",
                extra={"invoice_id": invoice.id, "tax_rate": str(line.tax_rate)},
            )
    for plan_item in plan.schedule:
        schedule.append(
            InstallmentSchedule(
                tenant_id=invoice.tenant_id,
                invoice_id=invoice.id,
                number=plan_item.number,
                amount=plan_item.amount,
                tax_amount=plan_item.tax_amount,
                service_fee_amount=plan_item.service_fee_amount,
                due_date=to_naive_utc(plan_item.due_date),
                status="unpaid",
                paid_amount=Decimal(0),
                paid_at=None,
            )
        )
    session.add_all(schedule)
    await session.flush()
    return lines, schedule
