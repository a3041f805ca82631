"""The sandbox's refund APIs as the gateways document them, through the production clients:
keys (Xendit idempotency-key and reference_id, Midtrans refund_key), and the `refund_result`
faults that make a refund fail, time out or answer slowly."""

from __future__ import annotations

import base64
import time
from decimal import Decimal

import httpx
import pytest

from contracts.gateway_events import EventKind
from domain.money import Currency
from gateways import GatewayRejected, GatewayUnavailable, RefundStatus
from gateways.midtrans import MidtransGateway
from gateways.xendit import XenditGateway
from tests.gateways.support import XENDIT_KEY, payment_request

IDR = Currency.IDR


async def paid(
    client: XenditGateway | MidtransGateway, control: httpx.AsyncClient, amount: str = "100000"
) -> str:
    created = await client.create_payment(payment_request(amount))
    response = await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    assert response.status_code == 200, response.text
    return str(created.reference)


async def sandbox_refunds(control: httpx.AsyncClient, reference: str) -> list[dict[str, str]]:
    return list((await control.get(f"/_sandbox/payments/{reference}")).json()["refunds"])


async def fault(control: httpx.AsyncClient, **refund_result: object) -> None:
    response = await control.post("/_sandbox/faults", json={"refund_result": refund_result})
    assert response.status_code == 200, response.text


async def test_xendit_key_is_one_refund_per_account_and_reference_ids_are_unique(
    xendit, control, sandbox
):
    first = await paid(xendit, control)
    other = await paid(xendit, control)
    made = await xendit.refund(first, Decimal(10000), IDR, "OTHERS", "key-a")
    again = await xendit.refund(first, Decimal(10000), IDR, "OTHERS", "key-a")
    assert again.refund_id == made.refund_id
    for reference, amount in ((first, 20000), (other, 10000)):  # same key, another request
        with pytest.raises(GatewayRejected) as caught:
            await xendit.refund(reference, Decimal(amount), IDR, "OTHERS", "key-a")
        assert (caught.value.status_code, caught.value.gateway_code) == (409, "IDEMPOTENCY_ERROR")
    auth = base64.b64encode(f"{XENDIT_KEY}:".encode()).decode()
    async with httpx.AsyncClient(base_url=sandbox.url) as raw:
        reused = await raw.post(
            "/refunds",
            json={"invoice_id": first, "reference_id": "key-a", "amount": 1000, "reason": "OTHERS"},
            headers={"Authorization": f"Basic {auth}", "idempotency-key": "key-b"},
        )
    assert reused.status_code == 409 and reused.json()["error_code"] == "DUPLICATE_ERROR"
    assert [r["amount"] for r in await sandbox_refunds(control, first)] == ["10000"]
    assert await sandbox_refunds(control, other) == []


async def test_xendit_failed_outcome_answers_pending_then_refund_failed(xendit, control, receiver):
    reference = await paid(xendit, control)
    await fault(control, outcome="failed", reference=reference, failure_code="REFUND_WINDOW_PASSED")
    result = await xendit.refund(reference, Decimal(5000), IDR, "OTHERS", "key-failed")
    assert result.status is RefundStatus.PENDING
    [delivery] = await receiver.wait_for(
        reference, where=lambda r: r.event is not None and r.event.kind is EventKind.FAILED
    )
    assert delivery.event is not None
    assert (delivery.event.refund_key, delivery.event.refund_failure) == (
        "key-failed",
        "REFUND_WINDOW_PASSED",
    )
    now = await xendit.refund_result(result.refund_id, reference, Decimal(5000), IDR)
    assert (now.status, now.failure_reason) == (RefundStatus.FAILED, "REFUND_WINDOW_PASSED")
    # The fault was for one refund: the next is made.
    ok = await xendit.refund(reference, Decimal(5000), IDR, "OTHERS", "key-next")
    assert (await xendit.refund_result(ok.refund_id, reference, Decimal(5000), IDR)).status is (
        RefundStatus.SUCCEEDED
    )


async def test_midtrans_failed_outcome_is_a_synchronous_refusal_and_nothing_is_made(
    midtrans, control, receiver
):
    reference = await paid(midtrans, control)
    await fault(control, outcome="failed", gateway="midtrans", failure_code="BANK_DOWN")
    with pytest.raises(GatewayRejected) as caught:
        await midtrans.refund(reference, Decimal(5000), IDR, "x", "rk-refused")
    assert caught.value.status_code == 412 and "BANK_DOWN" in str(caught.value)
    assert await sandbox_refunds(control, reference) == []
    # A refusal leaves no refund behind the key: asked again, it is made.
    made = await midtrans.refund(reference, Decimal(5000), IDR, "x", "rk-refused")
    assert made.status is RefundStatus.SUCCEEDED
    assert [r["refund_id"] for r in await sandbox_refunds(control, reference)] == ["rk-refused"]


@pytest.mark.parametrize("gateway", ["xendit", "midtrans"])
async def test_timeout_outcome_makes_the_refund_and_the_same_key_returns_it(
    xendit, midtrans, control, gateway
):
    client = xendit if gateway == "xendit" else midtrans
    reference = await paid(client, control)
    await fault(control, outcome="timeout", reference=reference, delay_ms=6000)
    with pytest.raises(GatewayUnavailable):  # the clients wait 5 s
        await client.refund(reference, Decimal(7000), IDR, "OTHERS", "rk-timeout")
    [held] = await sandbox_refunds(control, reference)
    assert held["amount"] == "7000" and held["status"] == "SUCCEEDED"
    started = time.monotonic()
    again = await client.refund(reference, Decimal(7000), IDR, "OTHERS", "rk-timeout")
    assert time.monotonic() - started < 2
    assert again.refund_id == held["refund_id"]
    assert len(await sandbox_refunds(control, reference)) == 1


async def test_slow_outcome_answers_after_the_delay_and_faults_stay_on_their_reference(
    midtrans, control
):
    slow, other = await paid(midtrans, control), await paid(midtrans, control)
    await fault(control, outcome="slow", reference=slow, delay_ms=1500, times=2)
    started = time.monotonic()
    await midtrans.refund(other, Decimal(1000), IDR, "x", "rk-other")
    assert time.monotonic() - started < 1.0
    started = time.monotonic()
    result = await midtrans.refund(slow, Decimal(1000), IDR, "x", "rk-slow")
    assert time.monotonic() - started >= 1.5 and result.status is RefundStatus.SUCCEEDED
    described = (await control.get("/_sandbox/faults")).json()["refund_result"]
    assert described["times"] == 1 and described["reference"] == slow
