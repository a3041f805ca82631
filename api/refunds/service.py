"""Refund use cases: a refund is a workflow update on the invoice (update-with-start when its
run has completed), so it is serialized with payments and other refunds; the refund rows are
rendered here, for the api and for the events that carry them."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.client import Client

from api.errors import BusinessRuleError, NotFound
from api.invoices.service import money, run_update_with_start
from api.refunds.schemas import RefundCreate, RefundOut, RefundPartOut
from db.models import Invoice, Refund
from db.refunds import RefundRepository
from domain.money import parse_currency, to_decimal
from domain.refunds import (
    NO_PAYMENT_MESSAGE,
    SUCCEEDED,
    check_refund_amount,
    new_request_id,
    request_id_for_key,
    request_status,
)
from workflows.refund_contracts import (
    FailRefundRequest,
    RefundOutcome,
    RefundRequest,
    RetryRefundRequest,
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
    task_queue: str,
    invoice: Invoice,
    body: RefundCreate,
    idempotency_key: str | None,
) -> RefundOut:
    request = refund_request(invoice, body, idempotency_key)
    outcome = await run_update_with_start(
        client,
        invoice,
        task_queue,
        "request_refund",
        request,
        RefundOutcome,
        update_id=f"refund-{request.request_id}",
    )
    return await rendered(session, invoice, outcome.request_id)


async def retry_refund(
    session: AsyncSession, client: Client, task_queue: str, invoice: Invoice, request_id: str
) -> RefundOut:
    await run_update_with_start(
        client,
        invoice,
        task_queue,
        "retry_refund",
        RetryRefundRequest(request_id=request_id),
        RefundOutcome,
    )
    return await rendered(session, invoice, request_id)


async def fail_refund(
    session: AsyncSession,
    client: Client,
    task_queue: str,
    invoice: Invoice,
    request_id: str,
    reason: str,
) -> RefundOut:
    await run_update_with_start(
        client,
        invoice,
        task_queue,
        "fail_refund",
        FailRefundRequest(request_id=request_id, reason=reason),
        RefundOutcome,
    )
    return await rendered(session, invoice, request_id)
