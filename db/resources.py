"""Rows to resources: the invoice, installment, payment, discrepancy and refund exactly as the
api's GET endpoints show them (`contracts.resources`), and as events carry them. The one
renderer of each resource; the api and the event-writing activities both call it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.resources import (
    DiscrepancyOut,
    InstallmentOut,
    InvoiceOut,
    LineItemOut,
    RefundOut,
    RefundPartOut,
    TransactionOut,
)
from db import invoices as repo
from db.models import (
    ArchiveTransaction,
    InstallmentSchedule,
    Invoice,
    LineItem,
    PaymentDiscrepancy,
    PaymentTransaction,
    Refund,
)
from domain.money import Currency, format_amount
from domain.payments import amount_due
from domain.refunds import SUCCEEDED, request_status

_INVOICE_MONEY = (
    "subtotal",
    "tax_total",
    "service_fee",
    "total",
    "amount_paid",
    "amount_refunded",
    "overpayment_amount",
)
_INSTALLMENT_MONEY = ("amount", "tax_amount", "service_fee_amount", "paid_amount")


def money(value: Decimal, currency: str) -> str:
    return format_amount(value, Currency(currency))


def invoice_out(
    invoice: Invoice,
    gateway: str,
    lines: list[LineItem],
    schedule: list[InstallmentSchedule],
) -> InvoiceOut:
    c = invoice.currency
    return InvoiceOut(
        id=invoice.id,
        external_id=invoice.external_id,
        status=invoice.status,
        currency=c,
        gateway_id=invoice.gateway_id,
        gateway=gateway,
        description=invoice.description,
        customer=invoice.customer,
        metadata=invoice.metadata_ or {},
        line_items=[
            LineItemOut(
                id=line.id,
                description=line.description,
                quantity=line.quantity,
                unit_price=money(line.unit_price, c),
                subtotal=money(line.subtotal, c),
                tax_rate=f"{line.tax_rate:.4f}",
                tax_category=line.tax_category,
                tax_amount=money(line.tax_amount, c),
            )
            for line in lines
        ],
        subtotal=money(invoice.subtotal, c),
        tax_total=money(invoice.tax_total, c),
        service_fee=money(invoice.service_fee, c),
        total=money(invoice.total, c),
        amount_paid=money(invoice.amount_paid, c),
        amount_due=money(amount_due(invoice.total, invoice.amount_paid), c),
        amount_refunded=money(invoice.amount_refunded, c),
        overpayment_amount=money(invoice.overpayment_amount, c),
        installments=[installment_out(row, c) for row in schedule],
        payment_initiated_at=invoice.payment_initiated_at,
        original_invoice_id=invoice.original_invoice_id,
        expires_at=invoice.expires_at,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )


def installment_out(row: InstallmentSchedule, currency: str) -> InstallmentOut:
    return InstallmentOut(
        number=row.number,
        amount=money(row.amount, currency),
        tax_amount=money(row.tax_amount, currency),
        service_fee_amount=money(row.service_fee_amount, currency),
        due_date=row.due_date,
        status=row.status,
        paid_amount=money(row.paid_amount, currency),
        paid_at=row.paid_at,
    )


def invoice_out_from_document(doc: dict[str, Any]) -> InvoiceOut:
    # Why a second invoice renderer: `GET /invoices/{id}`, the hottest read, renders from the
    # one JSON document MariaDB builds (`InvoiceDocumentRepository.get`: plain dicts, decimals
    # and datetimes decoded, no ORM rows), validated in one `model_validate`; every other path
    # (creation, lists, the changes' answers, the events) has ORM rows and builds the models
    # directly in `invoice_out`. One renderer would mean turning the document into ORM-like
    # rows per hot read, or every ORM path into dicts, only to share the field names and the
    # money formatting the two spell out; so both stay, and
    # `tests/api/test_hot_paths.py::test_one_statement_read_equals_the_orm_rendering` keeps
    # their output equal (escaped text, nested metadata, a schedule, an empty tax category).
    """`InvoiceOut` from `db.invoices.InvoiceDocumentRepository.get`: amounts formatted at
    the currency's scale, everything else validated as it came from the row."""
    currency = Currency(doc["currency"])

    def fmt(value: Decimal) -> str:
        return format_amount(value, currency)

    lines = [
        {
            **line,
            "unit_price": fmt(line["unit_price"]),
            "subtotal": fmt(line["subtotal"]),
            "tax_rate": f"{line['tax_rate']:.4f}",
            "tax_amount": fmt(line["tax_amount"]),
        }
        for line in doc["line_items"]
    ]
    schedule = [
        {
            **row,
            **{k: fmt(row[k]) for k in _INSTALLMENT_MONEY},
        }
        for row in doc["installments"]
    ]
    return InvoiceOut.model_validate(
        {
            **doc,
            **{k: fmt(doc[k]) for k in _INVOICE_MONEY},
            "amount_due": fmt(amount_due(doc["total"], doc["amount_paid"])),
            "metadata": doc["metadata"] or {},
            "line_items": lines,
            "installments": schedule,
        }
    )


