"""The Xendit Invoices API v2 as the sandbox serves it (GATEWAYS.md)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any, Final

from fastapi import APIRouter, Request, Response

from sandbox.common import (
    SandboxDep,
    authenticated_account,
    injected_fault,
    json_response,
    owned,
    read_json,
    to_amount,
)
from sandbox.faults import Operation
from sandbox.state import SCALES, Account, Sandbox, SandboxError

router = APIRouter(tags=["xendit"])

REFUND_REASONS: Final = frozenset(
    {"FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS"}
)
MAX_METADATA_KEYS: Final = 50


def error(status_code: int, error_code: str, message: str) -> Response:
    """Xendit's error shape: {"error_code", "message"}."""
    return json_response({"error_code": error_code, "message": message}, status_code)


def validation_error(message: str) -> Response:
    return error(400, "API_VALIDATION_ERROR", message)


async def _guard(request: Request, sandbox: Sandbox, operation: Operation) -> Response | Account:
    """Injected faults first (a gateway outage comes before auth), then the API key, which
    names the merchant account (each sees only its own invoices and refunds)."""
    fault = await injected_fault(sandbox, operation, "xendit")
    if fault is not None:
        code = "SERVER_ERROR" if fault.status >= 500 else "API_VALIDATION_ERROR"
        return error(fault.status, code, "Sandbox injected fault")
    account = authenticated_account(request, sandbox, "xendit")
    if account is None:
        return error(401, "INVALID_API_KEY", "API key is not authorized for this API service")
    return account


def _not_found() -> Response:
    return error(404, "INVOICE_NOT_FOUND_ERROR", "Invoice not found")


@router.post("/v2/invoices")
async def create_invoice(request: Request, sandbox: SandboxDep) -> Response:
    """Create an invoice: 200 with the invoice object, status PENDING."""
    account = await _guard(request, sandbox, "create_payment")
    if isinstance(account, Response):
        return account
    try:
        body = await read_json(request)
    except ValueError as exc:
        return validation_error(str(exc))
    if not isinstance(body, dict):
        return validation_error("request body must be a JSON object")
    external_id = body.get("external_id")
    if not isinstance(external_id, str) or not external_id:
        return validation_error('"external_id" is required')
    if "amount" not in body:
        return validation_error('"amount" is required')
    amount = to_amount(body["amount"])
    if amount is None or isinstance(body["amount"], str):
        return validation_error('"amount" must be a number')
    if amount <= 0:
        return validation_error('"amount" must be greater than 0')
    currency = body.get("currency", "IDR")
    if not isinstance(currency, str) or currency.upper() not in SCALES:
        return error(
            400, "UNSUPPORTED_CURRENCY", f"Currency {currency} is not supported for this business"
        )
    currency = currency.upper()
    duration = body.get("invoice_duration", 86400)
    if isinstance(duration, Decimal) and duration == int(duration):
        duration = int(duration)
    if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
        return validation_error('"invoice_duration" must be a positive number of seconds')
    items = body.get("items", [])
    if not isinstance(items, list):
        return validation_error('"items" must be an array')
    for index, item in enumerate(items):
        problem = _item_problem(item)
        if problem:
            return validation_error(f'"items[{index}]" {problem}')
    metadata = body.get("metadata", {})
    if not isinstance(metadata, dict):
        return validation_error('"metadata" must be an object')
    if len(metadata) > MAX_METADATA_KEYS:
        return validation_error('"metadata" must have at most 50 keys')
    description = body.get("description", "")
    async with sandbox.lock:
        payment = sandbox.add_xendit_invoice(
            external_id=external_id,
            amount=amount,
            currency=currency,
            description=description if isinstance(description, str) else "",
            duration_seconds=duration,
            request=body,
            account_id=account.id,
        )
        return json_response(sandbox.xendit_invoice(payment))


def _item_problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "must be an object"
    if not isinstance(item.get("name"), str) or not item["name"]:
        return '"name" is required'
    if to_amount(item.get("price")) is None:
        return '"price" must be a number'
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        return '"quantity" must be a positive integer'
    return None


@router.get("/v2/invoices/{invoice_id}")
async def get_invoice(invoice_id: str, request: Request, sandbox: SandboxDep) -> Response:
    """The invoice object, or 404 INVOICE_NOT_FOUND_ERROR."""
    account = await _guard(request, sandbox, "status")
    if isinstance(account, Response):
        return account
    async with sandbox.lock:
        payment = owned(sandbox.payments.get(invoice_id), account)
        if payment is None:
            return _not_found()
        return json_response(sandbox.xendit_invoice(payment))


@router.post("/invoices/{invoice_id}/expire!")
async def expire_invoice(invoice_id: str, request: Request, sandbox: SandboxDep) -> Response:
    """Expire a PENDING invoice: 200 with the EXPIRED invoice (and the EXPIRED callback)."""
    account = await _guard(request, sandbox, "expire")
    if isinstance(account, Response):
        return account
    async with sandbox.lock:
        payment = owned(sandbox.payments.get(invoice_id), account)
        if payment is None:
            return _not_found()
        if payment.status != "pending":
            return error(400, "INVALID_INVOICE_STATUS", f"Invoice is {payment.status}, not PENDING")
        sandbox.expire(payment)
        return json_response(sandbox.xendit_invoice(payment))


