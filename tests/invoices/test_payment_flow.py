"""Payments end to end: api → InvoiceWorkflow → sandbox (real HTTP) → signed webhook → api →
WebhookWorkflow → InvoiceWorkflow → MySQL, read back through the public API. Every expected
figure is computed here from the test's own inputs."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx

from tests.gateways.support import MIDTRANS_KEY, XENDIT_TOKEN
from tests.invoices.helpers import eventually, midtrans_notification, xendit_callback

# 2 × 50000 at 11% VAT; xendit IDR fee 2.9% + 2000; midtrans IDR fee 2% + 4000.
SUBTOTAL = Decimal(100000)
TAX = SUBTOTAL * Decimal("0.11")
XENDIT_TOTAL = SUBTOTAL + TAX + (SUBTOTAL * Decimal("0.029") + 2000)
MIDTRANS_TOTAL = SUBTOTAL + TAX + (SUBTOTAL * Decimal("0.02") + 4000)


def s(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal(1)):f}"


async def test_single_full_payment_xendit(shop):
    invoice = await shop.create()
    assert invoice["status"] == "draft"
    assert invoice["total"] == s(XENDIT_TOTAL) == "115900"
    link = await shop.pay_link(invoice["id"])
    assert link["amount"] == s(XENDIT_TOTAL) and link["gateway"] == "xendit"
    pending = await shop.get(invoice["id"])
    assert pending["status"] == "pending" and pending["payment_initiated_at"]
    await shop.sandbox_pay(link["gateway_reference"])
    paid = await shop.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == s(XENDIT_TOTAL) and paid["amount_due"] == "0"
    txns = (await shop.sub(invoice["id"], "transactions"))["data"]
    assert [(t["status"], t["amount"]) for t in txns] == [("paid", s(XENDIT_TOTAL))]
    assert (await shop.sub(invoice["id"], "discrepancies"))["discrepancies"] == []


async def test_single_full_payment_midtrans(shop):
    invoice = await shop.create(gateway_id=2)
    assert invoice["total"] == s(MIDTRANS_TOTAL)
    link = await shop.pay_link(invoice["id"])
    assert link["gateway"] == "midtrans"
    await shop.sandbox_pay(link["gateway_reference"])
    paid = await shop.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == s(MIDTRANS_TOTAL)


async def test_initiating_twice_returns_the_live_payment(shop):
    invoice = await shop.create()
    first = await shop.pay_link(invoice["id"])
    second = await shop.pay_link(invoice["id"])
    assert second["gateway_reference"] == first["gateway_reference"]
    assert second["payment_url"] == first["payment_url"]
    initiated = (await shop.get(invoice["id"]))["payment_initiated_at"]
    await shop.pay_link(invoice["id"])
    assert (await shop.get(invoice["id"]))["payment_initiated_at"] == initiated  # write-once


async def test_same_webhook_delivered_three_times_applies_once(shop):
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"], deliveries=3)
    await shop.wait_status(invoice["id"], "fully_paid")
    delivered = await eventually(
        lambda: shop.sandbox(
            "GET", "/_sandbox/webhooks", params={"reference": link["gateway_reference"]}
        ),
        lambda r: [d["state"] for d in r.json()["data"]] == ["delivered"] * 3,
    )
    # All three reached PayTrust and were answered 200.
    assert all(d["attempts"][-1]["status_code"] == 200 for d in delivered.json()["data"])
    txns = (await shop.sub(invoice["id"], "transactions"))["data"]
    assert len(txns) == 1
    assert (await shop.get(invoice["id"]))["amount_paid"] == s(XENDIT_TOTAL)


async def test_partial_then_final_payment(shop):
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    first = Decimal(40000)
    await shop.sandbox_pay(link["gateway_reference"], amount=s(first))
    partial = await shop.wait_status(invoice["id"], "partially_paid")
    assert partial["amount_paid"] == s(first)
    assert partial["amount_due"] == s(XENDIT_TOTAL - first)
    gaps = (await shop.sub(invoice["id"], "discrepancies"))["discrepancies"]
    assert [(g["type"], g["expected_amount"], g["paid_amount"], g["difference"]) for g in gaps] == [
        ("underpayment", s(XENDIT_TOTAL), s(first), s(XENDIT_TOTAL - first))
    ]
    second_link = await shop.pay_link(invoice["id"])
    assert second_link["gateway_reference"] != link["gateway_reference"]
    assert second_link["amount"] == s(XENDIT_TOTAL - first)
    await shop.sandbox_pay(second_link["gateway_reference"])
    paid = await shop.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == s(XENDIT_TOTAL) and paid["overpayment_amount"] == "0"
    assert len((await shop.sub(invoice["id"], "transactions"))["data"]) == 2


async def test_overpayment_is_recorded(shop):
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    extra = Decimal(5000)
    await shop.sandbox_pay(link["gateway_reference"], amount=s(XENDIT_TOTAL + extra))
    paid = await shop.wait_status(invoice["id"], "fully_paid")
    assert paid["overpayment_amount"] == s(extra)
    over = await shop.sub(invoice["id"], "overpayment")
    assert over == {
        "invoice_id": invoice["id"],
        "total_amount": s(XENDIT_TOTAL),
        "total_paid": s(XENDIT_TOTAL + extra),
        "overpayment_amount": s(extra),
    }
    gaps = (await shop.sub(invoice["id"], "discrepancies"))["discrepancies"]
    assert [(g["type"], g["difference"]) for g in gaps] == [("overpayment", s(extra))]
    txn = (await shop.sub(invoice["id"], "transactions"))["data"][0]
    assert txn["overpayment_amount"] == s(extra)


async def test_callback_claiming_another_currency_is_rejected_and_changes_nothing(shop, client):
    """The body says IDR 1,500,000 for a USD link; the gateway (asked before anything is
    applied) reports the invoice unpaid, so nothing is recorded and the event is listed as
    rejected. The real payment then applies in the gateway's currency."""
    invoice = await shop.create(
        currency="USD", lines=[{"description": "Plan", "quantity": 1, "unit_price": "100.00"}]
    )
    link = await shop.pay_link(invoice["id"])
    at_gateway = await shop.sandbox("GET", f"/_sandbox/payments/{link['gateway_reference']}")
    body = xendit_callback(
        reference=link["gateway_reference"],
        external_id=at_gateway.json()["merchant_reference"],
        amount="1500000",
        currency="IDR",
    )
    response = await client.post(
        "/webhooks/xendit",
        content=body,
        headers={"x-callback-token": XENDIT_TOKEN, "content-type": "application/json"},
    )
    assert response.status_code == 200, response.text
    failed = await eventually(
        lambda: client.get("/webhooks/failed", headers=shop.headers),
        lambda r: any(e["invoice_id"] == invoice["id"] for e in r.json()["data"]),
    )
    entry = next(e for e in failed.json()["data"] if e["invoice_id"] == invoice["id"])
    assert entry["rejection_reason"] == "status_mismatch"
    assert (await shop.sub(invoice["id"], "transactions"))["data"] == []
    assert (await shop.get(invoice["id"]))["amount_paid"] == "0.00"

    await shop.sandbox_pay(link["gateway_reference"])
    paid = await shop.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == invoice["total"]
    [txn] = (await shop.sub(invoice["id"], "transactions"))["data"]
    assert txn["currency"] == "USD"


