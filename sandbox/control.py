"""The `/_sandbox` control API (API.md): drive payments and inject faults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel, Field

from sandbox.common import SandboxDep, json_response, to_amount
from sandbox.faults import FaultsRequest
from sandbox.state import Account, Sandbox, SandboxError

router = APIRouter(prefix="/_sandbox", tags=["control"])


class PayRequest(BaseModel):
    """`amount` defaults to the full amount; less or more simulates under/overpayment."""

    amount: str | int | None = None
    deliveries: int = Field(default=1, ge=1, le=20)


class RefundRequest(BaseModel):
    """`amount` defaults to what is left to refund. `status: failed` sends Xendit's
    refund.failed (Midtrans sends nothing for a failed refund)."""

    amount: str | int | None = None
    reason: str = "REQUESTED_BY_CUSTOMER"
    status: Literal["succeeded", "failed"] = "succeeded"


def _amount(value: str | int | None) -> Decimal | None:
    if value is None:
        return None
    amount = to_amount(value)
    if amount is None:
        raise HTTPException(400, f"Malformed amount: {value!r}")
    return amount


def _http(exc: SandboxError) -> HTTPException:
    return HTTPException(exc.status_code, exc.message)


class AccountRequest(BaseModel):
    """A merchant account; `webhook_url` is where its notifications go (set it later with
    PATCH once PayTrust has given the account its webhook URL)."""

    gateway: Literal["xendit", "midtrans"]
    webhook_url: str | None = None


class AccountUpdate(BaseModel):
    webhook_url: str


@router.get("/accounts")
async def list_accounts(sandbox: SandboxDep) -> Response:
    """Every merchant account, the platform's included, with its keys (a test double)."""
    async with sandbox.lock:
        return json_response({"data": [a.view() for a in sandbox.accounts.values()]})


@router.post("/accounts", status_code=201)
async def create_account(body: AccountRequest, sandbox: SandboxDep) -> Response:
    """A new merchant account with its own keys."""
    async with sandbox.lock:
        account = sandbox.add_account(body.gateway, body.webhook_url)
        return json_response(account.view(), 201)


def _account(sandbox: Sandbox, account_id: str) -> Account:
    try:
        return sandbox.account(account_id)
    except SandboxError as exc:
        raise _http(exc) from None


@router.get("/accounts/{account_id}")
async def get_account(account_id: str, sandbox: SandboxDep) -> Response:
    async with sandbox.lock:
        return json_response(_account(sandbox, account_id).view())


@router.patch("/accounts/{account_id}")
async def update_account(account_id: str, body: AccountUpdate, sandbox: SandboxDep) -> Response:
    """Point the account's notifications at `webhook_url`."""
    async with sandbox.lock:
        account = _account(sandbox, account_id)
        account.webhook_url = body.webhook_url
        return json_response(account.view())


@router.post("/accounts/{account_id}/rotate")
async def rotate_account(account_id: str, sandbox: SandboxDep) -> Response:
    """New keys for the account (the old ones stop working); its payments stay its own."""
    async with sandbox.lock:
        account = sandbox.rotate_account(_account(sandbox, account_id))
        return json_response(account.view())


@router.get("/payments")
async def list_payments(
    sandbox: SandboxDep, gateway: str | None = None, reference: str | None = None
) -> Response:
    """Payments the sandbox holds (filter by gateway, or by reference/merchant reference)."""
    async with sandbox.lock:
        data = [
            payment.view()
            for payment in sandbox.payments.values()
            if (gateway is None or payment.gateway == gateway)
            and (reference is None or reference in (payment.reference, payment.merchant_reference))
        ]
    return json_response({"data": data})


@router.get("/payments/{reference}")
async def get_payment(reference: str, sandbox: SandboxDep) -> Response:
    """One payment (by reference, Midtrans token or transaction_id)."""
    async with sandbox.lock:
        try:
            return json_response(sandbox.get(reference).view())
        except SandboxError as exc:
            raise _http(exc) from None


@router.post("/payments/{reference}/pay")
async def pay(reference: str, body: PayRequest, sandbox: SandboxDep) -> Response:
    """Mark paid and send the paid webhook `deliveries` times."""
    amount = _amount(body.amount)
    async with sandbox.lock:
        try:
            payment = sandbox.get(reference)
            sandbox.pay(payment, amount, body.deliveries)
        except SandboxError as exc:
            raise _http(exc) from None
        return json_response(payment.view())


@router.post("/payments/{reference}/expire")
async def expire(reference: str, sandbox: SandboxDep) -> Response:
    """Expire a pending payment and send the expiry webhook."""
    async with sandbox.lock:
        try:
            payment = sandbox.get(reference)
            sandbox.expire(payment)
        except SandboxError as exc:
            raise _http(exc) from None
        return json_response(payment.view())


@router.post("/payments/{reference}/refund")
async def refund(reference: str, body: RefundRequest, sandbox: SandboxDep) -> Response:
    """Refund (Xendit: refund.* envelope; Midtrans: two notifications per refund)."""
    amount = _amount(body.amount)
    async with sandbox.lock:
        try:
            payment = sandbox.get(reference)
            made, _ = sandbox.refund(payment, amount, body.reason, fail=body.status == "failed")
        except SandboxError as exc:
            raise _http(exc) from None
        view: dict[str, Any] = payment.view()
        view["refund"] = {"refund_id": made.refund_id, "amount": f"{made.amount:f}"}
        return json_response(view)


@router.get("/faults")
async def get_faults(sandbox: SandboxDep) -> Response:
    """The faults in force."""
    return json_response(sandbox.faults.describe())


@router.post("/faults")
async def set_faults(body: FaultsRequest, sandbox: SandboxDep) -> Response:
    """Inject faults; fields left out keep their setting."""
    async with sandbox.lock:
        sandbox.faults.apply(body)
        return json_response(sandbox.faults.describe())


@router.delete("/faults")
async def clear_faults(sandbox: SandboxDep) -> Response:
    """Remove every fault and release webhooks held for reordering."""
    async with sandbox.lock:
        sandbox.faults.clear()
        sandbox.dispatcher.release_held()
        return json_response(sandbox.faults.describe())


@router.get("/webhooks")
async def webhooks(
    sandbox: SandboxDep, reference: str | None = None, gateway: str | None = None
) -> Response:
    """The delivery log: every webhook, its signature validity and each attempt's outcome."""
    data = [
        delivery.view()
        for delivery in sandbox.dispatcher.log
        if (reference is None or delivery.reference == reference)
        and (gateway is None or delivery.gateway == gateway)
    ]
    return json_response({"data": data})


@router.post("/reset")
async def reset(sandbox: SandboxDep) -> Response:
    """Forget every payment, delivered webhook and fault."""
    await sandbox.reset()
    return json_response({"status": "ok"})
