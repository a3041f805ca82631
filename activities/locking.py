"""The invoice row lock every change of an invoice holds, taken by the invoice, refund and
overdue activities alike (one home for "lock the invoice or raise NotFound")."""

from __future__ import annotations

from contracts.errors import ErrorType
from db.invoices import InvoiceRepository
from db.models import Invoice
from workflows.rules import business_error


async def lock_invoice(invoices: InvoiceRepository, invoice_id: int) -> Invoice:
    """The invoice row `SELECT ... FOR UPDATE`; missing, or another tenant's: the
    non-retryable NotFound."""
    invoice = await invoices.lock(invoice_id)
    if invoice is None:
        raise business_error(f"Invoice {invoice_id} not found", ErrorType.NOT_FOUND)
    return invoice
