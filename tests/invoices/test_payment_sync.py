"""POST /invoices/{id}/sync through the api, the worker and the sandbox over real HTTP: a
payment whose notification is lost is applied when the merchant asks (its customer landed on
the success page), exactly once, and a notification racing the sync changes nothing more.
Expected figures come from the test's own inputs (2 × 50000 at 11% VAT, Xendit IDR fee)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from tests.invoices.helpers import Merchant, eventually

SUBTOTAL = Decimal(100000)
XENDIT_TOTAL = SUBTOTAL + SUBTOTAL * Decimal("0.11") + SUBTOTAL * Decimal("0.029") + 2000
MIDTRANS_TOTAL = SUBTOTAL + SUBTOTAL * Decimal("0.11") + SUBTOTAL * Decimal("0.02") + 4000


def s(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal(1)):f}"


@pytest.fixture
async def lost_notifications(shop: Merchant) -> AsyncIterator[None]:
    """Every gateway notification is recorded by the sandbox but never sent."""
    response = await shop.sandbox("POST", "/_sandbox/faults", json={"drop_notifications": True})
    assert response.status_code == 200 and response.json()["drop_notifications"] is True
    yield
    await shop.sandbox("DELETE", "/_sandbox/faults")


async def sync(shop: Merchant, invoice_id: int, headers: dict[str, str] | None = None) -> Any:
    return await shop.client.post(f"/invoices/{invoice_id}/sync", headers=headers or shop.headers)


async def paid_transactions(shop: Merchant, invoice_id: int) -> list[tuple[str, str]]:
    txns = (await shop.sub(invoice_id, "transactions"))["data"]
    return [(t["status"], t["amount"]) for t in txns]


@pytest.mark.parametrize(("gateway_id", "total"), [(1, XENDIT_TOTAL), (2, MIDTRANS_TOTAL)])
async def test_sync_applies_a_payment_whose_notification_was_lost(
    shop: Merchant, lost_notifications: None, gateway_id: int, total: Decimal
) -> None:
    gateway = {1: "xendit", 2: "midtrans"}[gateway_id]
    applied_by_sync = await applied(shop, gateway, "sync")
    invoice = await shop.create(gateway_id=gateway_id)
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    deliveries = (await shop.sandbox("GET", "/_sandbox/webhooks")).json()
    mine = [d for d in deliveries["data"] if d["reference"] == link["gateway_reference"]]
    assert mine and {d["state"] for d in mine} == {"dropped"}
    assert (await shop.get(invoice["id"]))["status"] == "pending"

    response = await sync(shop, invoice["id"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["amount_paid"], body["amount_due"]) == (
        "fully_paid",
        s(total),
        "0",
    )
    # A second click on the success page: the same invoice, still one transaction.
    again = await sync(shop, invoice["id"])
    assert again.status_code == 200 and again.json()["amount_paid"] == s(total)
    assert await paid_transactions(shop, invoice["id"]) == [("paid", s(total))]
    assert await applied(shop, gateway, "sync") == applied_by_sync + 1


async def applied(shop: Merchant, gateway: str, source: str) -> float:
    """paytrust_payments_applied_total{gateway, source} (this test process runs the worker,
    so its counters are the api's /metrics too)."""
    text = (await shop.client.get("/metrics")).text
    series = f'paytrust_payments_applied_total{{gateway="{gateway}",source="{source}"}} '
    line = next((line for line in text.splitlines() if line.startswith(series)), None)
    return float(line.split()[-1]) if line else 0.0


async def test_sync_of_an_unpaid_or_draft_invoice_changes_nothing(shop: Merchant) -> None:
    draft = await shop.create()
    response = await sync(shop, draft["id"])
    assert response.status_code == 200, response.text
    assert response.json() == await shop.get(draft["id"])
    assert response.json()["status"] == "draft"

    pending = await shop.create()
    await shop.pay_link(pending["id"])
    response = await sync(shop, pending["id"])
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["amount_paid"]) == ("pending", "0")
    assert await paid_transactions(shop, pending["id"]) == []


