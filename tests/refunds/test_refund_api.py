"""Merchant-initiated refunds (issue 13), over real HTTP through the sandbox: partial and full
refunds, the contract's messages, Idempotency-Key, concurrency, gateway refusals, the
gateway's own notifications of our refunds, installments, over-payment, closed workflows, the
report, and the events."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from temporalio.client import WorkflowExecutionStatus

from tests.invoices.helpers import eventually
from tests.refunds.support import (
    MIDTRANS,
    TOTALS,
    XENDIT,
    RefundShop,
    error_message,
    idr,
    submit_attempts,
)

pytestmark = pytest.mark.usefixtures("control")


async def test_partial_partial_then_exceeding_is_400_with_the_exact_message(shop: RefundShop):
    invoice, link = await shop.paid(XENDIT)
    total = TOTALS[XENDIT]
    first = await shop.refund(invoice["id"], "50000", reason="damaged item")
    assert first.status_code == 201, first.text
    created = first.json()
    # Xendit answers a refund request PENDING; its refund.succeeded callback settles it.
    assert created["status"] == "pending" and created["source"] == "merchant"
    assert created["refund_amount"] == "50000" and created["refund_reason"] == "damaged item"
    assert created["refund_id"].startswith("rf_")
    await shop.wait_refund(invoice["id"], created["refund_id"], "succeeded")

    second = await shop.refund(invoice["id"], 40000)
    assert second.status_code == 201, second.text
    await shop.wait_refund(invoice["id"], second.json()["refund_id"], "succeeded")

    left = total - 90000
    third = await shop.refund(invoice["id"], idr(left + 1))
    assert third.status_code == 400, third.text
    assert error_message(third) == (
        f"Refund amount {idr(left + 1)} exceeds refundable amount {idr(left)}"
    )

    after = await shop.get(invoice["id"])
    assert after["amount_refunded"] == "90000" and after["amount_paid"] == idr(total)
    [txn] = await shop.transactions(invoice["id"])
    assert (txn["status"], txn["refunded_amount"]) == ("partially_refunded", "90000")
    at_gateway = await shop.sandbox_refunds(link["gateway_reference"])
    assert [(r["amount"], r["status"]) for r in at_gateway] == [
        ("50000", "SUCCEEDED"),
        ("40000", "SUCCEEDED"),
    ]
    # The key PayTrust sent is derived from the refund id (header and reference_id alike).
    refunds = await shop.refunds(invoice["id"])
    keys = [f"{r['refund_id']}-1" for r in refunds]
    assert [r["idempotency_key"] for r in at_gateway] == keys
    assert [r["reference_id"] for r in at_gateway] == keys
    assert [p["gateway_refund_id"] for r in refunds for p in r["parts"]] == [
        r["refund_id"] for r in at_gateway
    ]


async def test_full_refund_without_amount_midtrans_confirms_synchronously(shop: RefundShop):
    invoice, link = await shop.paid(MIDTRANS)
    total = idr(TOTALS[MIDTRANS])
    response = await shop.refund(invoice["id"])
    assert response.status_code == 201, response.text
    refund = response.json()
    assert (refund["status"], refund["refund_amount"], refund["amount_refunded"]) == (
        "succeeded",
        total,
        total,
    )
    assert refund["settled_at"] is not None and refund["failure_reason"] is None
    # Midtrans then notifies twice (without and with bank_confirmed_at): neither counts again.
    await eventually(
        lambda: shop.sandbox(
            "GET", "/_sandbox/webhooks", params={"reference": link["gateway_reference"]}
        ),
        lambda r: (
            sum(d["state"] == "delivered" and d["event"] == "refund" for d in r.json()["data"]) == 2
        ),
    )
    await asyncio.sleep(1.0)
    after = await shop.get(invoice["id"])
    assert after["amount_refunded"] == total
    [txn] = await shop.transactions(invoice["id"])
    assert (txn["status"], txn["refunded_amount"]) == ("refunded", total)
    assert [r["refund_id"] for r in await shop.refunds(invoice["id"])] == [refund["refund_id"]]
    nothing = await shop.refund(invoice["id"])
    assert nothing.status_code == 400
    assert error_message(nothing) == "Invoice has nothing left to refund"


async def test_unpaid_invoice_and_another_tenants_invoice(shop: RefundShop, client, admin_headers):
    draft = await shop.create()
    response = await shop.refund(draft["id"], "1000")
    assert response.status_code == 400 and error_message(response) == (
        "Invoice has no payment to refund"
    )
    pending = await shop.create(gateway_id=MIDTRANS)
    await shop.pay_link(pending["id"])
    response = await shop.refund(pending["id"])
    assert response.status_code == 400 and error_message(response) == (
        "Invoice has no payment to refund"
    )

    paid, _ = await shop.paid(XENDIT)
    other = await client.post(
        "/api-keys",
        json={"tenant_id": f"t-{uuid.uuid4().hex[:10]}", "name": "x"},
        headers=admin_headers,
    )
    intruder = {"X-API-Key": other.json()["key"]}
    refused = await shop.client.post(
        f"/invoices/{paid['id']}/refunds", json={"amount": "1000"}, headers=intruder
    )
    assert refused.status_code == 404, refused.text
    listed = await shop.client.get(f"/invoices/{paid['id']}/refunds", headers=intruder)
    assert listed.status_code == 404
    assert await shop.refunds(paid["id"]) == []


async def test_bad_amounts_are_400_or_422_and_change_nothing(shop: RefundShop):
    invoice, link = await shop.paid(XENDIT)
    for amount, status in (
        ("0", 400),
        (0, 400),
        ("-100", 400),
        ("100.5", 400),  # IDR has no decimals
        ("1e3", 422),
        (12.5, 422),  # a JSON float is never money
        ("abc", 422),
    ):
        response = await shop.refund(invoice["id"], amount)  # type: ignore[arg-type]
        assert response.status_code == status, (amount, response.text)
        assert "error" in response.json()
    unknown = await shop.refund(invoice["id"], body={"amount": "1000", "currency": "IDR"})
    assert unknown.status_code == 422
    usd, _ = await shop.paid(XENDIT, currency="USD")
    response = await shop.refund(usd["id"], "1.005")
    assert response.status_code == 400 and "decimal places" in error_message(response)
    assert await shop.refunds(invoice["id"]) == []
    assert await shop.sandbox_refunds(link["gateway_reference"]) == []
    assert (await shop.get(invoice["id"]))["amount_refunded"] == "0"


async def test_same_idempotency_key_same_refund_different_body_409(shop: RefundShop):
    invoice, link = await shop.paid(MIDTRANS)
    key = f"refund-{uuid.uuid4().hex}"
    first = await shop.refund(invoice["id"], "10000", key=key)
    again = await shop.refund(invoice["id"], "10000", key=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    changed = await shop.refund(invoice["id"], "20000", key=key)
    assert changed.status_code == 409, changed.text
    assert changed.json()["error"]["code"] == "idempotency_key_reused"
    assert len(await shop.sandbox_refunds(link["gateway_reference"])) == 1
    assert len(await shop.refunds(invoice["id"])) == 1
    assert (await shop.get(invoice["id"]))["amount_refunded"] == "10000"


@pytest.mark.parametrize("gateway_id", [MIDTRANS, XENDIT], ids=["midtrans", "xendit"])
async def test_ten_concurrent_refunds_of_30_percent_exactly_three_succeed(
    shop: RefundShop, gateway_id: int
):
    invoice, link = await shop.paid(gateway_id)
    total = TOTALS[gateway_id]
    share = idr(total * Decimal("0.3"))
    answers = await asyncio.gather(*(shop.refund(invoice["id"], share) for _ in range(10)))
    created = [a for a in answers if a.status_code == 201]
    refused = [a for a in answers if a.status_code == 400]
    assert len(created) == 3 and len(refused) == 7, [a.text for a in answers]
    for answer in refused:
        assert error_message(answer).startswith(f"Refund amount {share} exceeds refundable")
    for answer in created:
        await shop.wait_refund(invoice["id"], answer.json()["refund_id"], "succeeded")
    at_gateway = await shop.sandbox_refunds(link["gateway_reference"])
    assert len(at_gateway) == 3 and {r["amount"] for r in at_gateway} == {share}
    after = await shop.get(invoice["id"])
    assert after["amount_refunded"] == idr(Decimal(share) * 3)


async def test_midtrans_refusal_fails_the_refund_and_restores_refundable(shop, control):
    invoice, link = await shop.paid(MIDTRANS)
    total = idr(TOTALS[MIDTRANS])
    fault = {"outcome": "failed", "reference": link["gateway_reference"], "failure_code": "X01"}
    assert (await control.post("/_sandbox/faults", json={"refund_result": fault})).is_success
    response = await shop.refund(invoice["id"], "30000")
    assert response.status_code == 201, response.text
    refund = response.json()
    assert refund["status"] == "failed" and refund["amount_refunded"] == "0"
    assert "Refund is denied: X01" in refund["failure_reason"]
    assert (await shop.get(invoice["id"]))["amount_refunded"] == "0"
    # Nothing was deducted: the whole amount is refundable again.
    full = await shop.refund(invoice["id"])
    assert full.status_code == 201 and full.json()["status"] == "succeeded", full.text
    assert full.json()["refund_amount"] == total
    assert [r["status"] for r in await shop.refunds(invoice["id"])] == ["failed", "succeeded"]


async def test_xendit_refund_failed_callback_fails_the_refund(shop, control):
    invoice, link = await shop.paid(XENDIT)
    fault = {
        "outcome": "failed",
        "reference": link["gateway_reference"],
        "failure_code": "INSUFFICIENT_BALANCE",
    }
    assert (await control.post("/_sandbox/faults", json={"refund_result": fault})).is_success
    response = await shop.refund(invoice["id"], "30000")
    assert response.status_code == 201 and response.json()["status"] == "pending", response.text
    failed = await shop.wait_refund(invoice["id"], response.json()["refund_id"], "failed")
    assert failed["failure_reason"] == "xendit failed the refund: INSUFFICIENT_BALANCE"
    assert (await shop.get(invoice["id"]))["amount_refunded"] == "0"
    again = await shop.refund(invoice["id"], idr(TOTALS[XENDIT]))
    assert again.status_code == 201, again.text
    await shop.wait_refund(invoice["id"], again.json()["refund_id"], "succeeded")


@pytest.mark.parametrize("gateway_id", [MIDTRANS, XENDIT], ids=["midtrans", "xendit"])
async def test_answer_lost_to_a_timeout_is_asked_again_with_the_same_key(
    shop: RefundShop, control, gateway_id: int, temporal_env
):
    """The gateway makes the refund but its answer comes after our 5 s timeout: the activity
    asks again with the same key and gets that refund back; the notification of it (sent at
    once) never counts it a second time."""
    invoice, link = await shop.paid(gateway_id)
    fault = {"outcome": "timeout", "reference": link["gateway_reference"], "delay_ms": 8000}
    assert (await control.post("/_sandbox/faults", json={"refund_result": fault})).is_success
    response = await shop.refund(invoice["id"], "25000")
    assert response.status_code == 201, response.text
    refund = await shop.wait_refund(invoice["id"], response.json()["refund_id"], "succeeded")
    assert refund["amount_refunded"] == "25000"
    at_gateway = await shop.sandbox_refunds(link["gateway_reference"])
    assert [r["amount"] for r in at_gateway] == ["25000"]
    await asyncio.sleep(1.0)  # the notifications have had their chance to count twice
    assert (await shop.get(invoice["id"]))["amount_refunded"] == "25000"
    [txn] = await shop.transactions(invoice["id"])
    assert txn["refunded_amount"] == "25000"
    # The gateway call was made twice: the first try timed out, the second got the refund.
    handle = temporal_env.client.get_workflow_handle(f"invoice-{invoice['id']}")
    assert await submit_attempts(handle) == [2]


async def test_installments_are_refunded_newest_payment_first(shop: RefundShop):
    lines = [{"description": "Sofa", "quantity": 3, "unit_price": "100000", "tax_rate": "0.11"}]
    invoice = await shop.create(lines=lines, installments={"count": 3, "interval_days": 7})
    amounts = [Decimal(i["amount"]) for i in invoice["installments"]]
    references = []
    for number in (1, 2):
        link = await shop.pay_link(invoice["id"])
        await shop.sandbox_pay(link["gateway_reference"])
        references.append(link["gateway_reference"])
        await shop.wait_paid(invoice["id"], idr(sum(amounts[:number], Decimal(0))))
    # More than the second payment: all of it, then the rest from the first.
    wanted = amounts[1] + 1000
    response = await shop.refund(invoice["id"], idr(wanted))
    assert response.status_code == 201, response.text
    refund = await shop.wait_refund(invoice["id"], response.json()["refund_id"], "succeeded")
    txns = await shop.transactions(invoice["id"])
    assert [(p["transaction_id"], p["amount"]) for p in refund["parts"]] == [
        (txns[1]["id"], idr(amounts[1])),
        (txns[0]["id"], "1000"),
    ]
    assert refund["transaction_id"] == txns[1]["id"]
    assert [(t["status"], t["refunded_amount"]) for t in txns] == [
        ("partially_refunded", "1000"),
        ("refunded", idr(amounts[1])),
    ]
    assert [r["amount"] for r in await shop.sandbox_refunds(references[1])] == [idr(amounts[1])]
    assert [r["amount"] for r in await shop.sandbox_refunds(references[0])] == ["1000"]
    left = amounts[0] - 1000
    over = await shop.refund(invoice["id"], idr(left + 1))
    assert (
        error_message(over)
        == f"Refund amount {idr(left + 1)} exceeds refundable amount {idr(left)}"
    )


async def test_overpaid_and_partially_paid_invoices(shop: RefundShop):
    total = TOTALS[MIDTRANS]
    over, _ = await shop.paid(MIDTRANS, amount=total + 5000)
    response = await shop.refund(over["id"])
    assert response.status_code == 201, response.text
    assert response.json()["refund_amount"] == idr(total + 5000)
    partial, _ = await shop.paid(MIDTRANS, amount=Decimal(40000))
    assert partial["status"] == "partially_paid"
    too_much = await shop.refund(partial["id"], "40001")
    assert error_message(too_much) == "Refund amount 40001 exceeds refundable amount 40000"
    response = await shop.refund(partial["id"], "40000")
    assert response.status_code == 201 and response.json()["status"] == "succeeded"


async def test_refund_after_the_workflow_completed_starts_it_again(shop: RefundShop, temporal_env):
    invoice, _ = await shop.paid(MIDTRANS)
    handle = temporal_env.client.get_workflow_handle(f"invoice-{invoice['id']}")
    await eventually(
        lambda: handle.describe(),
        lambda d: d.status == WorkflowExecutionStatus.COMPLETED,
        timeout=30,
    )
    completed_run = (await handle.describe()).run_id
    response = await shop.refund(invoice["id"], "10000")
    assert response.status_code == 201 and response.json()["status"] == "succeeded", response.text
    assert (await handle.describe()).run_id != completed_run


async def test_report_counts_succeeded_refunds_only(shop: RefundShop, control):
    succeeded, _ = await shop.paid(MIDTRANS)
    assert (await shop.refund(succeeded["id"], "10000")).json()["status"] == "succeeded"
    refused, link = await shop.paid(MIDTRANS)
    fault = {"outcome": "failed", "reference": link["gateway_reference"]}
    await control.post("/_sandbox/faults", json={"refund_result": fault})
    assert (await shop.refund(refused["id"], "20000")).json()["status"] == "failed"
    pending, xlink = await shop.paid(XENDIT)
    await control.post("/_sandbox/faults", json={"drop_notifications": True})
    stuck = await shop.refund(pending["id"], "30000")
    assert stuck.json()["status"] == "pending"
    await control.delete("/_sandbox/faults")
    day = succeeded["created_at"][:10]
    report = await shop.client.get(
        "/reports/financial", params={"start_date": day, "end_date": day}, headers=shop.headers
    )
    [idr_section] = [c for c in report.json()["currencies"] if c["currency"] == "IDR"]
    assert idr_section["amount_refunded"] == "10000"

    # The pending one is listed for operators; a retry asks the gateway where it stands.
    listed = await shop.client.get("/refunds", headers=shop.headers)
    assert [r["refund_id"] for r in listed.json()["data"]] == [stuck.json()["refund_id"]]
    assert len(await shop.sandbox_refunds(xlink["gateway_reference"])) == 1


async def test_refund_events_are_numbered_with_the_invoice_events(shop: RefundShop, control):
    invoice, link = await shop.paid(XENDIT)
    ok = await shop.refund(invoice["id"], "10000")
    await shop.wait_refund(invoice["id"], ok.json()["refund_id"], "succeeded")
    fault = {"outcome": "failed", "reference": link["gateway_reference"]}
    await control.post("/_sandbox/faults", json={"refund_result": fault})
    bad = await shop.refund(invoice["id"], "20000")
    await shop.wait_refund(invoice["id"], bad.json()["refund_id"], "failed")
    events = await shop.events(invoice["id"])
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    refund_events = [
        (e["type"], e["data"]["object"]["refund_id"])
        for e in events
        if e["type"].startswith("refund.")
    ]
    assert refund_events == [
        ("refund.pending", ok.json()["refund_id"]),
        ("refund.succeeded", ok.json()["refund_id"]),
        ("refund.pending", bad.json()["refund_id"]),
        ("refund.failed", bad.json()["refund_id"]),
    ]
    succeeded = next(e for e in events if e["type"] == "refund.succeeded")
    assert succeeded["data"]["object"]["status"] == "succeeded"


async def test_a_refund_the_gateway_reports_without_our_request_is_source_gateway(
    shop: RefundShop,
):
    invoice, link = await shop.paid(XENDIT)
    made = await shop.sandbox(
        "POST", f"/_sandbox/payments/{link['gateway_reference']}/refund", json={"amount": "7000"}
    )
    assert made.status_code == 200, made.text
    [refund] = await eventually(lambda: shop.refunds(invoice["id"]), lambda r: len(r) == 1)
    assert (refund["source"], refund["status"], refund["refund_amount"]) == (
        "gateway",
        "succeeded",
        "7000",
    )
    assert refund["refund_id"] == made.json()["refund"]["refund_id"]
    # It counts against what is refundable.
    left = TOTALS[XENDIT] - 7000
    over = await shop.refund(invoice["id"], idr(left + 1))
    assert (
        error_message(over)
        == f"Refund amount {idr(left + 1)} exceeds refundable amount {idr(left)}"
    )
