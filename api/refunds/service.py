"""Refund use cases: a refund is a workflow update on the invoice (update-with-start when its
run has completed), so it is serialized with payments and other refunds; the refund rows are
rendered here, for the api and for the events that carry them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.errors import BusinessRuleError, NotFound
from api.invoices.service import run_update_with_start
from contracts.invoices import InvoiceStarts
from contracts.refunds import FailRefundRequest, RefundRequest, RetryRefundRequest
from contracts.resources import RefundCreate, RefundOut
from contracts.workflows import FAIL_REFUND, REQUEST_REFUND, RETRY_REFUND
from db.models import Invoice
from db.refunds import RefundRepository
from db.resources import refund_out
from domain.money import parse_currency, to_decimal
from domain.refunds import (
    NO_PAYMENT_MESSAGE,
    check_refund_amount,
    new_request_id,
    request_id_for_key,
)


def refund_request(
    invoice: Invoice, body: RefundCreate, idempotency_key: str | None
) -> RefundRequest:
    """The workflow's request: the amount checked against the currency (400 otherwise), and a
    refund id that the same Idempotency-Key always gives again."""
    amount = None
    if body.amount is not None:
        amount = check_refund_amount(to_decimal(body.amount), parse_currency(invoice.currency))
    if invoice.amount_paid <= 0:
        # Nothing was ever paid: no need to ask the workflow (it checks again all the same).
        raise BusinessRuleError(NO_PAYMENT_MESSAGE, code="no_payment")
    request_id = (
        request_id_for_key(invoice.tenant_id, invoice.id, idempotency_key)
        if idempotency_key
        else new_request_id()
    )
    return RefundRequest(request_id=request_id, amount=amount, reason=body.reason)


async def rendered(session: AsyncSession, invoice: Invoice, request_id: str) -> RefundOut:
    parts = await RefundRepository(session, invoice.tenant_id).request_parts(invoice.id, request_id)
    if not parts:
        raise NotFound(f"Refund {request_id} not found")
    return refund_out(parts)


async def request_refund(
    session: AsyncSession,
    client: Client,
    starts: InvoiceStarts,
    invoice: Invoice,
    body: RefundCreate,
    idempotency_key: str | None,
) -> RefundOut:
    request = refund_request(invoice, body, idempotency_key)
    outcome = await run_update_with_start(
        client,
        invoice,
        starts,
        REQUEST_REFUND,
        request,
        update_id=f"refund-{request.request_id}",
    )
    return await rendered(session, invoice, outcome.request_id)


async def retry_refund(
    session: AsyncSession, client: Client, starts: InvoiceStarts, invoice: Invoice, request_id: str
) -> RefundOut:
    await run_update_with_start(
        client,
        invoice,
        starts,
        RETRY_REFUND,
        RetryRefundRequest(request_id=request_id),
    )
    return await rendered(session, invoice, request_id)


async def fail_refund(
    session: AsyncSession,
    client: Client,
    starts: InvoiceStarts,
    invoice: Invoice,
    request_id: str,
    reason: str,
) -> RefundOut:
    await run_update_with_start(
        client,
        invoice,
        starts,
        FAIL_REFUND,
        FailRefundRequest(request_id=request_id, reason=reason),
    )
    return await rendered(session, invoice, request_id)