def transaction_out(row: PaymentTransaction | ArchiveTransaction, gateway: str) -> TransactionOut:
    return TransactionOut(
        id=row.id,
        installment_number=row.installment_number,
        gateway=gateway,
        gateway_transaction_id=row.gateway_transaction_id,
        amount=money(row.amount, row.currency),
        currency=row.currency,
        status=row.status,
        overpayment_amount=money(row.overpayment_amount, row.currency),
        refunded_amount=money(row.refunded_amount, row.currency),
        failure_reason=row.failure_reason,
        paid_at=row.paid_at,
        created_at=row.created_at,
    )


def discrepancy_out(row: PaymentDiscrepancy, currency: str) -> DiscrepancyOut:
    return DiscrepancyOut(
        transaction_id=row.transaction_id,
        installment_number=row.installment_number,
        expected_amount=money(row.expected_amount, currency),
        paid_amount=money(row.paid_amount, currency),
        difference=money(row.difference, currency),
        type=row.type,
    )


async def render(session: AsyncSession, invoice: Invoice) -> InvoiceOut:
    """The invoice as its GET shows it, its lines and schedule read as its tenant's."""
    invoices = repo.InvoiceRepository(session, invoice.tenant_id)
    return invoice_out(
        invoice,
        await invoices.gateway_name(invoice.gateway_id),
        await invoices.line_items(invoice.id),
        await invoices.schedule(invoice.id),
    )


def refund_out(parts: Sequence[Refund]) -> RefundOut:
    """One refund: a merchant request (its parts share `request_id`) or one refund a gateway
    reported."""
    first = parts[0]
    currency = first.currency
    status = request_status(p.status for p in parts)
    requested = sum((p.refund_amount for p in parts), Decimal(0))
    refunded = sum((p.refund_amount for p in parts if p.status == SUCCEEDED), Decimal(0))
    settled = [p.settled_at for p in parts if p.settled_at is not None]
    settled_at = max(settled) if settled and status != "pending" else None
    failures = [p.failure_reason for p in parts if p.status == "failed" and p.failure_reason]
    requested_at = first.requested_at
    if first.source == "gateway":
        timestamp = first.refund_timestamp
    else:
        timestamp = settled_at if status == SUCCEEDED and settled_at else first.refund_timestamp
    return RefundOut(
        refund_id=first.request_id or first.gateway_refund_id or f"rfg_{first.id}",
        invoice_id=first.invoice_id,
        transaction_id=first.transaction_id,
        refund_amount=money(requested, currency),
        amount_refunded=money(refunded, currency),
        currency=currency,
        refund_timestamp=timestamp,
        refund_reason=first.refund_reason,
        status=status,
        source="merchant" if first.source == "merchant" else "gateway",
        failure_reason="; ".join(failures)[:500] if failures and status != SUCCEEDED else None,
        requested_at=requested_at,
        settled_at=settled_at,
        parts=[
            RefundPartOut(
                transaction_id=p.transaction_id,
                amount=money(p.refund_amount, currency),
                status=p.status,
                gateway_refund_id=p.gateway_refund_id,
                failure_reason=p.failure_reason,
                settled_at=p.settled_at,
            )
            for p in parts
        ],
    )


def group_refunds(rows: Sequence[Refund]) -> list[RefundOut]:
    """Rows (ordered by id) as refunds, in the order each was first recorded."""
    groups: dict[str, list[Refund]] = {}
    for row in rows:
        groups.setdefault(row.request_id or f"row:{row.id}", []).append(row)
    return [refund_out(parts) for parts in groups.values()]
