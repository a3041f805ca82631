"""Driving invoices through the public API and the sandbox's control API, and waiting for
the asynchronous results (webhook → workflow → MySQL) with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


def invoice_body(
    *,
    currency: str = "IDR",
    gateway_id: int = 1,
    lines: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": f"order-{uuid.uuid4().hex[:12]}",
        "currency": currency,
        "gateway_id": gateway_id,
        "description": "Test order",
        "customer": {"name": "Ani", "email": "ani@example.com"},
        "line_items": lines
        or [
            {
                "description": "Widget",
                "quantity": 2,
                "unit_price": "50000",
                "tax_rate": "0.11",
                "tax_category": "VAT",
            }
        ],
    }
    body.update(extra)
    return body


def in_hours(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


async def eventually(
    probe: Callable[[], Awaitable[Any]],
    accept: Callable[[Any], bool],
    *,
    timeout: float = 20.0,
    interval: float = 0.1,
) -> Any:
    """Poll `probe` until `accept(result)`; fail with the last result after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if accept(last):
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met after {timeout}s; last: {last}")


class Merchant:
    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], sandbox_url: str):
        self.client = client
        self.headers = headers
        self.sandbox_url = sandbox_url

    async def create(self, **kwargs: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/invoices", json=invoice_body(**kwargs), headers=self.headers
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def get(self, invoice_id: int) -> dict[str, Any]:
        response = await self.client.get(f"/invoices/{invoice_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def sub(self, invoice_id: int, what: str) -> dict[str, Any]:
        response = await self.client.get(f"/invoices/{invoice_id}/{what}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def initiate(self, invoice_id: int, installment: int | None = None) -> httpx.Response:
        body = {} if installment is None else {"installment_number": installment}
        return await self.client.post(
            f"/invoices/{invoice_id}/payments", json=body, headers=self.headers
        )

    async def pay_link(self, invoice_id: int, installment: int | None = None) -> dict[str, Any]:
        response = await self.initiate(invoice_id, installment)
        assert response.status_code == 201, response.text
        return response.json()

    async def sandbox_pay(
        self, reference: str, amount: str | None = None, deliveries: int = 1
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"deliveries": deliveries}
        if amount is not None:
            body["amount"] = amount
        async with httpx.AsyncClient(base_url=self.sandbox_url, timeout=30) as sandbox:
            response = await sandbox.post(f"/_sandbox/payments/{reference}/pay", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def sandbox(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.sandbox_url, timeout=30) as sandbox:
            return await sandbox.request(method, path, **kwargs)

    async def wait_status(self, invoice_id: int, status: str, timeout: float = 20) -> dict:
        return await eventually(
            lambda: self.get(invoice_id), lambda inv: inv["status"] == status, timeout=timeout
        )

    async def wait_refunded(self, invoice_id: int, amount: str, timeout: float = 20) -> dict:
        return await eventually(
            lambda: self.get(invoice_id),
            lambda inv: inv["amount_refunded"] == amount,
            timeout=timeout,
        )

    async def wait_paid(self, invoice_id: int, amount_paid: str, timeout: float = 20) -> dict:
        return await eventually(
            lambda: self.get(invoice_id),
            lambda inv: inv["amount_paid"] == amount_paid,
            timeout=timeout,
        )


def xendit_callback(
    *, reference: str, external_id: str, amount: str, currency: str, status: str = "PAID"
) -> bytes:
    """A Xendit invoice callback body, as Xendit sends it (GATEWAYS.md)."""
    import json

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return json.dumps(
        {
            "id": reference,
            "external_id": external_id,
            "user_id": "5848fdf860053555135587e7",
            "status": status,
            "merchant_name": "PayTrust Tests",
            "amount": amount,
            "paid_amount": amount,
            "paid_at": now,
            "payer_email": "ani@example.com",
            "description": "test",
            "created": now,
            "updated": now,
            "currency": currency,
            "payment_method": "BANK_TRANSFER",
            "payment_channel": "BCA",
        }
    ).encode()


def midtrans_notification(
    *,
    order_id: str,
    transaction_id: str,
    gross_amount: str,
    server_key: str,
    status: str = "settlement",
) -> bytes:
    """A Midtrans notification signed with the server key: SHA-512(order_id + status_code +
    gross_amount + server_key)."""
    import hashlib
    import json

    status_code = "200"
    signature = hashlib.sha512(
        (order_id + status_code + gross_amount + server_key).encode()
    ).hexdigest()
    jakarta = datetime.now(UTC) + timedelta(hours=7)
    return json.dumps(
        {
            "transaction_time": jakarta.strftime("%Y-%m-%d %H:%M:%S"),
            "settlement_time": jakarta.strftime("%Y-%m-%d %H:%M:%S"),
            "transaction_status": status,
            "transaction_id": transaction_id,
            "status_message": "midtrans payment notification",
            "status_code": status_code,
            "signature_key": signature,
            "payment_type": "bank_transfer",
            "order_id": order_id,
            "merchant_id": "G000000000",
            "gross_amount": gross_amount,
            "fraud_status": "accept",
            "currency": "IDR",
        }
    ).encode()
