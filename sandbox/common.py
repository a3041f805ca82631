"""Helpers the sandbox's routers share: the state dependency, JSON in and out (Decimal-safe),
Basic auth checks, and the latency/fault injection every gateway endpoint goes through."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Request, Response

from sandbox.faults import CallFault, Operation, SandboxGateway
from sandbox.state import Account, Payment, Sandbox
from sandbox.wire import dumps


def get_sandbox(request: Request) -> Sandbox:
    """The app's `Sandbox`."""
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


SandboxDep = Annotated[Sandbox, Depends(get_sandbox)]


def json_response(data: Any, status_code: int = 200) -> Response:
    """A JSON response whose Decimals are written as exact JSON numbers."""
    return Response(content=dumps(data), status_code=status_code, media_type="application/json")


async def read_json(request: Request) -> Any:
    """The request body as JSON with floats as Decimal; `ValueError` when it is not JSON."""
    body = await request.body()
    try:
        return json.loads(body, parse_float=Decimal) if body else None
    except (ValueError, UnicodeDecodeError):
        raise ValueError("request body is not valid JSON") from None


def basic_auth_ok(request: Request, secret_key: str) -> bool:
    """`Authorization: Basic base64(secret_key + ":")`, compared in constant time."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(decoded, f"{secret_key}:".encode())


async def injected_fault(
    sandbox: Sandbox, operation: Operation, gateway: SandboxGateway
) -> CallFault | None:
    """Wait out the injected latency, then return the call fault due now, if any."""
    if sandbox.faults.latency_ms:
        await asyncio.sleep(sandbox.faults.latency_ms / 1000)
    async with sandbox.lock:
        return sandbox.faults.take_call_fault(operation, gateway)


def to_amount(value: object) -> Decimal | None:
    """A JSON number or numeric string as Decimal; None for anything else (floats included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except ArithmeticError:
            return None
    else:
        return None
    return amount if amount.is_finite() else None


def authenticated_account(
    request: Request, sandbox: Sandbox, gateway: SandboxGateway
) -> Account | None:
    """The merchant account whose secret (server) key the request's Basic auth carries."""
    for account in list(sandbox.accounts.values()):
        if account.gateway == gateway and basic_auth_ok(request, account.secret_key):
            return account
    return None


def owned(payment: Payment | None, account: Account) -> Payment | None:
    """The payment if it is the account's own (same gateway and account), else None: another
    account's payment is "not found", as at the real gateways."""
    if payment is None or payment.gateway != account.gateway or payment.account_id != account.id:
        return None
    return payment