async def test_midtrans_refund_with_two_notifications_refunds_once(shop):
    invoice = await shop.create(gateway_id=2)
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    await shop.wait_status(invoice["id"], "fully_paid")
    refund_amount = Decimal(20000)
    response = await shop.sandbox(
        "POST",
        f"/_sandbox/payments/{link['gateway_reference']}/refund",
        json={"amount": s(refund_amount), "reason": "customer asked"},
    )
    assert response.status_code == 200, response.text
    refunds = await eventually(
        lambda: shop.sub(invoice["id"], "refunds"), lambda r: len(r["data"]) >= 1
    )
    await asyncio.sleep(1.0)  # give the second notification time to (not) add a refund
    refunds = await shop.sub(invoice["id"], "refunds")
    assert [r["refund_amount"] for r in refunds["data"]] == [s(refund_amount)]
    txn = (await shop.sub(invoice["id"], "transactions"))["data"][0]
    assert txn["status"] == "partially_refunded" and txn["refunded_amount"] == s(refund_amount)
    assert (await shop.get(invoice["id"]))["amount_refunded"] == s(refund_amount)


async def test_refund_delivered_before_its_payment_is_applied_after_it(shop):
    """Out of order: the sandbox holds both events and delivers the refund first."""
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    faults = await shop.sandbox("POST", "/_sandbox/faults", json={"reorder_next": 2})
    assert faults.status_code == 200, faults.text
    try:
        await shop.sandbox_pay(link["gateway_reference"])
        refund = await shop.sandbox(
            "POST",
            f"/_sandbox/payments/{link['gateway_reference']}/refund",
            json={"amount": "15900", "reason": "partial"},
        )
        assert refund.status_code == 200, refund.text
        await shop.wait_status(invoice["id"], "fully_paid")
        refunds = await eventually(
            lambda: shop.sub(invoice["id"], "refunds"),
            lambda r: len(r["data"]) == 1,
            timeout=90,
        )
    finally:
        await shop.sandbox("DELETE", "/_sandbox/faults")
    assert refunds["data"][0]["refund_amount"] == "15900"
    txns = (await shop.sub(invoice["id"], "transactions"))["data"]
    assert [(t["status"], t["amount"], t["refunded_amount"]) for t in txns] == [
        ("partially_refunded", s(XENDIT_TOTAL), "15900")
    ]


