"""MidtransGateway against the sandbox over real HTTP, and notification verification/parsing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from domain.money import Currency
from gateways import (
    ORDER_ID_TAKEN,
    EventKind,
    GatewayRejected,
    GatewayUnavailable,
    MidtransGateway,
    PaymentItem,
    PaymentNotFound,
    PaymentState,
    RefundStatus,
    WebhookAuthError,
    WebhookPayloadError,
)
from gateways.midtrans import midtrans_signature
from tests.gateways.support import MIDTRANS_KEY, free_port, payment_request

VECTOR_KEY = "SB-Mid-server-TESTKEY123"
VECTOR_SIGNATURE = (
    "ed2cc4ccadebe4e5f7d0d5477f2167fc173c2124312c8c1cc99e7a917ff7959c"
    "17dda37ad8174dd106ab46f31a46974bc860aa3ed10a960bc63f154e9ccc9373"
)


def notification(**changes: object) -> dict:
    """A settlement notification signed with the GATEWAYS.md test-vector key."""
    body: dict = {
        "transaction_time": "2020-01-09 18:27:19",
        "transaction_status": "settlement",
        "transaction_id": "57d5293c-e65f-4a29-95e4-5959c3fa335b",
        "status_message": "midtrans payment notification",
        "status_code": "200",
        "payment_type": "bank_transfer",
        "order_id": "Postman-1578568851",
        "merchant_id": "G141532850",
        "gross_amount": "10000.00",
        "fraud_status": "accept",
        "currency": "IDR",
        "settlement_time": "2020-01-09 18:30:00",
    }
    body.update(changes)
    body["signature_key"] = midtrans_signature(
        str(body["order_id"]), str(body["status_code"]), str(body["gross_amount"]), VECTOR_KEY
    )
    return body


def offline() -> MidtransGateway:
    return MidtransGateway(
        snap_base_url="http://127.0.0.1:9", api_base_url="http://127.0.0.1:9", server_key=VECTOR_KEY
    )


# -- signature and parsing ------------------------------------------------------------------------


def test_signature_test_vector():
    assert (
        midtrans_signature("Postman-1578568851", "200", "10000.00", VECTOR_KEY) == VECTOR_SIGNATURE
    )
    body = json.dumps(notification()).encode()
    assert json.loads(body)["signature_key"] == VECTOR_SIGNATURE
    offline().verify_webhook({}, body)


@pytest.mark.parametrize(
    "tamper",
    [
        {"gross_amount": "10000.0"},  # same number, other text: the signature is over the text
        {"status_code": "201"},
        {"order_id": "Postman-1578568852"},
    ],
)
def test_a_changed_field_breaks_the_signature(tamper):
    body = notification()
    body.update(tamper)
    with pytest.raises(WebhookAuthError):
        offline().verify_webhook({}, json.dumps(body).encode())


def test_wrong_or_missing_signature_is_refused():
    body = notification()
    body["signature_key"] = "0" * 128
    with pytest.raises(WebhookAuthError):
        offline().verify_webhook({}, json.dumps(body).encode())
    del body["signature_key"]
    with pytest.raises(WebhookAuthError):
        offline().verify_webhook({}, json.dumps(body).encode())
    with pytest.raises(WebhookPayloadError):
        offline().verify_webhook({}, b"{not json")


def test_settlement_parses_with_jakarta_time_in_utc():
    event = offline().parse_webhook(json.dumps(notification()).encode())
    assert event.gateway == "midtrans" and event.kind is EventKind.PAID
    assert event.event_id == "57d5293c-e65f-4a29-95e4-5959c3fa335b:settlement"
    assert event.reference == event.merchant_reference == "Postman-1578568851"
    assert event.invoice_id is None
    assert event.amount == Decimal("10000") and event.amount.as_tuple().exponent == 0
    assert event.occurred_at == datetime(2020, 1, 9, 11, 30, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "fraud", "kind"),
    [
        ("capture", "accept", EventKind.PAID),
        ("capture", "challenge", EventKind.PENDING),
        ("capture", "deny", EventKind.FAILED),
        ("pending", None, EventKind.PENDING),
        ("expire", None, EventKind.EXPIRED),
        ("deny", None, EventKind.FAILED),
        ("cancel", None, EventKind.FAILED),
        ("failure", None, EventKind.FAILED),
    ],
)
def test_transaction_statuses_map_to_event_kinds(status, fraud, kind):
    event = offline().parse_webhook(
        json.dumps(notification(transaction_status=status, fraud_status=fraud)).encode()
    )
    assert event.kind is kind


def test_capture_then_settlement_is_one_payment():
    captured = notification(transaction_status="capture")
    capture = offline().parse_webhook(json.dumps(captured).encode())
    settlement = offline().parse_webhook(json.dumps(notification()).encode())
    assert capture.event_id == settlement.event_id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"gross_amount": "10000.50"}, "more decimal places"),
        ({"gross_amount": "ten"}, "Malformed"),
        ({"transaction_status": "mystery"}, "unknown Midtrans"),
        ({"settlement_time": "09/01/2020"}, "not a Midtrans time"),
        ({"transaction_status": "refund"}, "refunds"),
    ],
)
def test_malformed_notifications_are_refused(changes, message):
    with pytest.raises(WebhookPayloadError, match=message):
        offline().parse_webhook(json.dumps(notification(**changes)).encode())


# -- over HTTP ------------------------------------------------------------------------------------


async def sent_request(control: httpx.AsyncClient, order_id: str) -> dict:
    response = await control.get(f"/_sandbox/payments/{order_id}")
    response.raise_for_status()
    return response.json()["request"]


async def test_create_sends_items_summing_to_gross_with_tax_fee_and_expiry(
    midtrans, control, sandbox
):
    long_name = "Annual maintenance contract for the Jakarta office, floors 3 to 7"
    req = payment_request(
        "38633",
        items=[
            PaymentItem(name=long_name, price=Decimal("15000"), quantity=2),
            PaymentItem(name="Parts", price=Decimal("300"), quantity=1),
        ],
        tax="3333",
        fee="5000",
        minutes=90,
    )
    created = await midtrans.create_payment(req)
    assert created.gateway == "midtrans"
    assert created.reference == created.merchant_reference == req.merchant_reference
    assert created.payment_url.startswith(f"{sandbox.url}/snap/v3/redirection/")
    assert 0 <= (req.expires_at - created.expires_at).total_seconds() < 61

    sent = await sent_request(control, created.reference)
    assert sent["transaction_details"] == {
        "order_id": req.merchant_reference,
        "gross_amount": 38633,
    }
    lines = sent["item_details"]
    assert sum(line["price"] * line["quantity"] for line in lines) == 38633
    assert [line["name"] for line in lines][-2:] == ["Tax", "Service fee"]
    assert lines[0]["name"] == long_name[:50] and all(len(line["name"]) <= 50 for line in lines)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0700", sent["expiry"]["start_time"])
    assert sent["expiry"]["unit"] == "minute" and sent["expiry"]["duration"] in (89, 90)


async def test_installment_is_sent_as_one_line_for_its_amount(midtrans, control):
    req = payment_request(
        "12878",
        installment_number=2,
        items=[PaymentItem(name="Laptop", price=Decimal("35000"), quantity=1)],
        tax="3633",
    )
    created = await midtrans.create_payment(req)
    sent = await sent_request(control, created.reference)
    assert sent["item_details"] == [
        {
            "id": "payment",
            "price": 12878,
            "quantity": 1,
            "name": f"Installment 2 of invoice {req.invoice_id}",
        }
    ]


async def test_non_idr_is_refused_before_any_call():
    # Nothing listens on this port: reaching the network would raise GatewayUnavailable.
    port = free_port()
    client = MidtransGateway(
        snap_base_url=f"http://127.0.0.1:{port}",
        api_base_url=f"http://127.0.0.1:{port}",
        server_key="k",
    )
    try:
        with pytest.raises(GatewayRejected, match="IDR only"):
            await client.create_payment(payment_request("10.00", Currency.USD))
    finally:
        await client.aclose()


async def test_reused_order_id_is_rejected_with_its_own_code(midtrans):
    req = payment_request("10000")
    await midtrans.create_payment(req)
    with pytest.raises(GatewayRejected) as caught:
        await midtrans.create_payment(req)
    assert caught.value.gateway_code == ORDER_ID_TAKEN and caught.value.status_code == 400
    assert "transaction_details.order_id has already been taken" in str(caught.value)


async def test_sandbox_enforces_the_sum_rule_and_idr(sandbox):
    auth = httpx.BasicAuth(MIDTRANS_KEY, "")
    async with httpx.AsyncClient(base_url=sandbox.url, auth=auth) as http:
        mismatch = await http.post(
            "/snap/v1/transactions",
            json={
                "transaction_details": {"order_id": "sum-rule-1", "gross_amount": 10000},
                "item_details": [{"id": "a", "price": 9000, "quantity": 1, "name": "A"}],
            },
        )
        assert mismatch.status_code == 400
        assert mismatch.json() == {
            "error_messages": [
                "transaction_details.gross_amount is not equal to the sum of item_details"
            ]
        }
        bad_id = await http.post(
            "/snap/v1/transactions",
            json={"transaction_details": {"order_id": "a b", "gross_amount": 10000}},
        )
        assert bad_id.status_code == 400
        usd = await http.post(
            "/snap/v1/transactions",
            json={
                "transaction_details": {"order_id": "usd-1", "gross_amount": 10},
                "currency": "USD",
            },
        )
        assert usd.status_code == 400


async def test_pay_notifies_and_status_follows(midtrans, control, receiver):
    req = payment_request("25000", installment_number=3)
    created = await midtrans.create_payment(req)
    pending = await midtrans.get_status(created.reference)
    assert pending.state is PaymentState.PENDING and pending.gateway_status == "pending"

    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    [delivery] = await receiver.wait_for(created.reference)
    assert delivery.status == 200, delivery.error
    event = delivery.event
    assert event is not None and event.kind is EventKind.PAID
    assert event.event_id == f"{event.gateway_transaction_id}:settlement"
    assert event.merchant_reference == req.merchant_reference  # ids come from the stored link
    assert event.amount == Decimal("25000") and event.currency is Currency.IDR
    assert json.loads(delivery.body)["gross_amount"] == "25000.00"

    by_order = await midtrans.get_status(created.reference)
    by_transaction = await midtrans.get_status(str(event.gateway_transaction_id))
    for status in (by_order, by_transaction):
        assert status.state is PaymentState.PAID
        assert status.paid_amount == Decimal("25000") and status.refunded_amount == 0
        assert status.reference == created.reference


async def test_each_refund_notifies_twice_under_one_event_id(midtrans, control, receiver):
    created = await midtrans.create_payment(payment_request("100000"))
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    await receiver.wait_for(created.reference)

    result = await midtrans.refund(
        created.reference, Decimal("30000"), Currency.IDR, "damaged", "rk-first"
    )
    assert (result.refund_id, result.status, result.amount) == (
        "rk-first",
        RefundStatus.SUCCEEDED,
        Decimal("30000"),
    )
    first_pair = await receiver.wait_for(
        created.reference, 2, where=lambda r: r.event is not None and r.event.refund_id is not None
    )
    ids = {r.event.event_id for r in first_pair if r.event}
    assert ids == {f"{first_pair[0].event.gateway_transaction_id}:partial_refund:rk-first"}
    bodies = [json.loads(r.body) for r in first_pair]
    assert "bank_confirmed_at" not in bodies[0]["refunds"][-1]
    assert "bank_confirmed_at" in bodies[1]["refunds"][-1]
    for received in first_pair:
        event = received.event
        assert event is not None and event.kind is EventKind.REFUNDED
        assert (event.refund_id, event.refund_amount, event.refund_reason) == (
            "rk-first",
            Decimal("30000"),
            "damaged",
        )
    seen = {r.event.event_id for r in first_pair if r.event}  # what de-duplication keeps: one

    await midtrans.refund(created.reference, Decimal("70000"), Currency.IDR, "rest", "rk-second")
    both = await receiver.wait_for(
        created.reference, 4, where=lambda r: r.event is not None and r.event.refund_id is not None
    )
    second = [r.event for r in both[2:] if r.event]
    assert {e.event_id for e in second} - seen == {e.event_id for e in second}
    assert {(e.refund_id, e.refund_amount) for e in second} == {("rk-second", Decimal("70000"))}
    assert json.loads(both[-1].body)["refund_amount"] == "100000.00"  # cumulative

    status = await midtrans.get_status(created.reference)
    assert status.state is PaymentState.REFUNDED and status.refunded_amount == Decimal("100000")
    with pytest.raises(GatewayRejected) as caught:  # nothing left to refund: body 412
        await midtrans.refund(created.reference, Decimal("1"), Currency.IDR, "x", "rk-third")
    assert caught.value.status_code == 412


async def test_expire_notifies_and_status_follows(midtrans, receiver):
    created = await midtrans.create_payment(payment_request("10000"))
    await midtrans.expire(created.reference)
    [delivery] = await receiver.wait_for(created.reference)
    assert delivery.event is not None and delivery.event.kind is EventKind.EXPIRED
    status = await midtrans.get_status(created.reference)
    assert status.state is PaymentState.EXPIRED and status.gateway_status == "expire"


async def test_unknown_order_is_an_error_although_http_200(midtrans, sandbox):
    async with httpx.AsyncClient(auth=httpx.BasicAuth(MIDTRANS_KEY, "")) as http:
        raw = await http.get(f"{sandbox.url}/v2/no-such-order/status")
    assert raw.status_code == 200 and raw.json()["status_code"] == "404"
    with pytest.raises(PaymentNotFound) as caught:
        await midtrans.get_status("no-such-order")
    assert caught.value.status_code == 404 and not caught.value.retryable


async def test_body_server_error_under_http_200_is_retryable(midtrans, control):
    await control.post(
        "/_sandbox/faults", json={"status": {"status": 505, "times": 1, "in_body": True}}
    )
    with pytest.raises(GatewayUnavailable) as caught:
        await midtrans.get_status("whatever")
    assert caught.value.status_code == 505 and "HTTP 200" in str(caught.value)


async def test_snap_outage_is_retryable(midtrans, control):
    await control.post(
        "/_sandbox/faults",
        json={"create_payment": {"status": 503, "times": 1, "gateway": "midtrans"}},
    )
    req = payment_request("10000")
    with pytest.raises(GatewayUnavailable) as caught:
        await midtrans.create_payment(req)
    assert caught.value.retryable and caught.value.status_code == 503
    assert (await midtrans.create_payment(req)).reference == req.merchant_reference


async def test_refund_outage_is_retryable(midtrans, control):
    await control.post("/_sandbox/faults", json={"refund": {"status": 502, "times": 1}})
    with pytest.raises(GatewayUnavailable):
        await midtrans.refund("any-order", Decimal("1000"), Currency.IDR, "x", "k")


async def test_wrong_server_key_is_rejected(sandbox):
    client = MidtransGateway(
        snap_base_url=sandbox.url, api_base_url=sandbox.url, server_key="SB-Mid-server-WRONG"
    )
    try:
        with pytest.raises(GatewayRejected) as caught:
            await client.create_payment(payment_request("10000"))
        assert caught.value.status_code == 401
        assert "Access denied due to unauthorized transaction" in str(caught.value)
        assert "SB-Mid-server-WRONG" not in str(caught.value)
        with pytest.raises(GatewayRejected) as core:
            await client.get_status("anything")
        assert core.value.status_code == 401
    finally:
        await client.aclose()


async def test_latency_past_the_timeout_is_retryable(sandbox, control):
    await control.post("/_sandbox/faults", json={"latency_ms": 600})
    client = MidtransGateway(
        snap_base_url=sandbox.url,
        api_base_url=sandbox.url,
        server_key=MIDTRANS_KEY,
        timeout_seconds=0.2,
    )
    try:
        with pytest.raises(GatewayUnavailable) as caught:
            await client.create_payment(payment_request("10000"))
    finally:
        await client.aclose()
    assert caught.value.retryable