async def test_sync_is_tenant_scoped_open_to_the_admin_and_needs_a_key(
    shop: Merchant, client: Any, admin_headers: dict[str, str], lost_notifications: None
) -> None:
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    other = await client.post(
        "/api-keys", json={"tenant_id": "someone-else", "name": "x"}, headers=admin_headers
    )
    assert other.status_code == 201, other.text
    stranger = await sync(shop, invoice["id"], {"X-API-Key": other.json()["key"]})
    assert stranger.status_code == 404
    assert stranger.json()["error"]["message"] == f"Invoice {invoice['id']} not found"
    anonymous = await client.post(f"/invoices/{invoice['id']}/sync")
    assert anonymous.status_code == 401
    assert (await shop.get(invoice["id"]))["status"] == "pending"  # none of those synced

    by_admin = await sync(shop, invoice["id"], admin_headers)
    assert by_admin.status_code == 200, by_admin.text
    assert by_admin.json()["status"] == "fully_paid"
    missing = await sync(shop, 987_654_321, admin_headers)
    assert missing.status_code == 404
    # Out-of-range and malformed ids, and a wrong admin key: refused, nothing asked.
    for bad in ("9" * 30, "-1", "abc"):
        refused = await client.post(f"/invoices/{bad}/sync", headers=shop.headers)
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["error"]["code"] == "validation_error"
    wrong_admin = await sync(shop, invoice["id"], {"X-Admin-Key": "x" * 40})
    assert wrong_admin.status_code == 401


async def test_sync_is_rate_limited_per_invoice(shop: Merchant, settings: Any) -> None:
    invoice = await shop.create()
    limit = settings.sync_per_invoice_per_minute
    answers = [(await sync(shop, invoice["id"])).status_code for _ in range(limit + 1)]
    assert answers == [200] * limit + [429]
    limited = await sync(shop, invoice["id"])
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    # Another invoice of the same merchant is not held back.
    assert (await sync(shop, (await shop.create())["id"])).status_code == 200


async def test_sync_of_a_paid_invoice_whose_workflow_completed(shop: Merchant) -> None:
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    await shop.wait_status(invoice["id"], "fully_paid")
    response = await sync(shop, invoice["id"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "fully_paid"
    assert await paid_transactions(shop, invoice["id"]) == [("paid", s(XENDIT_TOTAL))]


async def test_a_notification_racing_a_sync_is_applied_once_50_times(
    shop: Merchant, app: Any, temporal_env: Any
) -> None:
    """The sandbox marks the payment paid and sends its notification at once; the sync asks
    the gateway in the same milliseconds. Whichever lands second is a duplicate."""
    invoices = [await shop.create() for _ in range(50)]
    links = await asyncio.gather(*(shop.pay_link(inv["id"]) for inv in invoices))

    async def race(invoice: dict[str, Any], link: dict[str, Any]) -> None:
        await shop.sandbox_pay(link["gateway_reference"])
        response = await sync(shop, invoice["id"])
        for _ in range(5):  # as a merchant would: a 503 (gateway or workflow slow) is retried
            if response.status_code != 503:
                break
            await asyncio.sleep(0.5)
            response = await sync(shop, invoice["id"])
        assert response.status_code == 200, response.text
        assert response.json()["amount_paid"] == s(XENDIT_TOTAL)

    for start in range(0, 50, 10):
        batch = zip(invoices[start : start + 10], links[start : start + 10], strict=True)
        outcomes = await asyncio.gather(
            *(race(inv, link) for inv, link in batch), return_exceptions=True
        )
        assert not [o for o in outcomes if o is not None], outcomes
    ids = [invoice["id"] for invoice in invoices]
    await settled(app, temporal_env.client, ids)
    for invoice_id in ids:
        assert await paid_transactions(shop, invoice_id) == [("paid", s(XENDIT_TOTAL))]
        assert (await shop.get(invoice_id))["amount_paid"] == s(XENDIT_TOTAL)


async def settled(app: Any, client: Any, invoice_ids: list[int]) -> None:
    """Every notification of these invoices was handed to its invoice (webhook_events
    `processed`) and every invoice workflow has closed, so nothing is left to apply."""
    from sqlalchemy import func, select

    from contracts.workflows import invoice_workflow_id
    from db.models import WebhookEvent

    sessions = app.state.services.sessions

    async def unprocessed() -> int:
        async with sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(WebhookEvent)
                .where(WebhookEvent.invoice_id.in_(invoice_ids), WebhookEvent.status != "processed")
            )
            return int(count or 0)

    async def delivered() -> int:
        async with sessions() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(WebhookEvent)
                .where(WebhookEvent.invoice_id.in_(invoice_ids))
            )
            return int(count or 0)

    await eventually(delivered, lambda n: n >= len(invoice_ids), timeout=30)
    await eventually(unprocessed, lambda n: n == 0, timeout=30)

    async def open_runs() -> int:
        running = 0
        for invoice_id in invoice_ids:
            described = await client.get_workflow_handle(invoice_workflow_id(invoice_id)).describe()
            running += described.close_time is None
        return running

    await eventually(open_runs, lambda n: n == 0, timeout=30)