@router.post("/refunds")
async def create_refund(request: Request, sandbox: SandboxDep) -> Response:
    """Refund a paid invoice; 200 with the refund (PENDING), then a refund.* webhook.

    The `idempotency-key` header makes the call safe to repeat: the same key returns the first
    refund (per account, whatever the invoice) and sends nothing; the same key with another
    invoice or amount is a 409. A `reference_id` already used by another refund of the account
    is a 409 too. `refund_result` faults (sandbox/faults.py) fail, hold or slow new refunds.
    """
    account = await _guard(request, sandbox, "refund")
    if isinstance(account, Response):
        return account
    try:
        body = await read_json(request)
    except ValueError as exc:
        return validation_error(str(exc))
    if not isinstance(body, dict):
        return validation_error("request body must be a JSON object")
    invoice_id = body.get("invoice_id") or body.get("payment_request_id")
    if not isinstance(invoice_id, str):
        return validation_error('"invoice_id" or "payment_request_id" is required')
    reason = body.get("reason")
    if reason not in REFUND_REASONS:
        return validation_error(f'"reason" must be one of {", ".join(sorted(REFUND_REASONS))}')
    amount: Decimal | None = None
    if "amount" in body:
        amount = to_amount(body["amount"])
        if amount is None:
            return validation_error('"amount" must be a number')
    metadata = body.get("metadata")
    key = request.headers.get("idempotency-key") or None
    reference_id = body.get("reference_id") if isinstance(body.get("reference_id"), str) else None
    async with sandbox.lock:
        payment = owned(sandbox.payments.get(invoice_id), account)
        if payment is None:
            return error(404, "DATA_NOT_FOUND", "Invoice not found")
        currency = body.get("currency")
        if currency is not None and currency != payment.currency:
            return error(400, "MISMATCH_CURRENCY_ERROR", "Currency does not match the invoice")
        known = sandbox.refund_for_key(payment, key)
        if known is not None:
            first_payment, first = known
            if first_payment is not payment or (amount is not None and amount != first.amount):
                return error(
                    409,
                    "IDEMPOTENCY_ERROR",
                    "The idempotency key was used for another refund request",
                )
            answer = sandbox.xendit_refund(first_payment, first)
            answer["status"] = "PENDING"
            return json_response(answer)
        if sandbox.reference_id_taken(payment, reference_id):
            return error(409, "DUPLICATE_ERROR", "A refund with this reference_id already exists")
        fault = sandbox.faults.take_refund_fault("xendit", payment.reference)
    if fault is not None and fault.outcome == "slow":
        await asyncio.sleep(fault.delay_ms / 1000)
    async with sandbox.lock:
        if sandbox.refund_for_key(payment, key) is None and sandbox.reference_id_taken(
            payment, reference_id
        ):
            return error(409, "DUPLICATE_ERROR", "A refund with this reference_id already exists")
        try:
            refund, _ = sandbox.refund(
                payment,
                amount,
                str(reason),
                idempotency_key=key,
                reference_id=reference_id,
                metadata=metadata if isinstance(metadata, dict) else None,
                fail=fault is not None and fault.outcome == "failed",
                failure_code=fault.failure_code if fault is not None else None,
            )
        except SandboxError as exc:
            code = "REFUND_AMOUNT_EXCEEDED" if "exceeds" in exc.message else "INVALID_STATUS"
            return error(400, code, exc.message)
        answer = sandbox.xendit_refund(payment, refund)
        answer["status"] = "PENDING"  # the outcome comes by webhook
        answer.pop("failure_code", None)
    if fault is not None and fault.outcome == "timeout":
        await asyncio.sleep(fault.delay_ms / 1000)
    return json_response(answer)


@router.get("/refunds/{refund_id}")
async def get_refund(refund_id: str, request: Request, sandbox: SandboxDep) -> Response:
    """The refund object (its final status), or 404 DATA_NOT_FOUND."""
    account = await _guard(request, sandbox, "status")
    if isinstance(account, Response):
        return account
    async with sandbox.lock:
        for payment in sandbox.payments.values():
            if owned(payment, account) is None:
                continue
            for refund in payment.refunds:
                if refund.refund_id == refund_id:
                    return json_response(sandbox.xendit_refund(payment, refund))
        return error(404, "DATA_NOT_FOUND", "Refund not found")


@router.get("/balance")
async def get_balance(request: Request, sandbox: SandboxDep) -> Response:
    """The account's balance: how a key is checked (401 INVALID_API_KEY when refused)."""
    account = await _guard(request, sandbox, "status")
    if isinstance(account, Response):
        return account
    return json_response({"balance": 0})
