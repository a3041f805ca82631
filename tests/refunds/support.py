"""Driving refunds through the public api and reading the sandbox's own record of them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from tests.invoices.helpers import Merchant, eventually

XENDIT, MIDTRANS = 1, 2
# invoice_body's default lines: 2 × 50000 at 11%. Xendit IDR fee 2.9% + 2000, Midtrans 2% + 4000.
SUBTOTAL, TAX = Decimal(100000), Decimal(11000)
TOTALS = {
    XENDIT: SUBTOTAL + TAX + SUBTOTAL * Decimal("0.029") + 2000,
    MIDTRANS: SUBTOTAL + TAX + SUBTOTAL * Decimal("0.02") + 4000,
}


def idr(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1)):f}"


class RefundShop(Merchant):
    async def paid(
        self, gateway_id: int = XENDIT, amount: Decimal | None = None, **create: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """An invoice paid (in full, or `amount`) through the sandbox, the payment applied."""
        invoice = await self.create(gateway_id=gateway_id, **create)
        link = await self.pay_link(invoice["id"])
        paid = link["amount"] if amount is None else idr(amount)
        await self.sandbox_pay(link["gateway_reference"], paid)
        return await self.wait_paid(invoice["id"], paid), link

    async def refund(
        self,
        invoice_id: int,
        amount: str | int | None = None,
        *,
        reason: str | None = None,
        key: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> httpx.Response:
        if body is None:
            body = {}
            if amount is not None:
                body["amount"] = amount
            if reason is not None:
                body["reason"] = reason
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        return await self.client.post(f"/invoices/{invoice_id}/refunds", json=body, headers=headers)

    async def refunds(self, invoice_id: int) -> list[dict[str, Any]]:
        return list((await self.sub(invoice_id, "refunds"))["data"])

    async def refund_of(self, invoice_id: int, refund_id: str) -> dict[str, Any]:
        return next(r for r in await self.refunds(invoice_id) if r["refund_id"] == refund_id)

    async def wait_refund(
        self, invoice_id: int, refund_id: str, status: str, timeout: float = 30
    ) -> dict[str, Any]:
        result: dict[str, Any] = await eventually(
            lambda: self.refund_of(invoice_id, refund_id),
            lambda r: r["status"] == status,
            timeout=timeout,
        )
        return result

    async def transactions(self, invoice_id: int) -> list[dict[str, Any]]:
        return list((await self.sub(invoice_id, "transactions"))["data"])

    async def events(self, invoice_id: int) -> list[dict[str, Any]]:
        response = await self.client.get(
            "/events", params={"invoice_id": invoice_id, "limit": 200}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return sorted(response.json()["data"], key=lambda e: e["sequence"])

    async def sandbox_refunds(self, reference: str) -> list[dict[str, Any]]:
        """The refunds the sandbox (the gateway) holds for one payment."""
        response = await self.sandbox("GET", f"/_sandbox/payments/{reference}")
        assert response.status_code == 200, response.text
        return list(response.json()["refunds"])


def error_message(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) >= {"error", "request_id"}, body
    return str(body["error"]["message"])


async def submit_attempts(handle: WorkflowHandle[Any, Any]) -> list[int]:
    """The attempt that completed each submit_refund activity of the workflow's run."""
    names: dict[int, str] = {}
    attempts = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = event.activity_task_scheduled_event_attributes
            names[event.event_id] = attributes.activity_type.name
        elif event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            started = event.activity_task_started_event_attributes
            if names.get(started.scheduled_event_id) == "submit_refund":
                attempts.append(started.attempt)
    return attempts
