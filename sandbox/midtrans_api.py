"""Midtrans Snap and Core API v2 as the sandbox serves them (GATEWAYS.md)."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta
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
from sandbox.state import Account, Sandbox, SandboxError
from sandbox.wire import as_utc, midtrans_time, utc_now

router = APIRouter(tags=["midtrans"])

ORDER_ID_RE: Final = re.compile(r"^[A-Za-z0-9\-_~.]{1,50}$")
UNAUTHORIZED: Final = (
    "Access denied due to unauthorized transaction, please check client or server key"
)
UNIT_SECONDS: Final = {
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
}


def snap_error(status_code: int, *messages: str) -> Response:
    """Snap's error shape: {"error_messages": [...]}."""
    return json_response({"error_messages": list(messages)}, status_code)


def core_answer(status_code: str, message: str, *, http_status: int = 200) -> Response:
    """Core API answers carry their own status_code (errors often under HTTP 200)."""
    return json_response(
        {"status_code": status_code, "status_message": message, "id": str(uuid.uuid4())},
        http_status,
    )


@router.post("/snap/v1/transactions", status_code=201)
async def create_transaction(request: Request, sandbox: SandboxDep) -> Response:
    """Create a Snap order: 201 {token, redirect_url}."""
    fault = await injected_fault(sandbox, "create_payment", "midtrans")
    if fault is not None:
        return snap_error(fault.status, "Sandbox injected fault")
    account = authenticated_account(request, sandbox, "midtrans")
    if account is None:
        return snap_error(401, UNAUTHORIZED)
    try:
        body = await read_json(request)
    except ValueError as exc:
        return snap_error(400, str(exc))
    if not isinstance(body, dict):
        return snap_error(400, "request body must be a JSON object")
    details = body.get("transaction_details")
    if not isinstance(details, dict):
        return snap_error(400, "transaction_details is required")
    order_id = details.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        return snap_error(400, "transaction_details.order_id is required")
    if not ORDER_ID_RE.fullmatch(order_id):
        return snap_error(
            400,
            "transaction_details.order_id must be at most 50 characters of letters, digits,"
            " '-', '_', '~' and '.'",
        )
    for holder in (body, details):
        currency = holder.get("currency")
        if currency is not None and currency != "IDR":
            return snap_error(400, "currency is not supported; only IDR is accepted")
    gross = to_amount(details.get("gross_amount"))
    if gross is None:
        return snap_error(400, "transaction_details.gross_amount is required")
    if gross != gross.to_integral_value():
        return snap_error(400, "transaction_details.gross_amount must be an integer for IDR")
    if gross < 1:
        return snap_error(400, "transaction_details.gross_amount must be greater than 0")
    items = body.get("item_details")
    if items is not None:
        problem = _items_problem(items, gross)
        if problem:
            return snap_error(400, problem)
    expires_at = _expiry(body.get("expiry"))
    if isinstance(expires_at, str):
        return snap_error(400, expires_at)
    async with sandbox.lock:
        if sandbox.order_id_taken(order_id):
            return snap_error(400, "transaction_details.order_id has already been taken")
        if order_id in sandbox.payments:  # a Xendit invoice id; the namespaces never meet
            return snap_error(400, "transaction_details.order_id has already been taken")
        description = str(items[0].get("name", "")) if isinstance(items, list) and items else ""
        payment = sandbox.add_midtrans_order(
            order_id=order_id,
            gross_amount=gross,
            expires_at=expires_at,
            description=description,
            request=body,
            account_id=account.id,
        )
        return json_response(
            {"token": payment.token, "redirect_url": payment.payment_url}, status_code=201
        )


def _items_problem(items: Any, gross: Decimal) -> str | None:
    if not isinstance(items, list):
        return "item_details must be an array"
    total = Decimal(0)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            return f"item_details[{index}] must be an object"
        price = to_amount(item.get("price"))
        quantity = item.get("quantity")
        if price is None or price != price.to_integral_value():
            return f"item_details[{index}].price must be an integer"
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            return f"item_details[{index}].quantity must be at least 1"
        name = item.get("name")
        if not isinstance(name, str) or not name:
            return f"item_details[{index}].name is required"
        if len(name) > 50:
            return f"item_details[{index}].name must be 50 characters or fewer"
        total += price * quantity
    if total != gross:
        return "transaction_details.gross_amount is not equal to the sum of item_details"
    return None


def _expiry(expiry: Any) -> datetime | str:
    """The order's expiry, or an error message. No expiry: Snap's default of 24 hours."""
    if expiry is None:
        return utc_now() + timedelta(days=1)
    if not isinstance(expiry, dict):
        return "expiry must be an object"
    unit = expiry.get("unit", "minute")
    duration = expiry.get("duration")
    if unit not in UNIT_SECONDS:
        return "expiry.unit must be minute, hour or day"
    if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
        return "expiry.duration must be a positive integer"
    start_text = expiry.get("start_time")
    if start_text is None:
        start = utc_now()
    else:
        try:
            start = as_utc(datetime.strptime(str(start_text), "%Y-%m-%d %H:%M:%S %z"))
        except ValueError:
            return "expiry.start_time must look like 2020-01-31 12:00:00 +0700"
    return start + timedelta(seconds=duration * UNIT_SECONDS[unit])


