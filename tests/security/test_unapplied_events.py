"""Accepted events that cannot be applied, and money after close (issue 12). Such events used
to be logged and dropped: 200 to the gateway, no row in /webhooks/failed, no metric. Now each
ends as a failed webhook event with its reason (listed, replayable by the admin, counted in
paytrust_webhook_processing_total{outcome="failed"}, which the WebhookFailures alert watches).
Money received on a cancelled invoice is recorded, raises a `paid_after_close` discrepancy and
is reported as received on a closed invoice. Real api, worker, MariaDB, Temporal, sandbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from observability.metrics import WEBHOOK_PROCESSING
from tests.gateways.support import XENDIT_TOKEN
from tests.invoices.helpers import eventually, xendit_callback
from tests.security.hardening_support import shop, tenant_state

__all__ = ["shop"]  # the fixture, used by name


def failed_count() -> float:
    return WEBHOOK_PROCESSING.labels("xendit", "failed")._value.get()


async def post_xendit(client: Any, body: bytes) -> Any:
    response = await client.post(
        "/webhooks/xendit",
        content=body,
        headers={"content-type": "application/json", "x-callback-token": XENDIT_TOKEN},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def failed_event(client: Any, headers: dict[str, str], event_id: str) -> dict[str, Any]:
    async def probe() -> list[dict[str, Any]]:
        page = await client.get("/webhooks/failed", params={"page_size": 200}, headers=headers)
        assert page.status_code == 200, page.text
        return [row for row in page.json()["data"] if row["event_id"] == event_id]

    rows = await eventually(probe, lambda rows: bool(rows), timeout=30)
    return rows[0]


def refund_envelope(reference: str, amount: str) -> bytes:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return json.dumps(
        {
            "event": "refund.succeeded",
            "created": now,
            "data": {
                "id": f"rfd-{uuid.uuid4().hex}",
                "invoice_id": reference,
                "amount": amount,
                "currency": "IDR",
                "status": "SUCCEEDED",
                "reason": "REQUESTED_BY_CUSTOMER",
                "created": now,
                "updated": now,
            },
        }
    ).encode()


async def test_a_paid_event_of_nothing_fails_its_webhook(client, shop, admin_headers, database_url):
    """A PAID of 0 for a live link: the gateway (asked before anything moves) says the link is
    unpaid, so the event ends failed with its reason, listed for the merchant and the admin;
    a replay is asked again and fails the same way. Nothing changes."""
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    held = await shop.sandbox("GET", f"/_sandbox/payments/{link['gateway_reference']}")
    assert held.status_code == 200, held.text
    before = await tenant_state(database_url, shop.tenant_id)
    failed_before = failed_count()
    accepted = await post_xendit(
        client,
        xendit_callback(
            reference=link["gateway_reference"],
            external_id=held.json()["merchant_reference"],
            amount="0",
            currency="IDR",
        ),
    )
    row = await failed_event(client, shop.headers, accepted["event_id"])
    assert row["last_error"].startswith("Rejected: "), row
    assert row["invoice_id"] == invoice["id"]
    assert failed_count() == failed_before + 1
    assert await tenant_state(database_url, shop.tenant_id) == before
    # The admin sees it too, and may replay it: it fails again for the same reason.
    await failed_event(client, admin_headers, accepted["event_id"])
    replay = await client.post(f"/webhooks/failed/{row['id']}/retry", headers=admin_headers)
    assert replay.status_code == 202, replay.text
    again = await eventually(
        lambda: failed_event(client, admin_headers, accepted["event_id"]),
        lambda r: r["attempts"] > row["attempts"] or r["failed_at"] != row["failed_at"],
        timeout=30,
    )
    assert again["last_error"].startswith("Rejected: ")
    assert await tenant_state(database_url, shop.tenant_id) == before


async def test_a_refund_larger_than_the_payment_fails_its_webhook(client, shop, database_url):
    """A refund notification of twice the payment: the gateway has no such refund, so it is
    listed as failed with the reason and no refund is recorded."""
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    await shop.wait_status(invoice["id"], "fully_paid")
    before = await tenant_state(database_url, shop.tenant_id)
    too_much = str(int(invoice["total"]) * 2)
    accepted = await post_xendit(client, refund_envelope(link["gateway_reference"], too_much))
    row = await failed_event(client, shop.headers, accepted["event_id"])
    assert row["last_error"].startswith("Rejected: "), row
    assert await tenant_state(database_url, shop.tenant_id) == before
    assert (await shop.get(invoice["id"]))["amount_refunded"] == "0"


async def test_money_on_a_cancelled_invoice_is_a_paid_after_close_discrepancy(
    client, shop, database_url
):
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    # The customer pays while the merchant cancels: the gateway is slow to expire the link
    # (its expire call fails for a while), so the link is still payable there.
    faults = await shop.sandbox(
        "POST", "/_sandbox/faults", json={"expire": {"status": 503, "times": 50}}
    )
    assert faults.status_code == 200, faults.text
    try:
        cancelled = await client.post(
            f"/invoices/{invoice['id']}/cancel",
            json={"reason": "out of stock"},
            headers=shop.headers,
        )
        assert cancelled.status_code == 200, cancelled.text
        await shop.sandbox_pay(link["gateway_reference"])
    finally:
        await shop.sandbox("DELETE", "/_sandbox/faults")
    paid = await shop.wait_paid(invoice["id"], invoice["total"], timeout=30)
    assert paid["status"] == "cancelled"
    discrepancies = (await shop.sub(invoice["id"], "discrepancies"))["discrepancies"]
    assert [(d["type"], d["paid_amount"], d["expected_amount"]) for d in discrepancies] == [
        ("paid_after_close", invoice["total"], "0")
    ]
    today = datetime.now(UTC).date().isoformat()
    report = await client.get(
        "/reports/financial",
        params={"start_date": today, "end_date": today},
        headers=shop.headers,
    )
    assert report.status_code == 200, report.text
    idr = next(c for c in report.json()["currencies"] if c["currency"] == "IDR")
    assert idr["received_on_closed_invoices"] == invoice["total"]