async def test_concurrent_genuine_and_forged_notifications_apply_one_payment_once(
    shop, client, api_url
):
    """One Midtrans payment notified 20 times by the gateway while 20 signed copies with
    invented transaction ids arrive at once: the payment is applied exactly once (the
    gateway's transaction id) and every forged copy is rejected."""
    invoice = await shop.create(gateway_id=2)
    link = await shop.pay_link(invoice["id"])
    part = Decimal(1000)
    ids = [f"txn-{uuid.uuid4().hex}" for _ in range(20)]
    forged = [
        midtrans_notification(
            order_id=link["gateway_reference"],
            transaction_id=txn,
            gross_amount=f"{part:.2f}",
            server_key=MIDTRANS_KEY,
        )
        for txn in ids
    ]
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        paying = asyncio.create_task(
            shop.sandbox_pay(link["gateway_reference"], amount=str(part), deliveries=20)
        )
        responses = await asyncio.gather(
            *[
                http.post(
                    "/webhooks/midtrans", content=body, headers={"content-type": "application/json"}
                )
                for body in forged + forged
            ]
        )
        await paying
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses]
    assert sorted(r.json()["status"] for r in responses).count("duplicate") >= 1
    done = await shop.wait_paid(invoice["id"], s(part), timeout=60)
    assert done["status"] == "partially_paid"
    at_gateway = await shop.sandbox("GET", f"/_sandbox/payments/{link['gateway_reference']}")
    [txn] = (await shop.sub(invoice["id"], "transactions"))["data"]
    assert txn["gateway_transaction_id"] == at_gateway.json()["transaction_id"]
    assert Decimal(txn["amount"]) == part
    rejected = await eventually(
        lambda: client.get("/webhooks/failed", params={"page_size": 100}, headers=shop.headers),
        lambda r: sum(e["invoice_id"] == invoice["id"] for e in r.json()["data"]) == 20,
        timeout=60,
    )
    mine = [e for e in rejected.json()["data"] if e["invoice_id"] == invoice["id"]]
    assert {e["rejection_reason"] for e in mine} == {"transaction_mismatch"}
    assert (await shop.get(invoice["id"]))["amount_paid"] == s(part)


async def test_bad_signature_is_401_and_recorded(client, shop, admin_headers):
    body = xendit_callback(
        reference="inv-nope", external_id="pt-1-0-1", amount="1000", currency="IDR"
    )
    response = await client.post(
        "/webhooks/xendit", content=body, headers={"x-callback-token": "wrong-token"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_signature"
    failed = await client.get("/webhooks/failed", params={"page_size": 200}, headers=admin_headers)
    assert any(e["event_type"] == "unverified" for e in failed.json()["data"])
    malformed = await client.post(
        "/webhooks/midtrans", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    # A merchant does not see events that never reached one of its invoices.
    mine = await client.get("/webhooks/failed", headers=shop.headers)
    assert all(e["event_type"] not in ("unverified", "malformed") for e in mine.json()["data"])


async def test_unknown_invoice_webhook_fails_permanently_and_can_be_replayed(client, admin_headers):
    body = xendit_callback(
        reference=f"inv-{uuid.uuid4().hex}",
        external_id="pt-999999999-0-1",
        amount="1000",
        currency="IDR",
    )
    response = await client.post(
        "/webhooks/xendit", content=body, headers={"x-callback-token": XENDIT_TOKEN}
    )
    assert response.status_code == 200
    event_id = response.json()["event_id"]
    failed = await eventually(
        lambda: client.get("/webhooks/failed", params={"page_size": 200}, headers=admin_headers),
        lambda r: any(e["event_id"] == event_id for e in r.json()["data"]),
    )
    entry = next(e for e in failed.json()["data"] if e["event_id"] == event_id)
    assert entry["attempts"] == 1 and "No payment link PayTrust issued" in entry["last_error"]
    assert entry["rejection_reason"] == "not_issued"
    forbidden = await client.post(f"/webhooks/failed/{entry['id']}/retry")
    assert forbidden.status_code == 401
    replay = await client.post(f"/webhooks/failed/{entry['id']}/retry", headers=admin_headers)
    assert replay.status_code == 202, replay.text
    again = await eventually(
        lambda: client.get("/webhooks/failed", params={"page_size": 200}, headers=admin_headers),
        lambda r: any(e["event_id"] == event_id for e in r.json()["data"]),
    )
    assert any(e["event_id"] == event_id for e in again.json()["data"])