async def _core_guard(
    request: Request, sandbox: Sandbox, operation: Operation
) -> Response | Account:
    """Injected faults, then the server key, which names the merchant account."""
    fault = await injected_fault(sandbox, operation, "midtrans")
    if fault is not None:
        return core_answer(
            str(fault.status),
            "Sandbox injected fault",
            http_status=200 if fault.in_body else fault.status,
        )
    account = authenticated_account(request, sandbox, "midtrans")
    if account is None:
        return core_answer("401", UNAUTHORIZED, http_status=401)
    return account


def _not_found() -> Response:
    # Midtrans answers HTTP 200 and puts the 404 in the body.
    return core_answer("404", "Transaction doesn't exist.")


@router.get("/v2/{key}/status")
async def transaction_status(key: str, request: Request, sandbox: SandboxDep) -> Response:
    """Status by order_id or transaction_id: the notification shape plus refunds."""
    account = await _core_guard(request, sandbox, "status")
    if isinstance(account, Response):
        return account
    async with sandbox.lock:
        payment = owned(sandbox.find(key), account)
        if payment is None:
            return _not_found()
        body = sandbox.midtrans_notification(payment, bank_confirmed=True)
        body["status_message"] = "Success, transaction is found"
        body.setdefault("refund_amount", "0.00")
        body.setdefault("refunds", [])
        return json_response(body)


@router.post("/v2/{order_id}/expire")
async def expire_transaction(order_id: str, request: Request, sandbox: SandboxDep) -> Response:
    """Expire a pending transaction: body status_code "407" (and an expire notification)."""
    account = await _core_guard(request, sandbox, "expire")
    if isinstance(account, Response):
        return account
    async with sandbox.lock:
        payment = owned(sandbox.find(order_id), account)
        if payment is None:
            return _not_found()
        if payment.status != "pending":
            return core_answer("412", "Merchant cannot modify the status of the transaction")
        sandbox.expire(payment)
        body = sandbox.midtrans_notification(payment)
        body["status_message"] = "Success, transaction is expired"
        del body["signature_key"]
        return json_response(body)


@router.post("/v2/{order_id}/refund")
async def refund_transaction(order_id: str, request: Request, sandbox: SandboxDep) -> Response:
    """Refund a settled transaction: the result synchronously (body `status_code` "200",
    `transaction_status` refund / partial_refund), then two notifications. A repeated
    `refund_key` on the order is a retry of the same refund: it returns that refund and sends
    nothing. `refund_result` faults (sandbox/faults.py) refuse, hold or slow new refunds."""
    account = await _core_guard(request, sandbox, "refund")
    if isinstance(account, Response):
        return account
    try:
        body = await read_json(request)
    except ValueError as exc:
        return core_answer("400", str(exc))
    if not isinstance(body, dict):
        body = {}
    amount: Decimal | None = None
    if body.get("amount") is not None:
        amount = to_amount(body["amount"])
        if amount is None:
            return core_answer("400", "amount must be a number")
    raw_key = body.get("refund_key")
    key = raw_key if isinstance(raw_key, str) and raw_key else None
    reason = body.get("reason")
    async with sandbox.lock:
        payment = owned(sandbox.find(order_id), account)
        if payment is None:
            return _not_found()
        fault = None
        if sandbox.refund_for_key(payment, key) is None:
            fault = sandbox.faults.take_refund_fault("midtrans", payment.reference)
    if fault is not None and fault.outcome == "failed":
        # Midtrans refuses synchronously, and notifies successful refunds only.
        return core_answer("412", f"Refund is denied: {fault.failure_code}")
    if fault is not None and fault.outcome == "slow":
        await asyncio.sleep(fault.delay_ms / 1000)
    async with sandbox.lock:
        try:
            refund, _ = sandbox.refund(
                payment,
                amount,
                reason if isinstance(reason, str) else "",
                idempotency_key=key,
            )
        except SandboxError as exc:
            return core_answer("412", exc.message)
        transaction_status, _code = sandbox.midtrans_transaction_status(payment)
        answer = {
            "status_code": "200",
            "status_message": "Success, refund request is approved",
            "transaction_id": payment.transaction_id,
            "order_id": payment.reference,
            "gross_amount": f"{payment.gross_amount:.2f}",
            "currency": "IDR",
            "payment_type": "bank_transfer",
            "transaction_time": midtrans_time(payment.created_at),
            "transaction_status": transaction_status,
            "refund_chargeback_id": refund.chargeback_id,
            "refund_amount": f"{refund.amount:.2f}",
            "refund_key": refund.refund_id,
        }
    if fault is not None and fault.outcome == "timeout":
        await asyncio.sleep(fault.delay_ms / 1000)
    return json_response(answer)
