"""What the sandbox's webhooks do to PayTrust's endpoint: duplicates, reordering, wrong
signatures and retries, all observed at a real receiver."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import httpx

from domain.money import Currency
from gateways import EventKind
from tests.gateways.support import payment_request


async def delivery_log(control: httpx.AsyncClient, reference: str) -> list[dict]:
    response = await control.get("/_sandbox/webhooks", params={"reference": reference})
    response.raise_for_status()
    return response.json()["data"]


async def wait_for_log(control, reference, done, timeout=5.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        log = await delivery_log(control, reference)
        if done(log):
            return log
        if time.monotonic() > deadline:
            raise AssertionError(f"delivery log never settled: {log}")
        await asyncio.sleep(0.05)


async def test_duplicate_deliveries_share_one_event_id(xendit, control, receiver):
    created = await xendit.create_payment(payment_request("20000"))
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={"deliveries": 3})
    deliveries = await receiver.wait_for(created.reference, 3)
    assert [d.status for d in deliveries] == [200, 200, 200]
    events = [d.event for d in deliveries if d.event]
    assert len(events) == 3 and len({e.event_id for e in events}) == 1
    assert len({e.model_dump_json() for e in events}) == 1  # identical facts


async def test_reordered_deliveries_arrive_newest_first(midtrans, control, receiver):
    first = await midtrans.create_payment(payment_request("10000"))
    second = await midtrans.create_payment(payment_request("10000"))
    await control.post("/_sandbox/faults", json={"reorder_next": 2})
    await control.post(f"/_sandbox/payments/{first.reference}/pay", json={})
    await asyncio.sleep(0.1)
    assert receiver.for_reference(first.reference) == []  # held back
    await control.post(f"/_sandbox/payments/{second.reference}/pay", json={})
    [late] = await receiver.wait_for(first.reference)
    [early] = await receiver.wait_for(second.reference)
    assert early.at < late.at
    assert early.status == late.status == 200


async def test_reordered_payment_and_refund_keep_their_own_event_ids(xendit, control, receiver):
    """Paid then refunded, delivered refund first: both events verify and keep their ids."""
    created = await xendit.create_payment(payment_request("30000", Currency.IDR))
    await control.post("/_sandbox/faults", json={"reorder_next": 2})
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    await control.post(f"/_sandbox/payments/{created.reference}/refund", json={"amount": "30000"})
    deliveries = await receiver.wait_for(created.reference, 2)
    events = [d.event for d in deliveries if d.event]
    assert [e.kind for e in events] == [EventKind.REFUNDED, EventKind.PAID]
    assert len({e.event_id for e in events}) == 2


async def test_wrong_signature_is_refused_and_retried_until_the_gateway_gives_up(
    midtrans, control, receiver
):
    created = await midtrans.create_payment(payment_request("10000"))
    await control.post("/_sandbox/faults", json={"webhook_signature": "wrong"})
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    log = await wait_for_log(control, created.reference, lambda log: log[0]["state"] == "failed")
    [entry] = log
    assert entry["signature_valid"] is False
    # Midtrans: the first attempt plus five retries (2, 10, 30, 90, 210 min, time-compressed).
    assert [a["status_code"] for a in entry["attempts"]] == [401] * 6
    received = receiver.for_reference(created.reference)
    assert len(received) == 6
    assert all(r.status == 401 and "WebhookAuthError" in (r.error or "") for r in received)

    # The fault was for one webhook: the refund's two notifications are signed properly.
    await midtrans.refund(created.reference, Decimal(1), Currency.IDR, "x", "rk-after-fault")
    refunds = await receiver.wait_for(
        created.reference, 2, where=lambda r: r.event is not None and r.event.refund_id is not None
    )
    assert [r.status for r in refunds] == [200, 200]
    log = await delivery_log(control, created.reference)
    assert [entry["event"] for entry in log] == ["settlement", "partial_refund", "partial_refund"]
    assert [entry["signature_valid"] for entry in log] == [False, True, True]


async def test_xendit_wrong_token_is_refused(xendit, control, receiver):
    created = await xendit.create_payment(payment_request("10000"))
    await control.post(
        "/_sandbox/faults", json={"webhook_signature": "wrong", "webhook_signature_times": 2}
    )
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={"deliveries": 3})
    deliveries = await receiver.wait_for(created.reference, 3)
    assert [r.status for r in deliveries[:3]] == [401, 401, 200]
    assert deliveries[0].headers["x-callback-token"] != deliveries[2].headers["x-callback-token"]
    log = await delivery_log(control, created.reference)
    assert [entry["signature_valid"] for entry in log] == [False, False, True]


async def test_failed_deliveries_are_retried_on_the_gateway_schedule(xendit, control, receiver):
    created = await xendit.create_payment(payment_request("10000"))
    receiver.fail_next[created.reference] = 2
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    log = await wait_for_log(control, created.reference, lambda log: log[0]["state"] == "delivered")
    assert [a["status_code"] for a in log[0]["attempts"]] == [500, 500, 200]
    deliveries = receiver.for_reference(created.reference)
    assert [d.status for d in deliveries] == [500, 500, 200]
    assert deliveries[-1].event is not None and deliveries[-1].event.kind is EventKind.PAID


async def test_control_api_lists_expires_and_refuses_impossible_moves(
    xendit, midtrans, control, receiver
):
    invoice = await xendit.create_payment(payment_request("10000"))
    order = await midtrans.create_payment(payment_request("10000"))
    listing = (await control.get("/_sandbox/payments", params={"gateway": "midtrans"})).json()
    assert order.reference in {p["reference"] for p in listing["data"]}
    assert invoice.reference not in {p["reference"] for p in listing["data"]}
    one = await control.get("/_sandbox/payments", params={"reference": order.reference})
    [held] = one.json()["data"]
    assert (held["amount"], held["currency"], held["status"]) == ("10000", "IDR", "pending")

    for payment in (invoice, order):
        response = await control.post(f"/_sandbox/payments/{payment.reference}/expire")
        assert response.json()["status"] == "expired"
        [delivery] = await receiver.wait_for(payment.reference)
        assert delivery.event is not None and delivery.event.kind is EventKind.EXPIRED
        late = await control.post(f"/_sandbox/payments/{payment.reference}/pay", json={})
        assert late.status_code == 409
        refund = await control.post(f"/_sandbox/payments/{payment.reference}/refund", json={})
        assert refund.status_code == 409
    assert (await control.post("/_sandbox/payments/nope/pay", json={})).status_code == 404
