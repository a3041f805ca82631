"""XenditGateway against the sandbox over real HTTP, and callback verification/parsing."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from domain.money import Currency
from gateways import (
    EventKind,
    GatewayRejected,
    GatewayUnavailable,
    PaymentItem,
    PaymentNotFound,
    PaymentState,
    RefundStatus,
    WebhookAuthError,
    WebhookPayloadError,
    XenditGateway,
)
from tests.gateways.support import XENDIT_KEY, XENDIT_TOKEN, payment_request

# The example callback of GATEWAYS.md, verbatim.
EXAMPLE_CALLBACK = b"""{"id":"593f4ed1c3d3bb7f39733d83","external_id":"testing-invoice",
 "user_id":"5848fdf860053555135587e7",
 "payment_method":"RETAIL_OUTLET","status":"PAID","merchant_name":"Xendit","amount":2000000,
 "paid_amount":2000000,"paid_at":"2020-01-14T02:32:50.912Z","payer_email":"test@xendit.co",
 "description":"Invoice webhook test","created":"2020-01-13T02:32:49.827Z",
 "updated":"2020-01-13T02:32:50.912Z","currency":"IDR","payment_channel":"ALFAMART",
 "payment_destination":"TEST815"}"""


async def sandbox_payment(control: httpx.AsyncClient, reference: str) -> dict:
    response = await control.get(f"/_sandbox/payments/{reference}")
    response.raise_for_status()
    return response.json()


async def test_create_payment_sends_idr_as_integer_with_items_fees_and_metadata(
    xendit, control, sandbox
):
    req = payment_request(
        "38633",
        installment_number=2,
        items=[PaymentItem(name="Consulting", price=Decimal("30000"), quantity=1)],
        tax="3300",
        fee="5333",
    )
    created = await xendit.create_payment(req)

    assert created.gateway == "xendit"
    assert created.merchant_reference == req.merchant_reference
    assert str(req.invoice_id) not in req.merchant_reference  # opaque: no ids in it
    assert created.reference != created.merchant_reference  # Xendit's own invoice id
    assert created.payment_url == f"{sandbox.url}/pay/{created.reference}"
    assert abs((created.expires_at - req.expires_at).total_seconds()) <= 2
    assert (created.amount, created.currency) == (Decimal("38633"), Currency.IDR)

    raw = (await control.get(f"/_sandbox/payments/{created.reference}")).text
    assert '"amount":38633,' in raw  # an integer on the wire, not 38633.0 or "38633"
    sent = json.loads(raw)["request"]
    assert 3590 <= sent["invoice_duration"] <= 3600
    assert sent["fees"] == [{"type": "Tax", "value": 3300}, {"type": "Service fee", "value": 5333}]
    assert sent["items"] == [{"name": "Consulting", "price": 30000, "quantity": 1}]
    assert sent["metadata"]["invoice_id"] == str(req.invoice_id)
    assert sent["metadata"]["installment_number"] == "2"
    assert sent["metadata"]["tenant"] == "gateway-tests"


async def test_create_usd_sends_an_exact_two_decimal_number(xendit, control):
    created = await xendit.create_payment(payment_request("12.50", Currency.USD))
    raw = (await control.get(f"/_sandbox/payments/{created.reference}")).text
    assert '"amount":12.50,' in raw
    status = await xendit.get_status(created.reference)
    assert (status.amount, status.currency) == (Decimal("12.50"), Currency.USD)


async def test_pay_delivers_a_verified_paid_callback_and_status_follows(xendit, control, receiver):
    req = payment_request("50000", installment_number=1)
    created = await xendit.create_payment(req)
    pending = await xendit.get_status(created.reference)
    assert pending.state is PaymentState.PENDING and pending.paid_amount is None

    response = await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    assert response.status_code == 200
    [delivery] = await receiver.wait_for(created.reference)

    assert delivery.status == 200, delivery.error
    event = delivery.event
    assert event is not None
    assert event.kind is EventKind.PAID
    assert event.event_id == f"{created.reference}:PAID"
    assert event.reference == event.gateway_transaction_id == created.reference
    assert event.merchant_reference == req.merchant_reference
    assert event.invoice_id is None  # nothing is parsed out of the reference
    assert (event.amount, event.currency) == (Decimal("50000"), Currency.IDR)
    assert event.occurred_at.tzinfo is not None

    paid = await xendit.get_status(created.reference)
    assert paid.state is PaymentState.PAID
    assert paid.paid_amount == Decimal("50000") and paid.paid_at is not None


async def test_underpayment_reports_the_amount_actually_paid(xendit, control, receiver):
    created = await xendit.create_payment(payment_request("50000"))
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={"amount": "20000"})
    [delivery] = await receiver.wait_for(created.reference)
    assert delivery.event is not None and delivery.event.amount == Decimal("20000")


async def test_expire_sends_expired_callback(xendit, receiver):
    created = await xendit.create_payment(payment_request("15000"))
    await xendit.expire(created.reference)
    [delivery] = await receiver.wait_for(created.reference)
    assert delivery.event is not None
    assert delivery.event.kind is EventKind.EXPIRED
    assert delivery.event.event_id == f"{created.reference}:EXPIRED"
    assert (await xendit.get_status(created.reference)).state is PaymentState.EXPIRED
    with pytest.raises(GatewayRejected) as caught:
        await xendit.expire(created.reference)
    assert caught.value.status_code == 400 and not caught.value.retryable


async def test_refund_is_idempotent_and_arrives_as_refund_succeeded(xendit, control, receiver):
    created = await xendit.create_payment(payment_request("100000"))
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    await receiver.wait_for(created.reference)

    result = await xendit.refund(
        created.reference, Decimal("40000"), Currency.IDR, "REQUESTED_BY_CUSTOMER", "refund-key-1"
    )
    assert result.status is RefundStatus.PENDING
    assert result.refund_id.startswith("rfd-") and result.amount == Decimal("40000")
    again = await xendit.refund(
        created.reference, Decimal("40000"), Currency.IDR, "REQUESTED_BY_CUSTOMER", "refund-key-1"
    )
    assert again.refund_id == result.refund_id

    [delivery] = await receiver.wait_for(
        created.reference, where=lambda r: r.event is not None and r.event.refund_id is not None
    )
    event = delivery.event
    assert event is not None
    assert event.kind is EventKind.REFUNDED
    assert event.event_id == f"{result.refund_id}:refund.succeeded"
    assert (event.refund_id, event.refund_amount, event.amount) == (
        result.refund_id,
        Decimal("40000"),
        Decimal("40000"),
    )
    assert event.refund_reason == "REQUESTED_BY_CUSTOMER"
    assert event.reference == created.reference

    await asyncio.sleep(0.2)  # the repeated key must not have caused a second webhook
    log = (await control.get("/_sandbox/webhooks", params={"reference": created.reference})).json()
    assert [d["event"] for d in log["data"]] == ["PAID", "refund.succeeded"]

    with pytest.raises(GatewayRejected) as caught:  # more than is left to refund
        await xendit.refund(created.reference, Decimal("60001"), Currency.IDR, "OTHERS", "k2")
    assert caught.value.status_code == 400
    assert caught.value.gateway_code == "REFUND_AMOUNT_EXCEEDED"
    assert "exceeds" in str(caught.value)


async def test_free_text_refund_reason_goes_as_others_with_the_text(xendit, control, receiver):
    created = await xendit.create_payment(payment_request("10000"))
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    await xendit.refund(created.reference, Decimal("10000"), Currency.IDR, "Customer moved", "k")
    [delivery] = await receiver.wait_for(
        created.reference, where=lambda r: r.event is not None and r.event.refund_id is not None
    )
    assert delivery.event is not None and delivery.event.refund_reason == "Customer moved"
    assert json.loads(delivery.body)["data"]["reason"] == "OTHERS"


async def test_failed_refund_arrives_as_failed(xendit, control, receiver):
    created = await xendit.create_payment(payment_request("10000"))
    await control.post(f"/_sandbox/payments/{created.reference}/pay", json={})
    response = await control.post(
        f"/_sandbox/payments/{created.reference}/refund", json={"status": "failed"}
    )
    refund_id = response.json()["refund"]["refund_id"]
    [delivery] = await receiver.wait_for(
        created.reference, where=lambda r: r.event is not None and r.event.refund_id is not None
    )
    assert delivery.event is not None
    assert delivery.event.kind is EventKind.FAILED
    assert delivery.event.event_id == f"{refund_id}:refund.failed"


async def test_wrong_secret_key_is_rejected_without_leaking_it(sandbox):
    client = XenditGateway(
        base_url=sandbox.url, secret_key="xnd_wrong_key_123", callback_token=XENDIT_TOKEN
    )
    try:
        with pytest.raises(GatewayRejected) as caught:
            await client.create_payment(payment_request())
    finally:
        await client.aclose()
    error = caught.value
    assert (error.status_code, error.gateway_code, error.retryable) == (
        401,
        "INVALID_API_KEY",
        False,
    )
    assert "API key is not authorized" in str(error)
    assert "xnd_wrong_key_123" not in str(error) and "xnd_wrong_key_123" not in repr(error)


async def test_sandbox_validates_like_xendit(sandbox):
    auth = httpx.BasicAuth(XENDIT_KEY, "")
    async with httpx.AsyncClient(base_url=sandbox.url, auth=auth) as http:
        missing = await http.post("/v2/invoices", json={"amount": 10000})
        assert missing.status_code == 400
        assert missing.json()["error_code"] == "API_VALIDATION_ERROR"
        assert "external_id" in missing.json()["message"]
        euro = await http.post(
            "/v2/invoices", json={"external_id": "x-1", "amount": 10, "currency": "EUR"}
        )
        assert (euro.status_code, euro.json()["error_code"]) == (400, "UNSUPPORTED_CURRENCY")
        thb = await http.post(
            "/v2/invoices", json={"external_id": "x-1", "amount": 10, "currency": "THB"}
        )
        assert thb.status_code == 200
        # Xendit lets an external_id be reused: two invoices, two ids.
        first = await http.post("/v2/invoices", json={"external_id": "reuse-1", "amount": 10000})
        second = await http.post("/v2/invoices", json={"external_id": "reuse-1", "amount": 10000})
        assert first.status_code == second.status_code == 200
        assert first.json()["id"] != second.json()["id"]
        # IDR decimals are truncated, as Xendit does.
        truncated = await http.post(
            "/v2/invoices",
            content=b'{"external_id":"t-1","amount":10000.9}',
            headers={"content-type": "application/json"},
        )
        assert truncated.json()["amount"] == 10000
        assert truncated.json()["expiry_date"].endswith("Z")


async def test_server_errors_are_retryable_then_recover(xendit, control):
    await control.post("/_sandbox/faults", json={"create_payment": {"status": 503, "times": 2}})
    for _ in range(2):
        with pytest.raises(GatewayUnavailable) as caught:
            await xendit.create_payment(payment_request())
        assert caught.value.retryable and caught.value.status_code == 503
    created = await xendit.create_payment(payment_request())
    assert created.reference


async def test_timeout_is_retryable(sandbox, control):
    await control.post("/_sandbox/faults", json={"latency_ms": 600})
    client = XenditGateway(
        base_url=sandbox.url,
        secret_key=XENDIT_KEY,
        callback_token=XENDIT_TOKEN,
        timeout_seconds=0.2,
    )
    try:
        with pytest.raises(GatewayUnavailable) as caught:
            await client.get_status("anything")
    finally:
        await client.aclose()
    assert caught.value.retryable and "in time" in str(caught.value)


async def test_unknown_invoice_is_not_found(xendit):
    with pytest.raises(PaymentNotFound) as caught:
        await xendit.get_status("000000000000000000000000")
    assert caught.value.status_code == 404 and not caught.value.retryable


# -- callbacks without the network ---------------------------------------------------------------


def gateway() -> XenditGateway:
    return XenditGateway(base_url="http://127.0.0.1:9", secret_key="k", callback_token="tok-123")


def test_example_callback_parses_to_the_normalized_event():
    event = gateway().parse_webhook(EXAMPLE_CALLBACK)
    assert event.gateway == "xendit"
    assert event.kind is EventKind.PAID
    assert event.event_id == "593f4ed1c3d3bb7f39733d83:PAID"
    assert event.reference == event.gateway_transaction_id == "593f4ed1c3d3bb7f39733d83"
    assert event.merchant_reference == "testing-invoice"
    assert event.invoice_id is None and event.installment_number is None  # not our reference
    assert event.amount == Decimal("2000000") and event.currency is Currency.IDR
    assert event.occurred_at == datetime(2020, 1, 14, 2, 32, 50, 912000, tzinfo=UTC)
    assert event.refund_id is None
    assert event.raw["payment_channel"] == "ALFAMART"


def test_amounts_may_come_as_strings_and_settled_counts_once():
    data = json.loads(EXAMPLE_CALLBACK)
    data.update(paid_amount="2000000", amount="2000000")
    as_strings = gateway().parse_webhook(json.dumps(data).encode())
    assert as_strings.amount == Decimal("2000000")
    data["status"] = "SETTLED"
    settled = gateway().parse_webhook(json.dumps(data).encode())
    assert settled.kind is EventKind.PAID and settled.event_id == as_strings.event_id


def test_callback_token_is_checked():
    client = gateway()
    client.verify_webhook({"X-Callback-Token": "tok-123"}, EXAMPLE_CALLBACK)
    client.verify_webhook({"x-callback-token": "tok-123"}, EXAMPLE_CALLBACK)
    for headers in ({"x-callback-token": "tok-124"}, {"x-callback-token": ""}, {}):
        with pytest.raises(WebhookAuthError):
            client.verify_webhook(headers, EXAMPLE_CALLBACK)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"paid_amount": 2000000.5}, "more decimal places"),
        ({"currency": "USD", "paid_amount": "12.345"}, "more decimal places"),
        ({"currency": "EUR"}, "unsupported currency"),
        ({"status": "WEIRD"}, "unknown invoice status"),
        ({"id": None}, "'id'"),
        ({"paid_amount": -5}, "negative"),
    ],
)
def test_malformed_callbacks_are_refused(changes, message):
    data = json.loads(EXAMPLE_CALLBACK)
    data.update(changes)
    body = json.dumps(data).encode()
    with pytest.raises(WebhookPayloadError, match=message):
        gateway().parse_webhook(body)


def test_not_json_is_a_payload_error():
    with pytest.raises(WebhookPayloadError):
        gateway().parse_webhook(b"not json")
    with pytest.raises(WebhookPayloadError):
        gateway().parse_webhook(b"[1, 2]")


def test_refund_envelope_with_string_amount():
    body = {
        "event": "refund.succeeded",
        "business_id": "b",
        "created": "2026-11-26T10:00:00.000Z",
        "data": {
            "id": "rfd-1",
            "invoice_id": "inv-1",
            "payment_id": "pay-1",
            "reference_id": "r",
            "currency": "MYR",
            "amount": "10.50",
            "status": "SUCCEEDED",
            "reason": "OTHERS",
            "created": "2026-11-26T10:00:00.000Z",
            "updated": "2026-11-26T10:00:01.000Z",
        },
    }
    event = gateway().parse_webhook(json.dumps(body).encode())
    assert (event.kind, event.event_id) == (EventKind.REFUNDED, "rfd-1:refund.succeeded")
    assert (event.refund_amount, event.currency) == (Decimal("10.50"), Currency.MYR)
    assert event.reference == "inv-1" and event.gateway_transaction_id == "pay-1"
    body["event"] = "invoice.refunded"  # the seed's name, which Xendit never sends
    with pytest.raises(WebhookPayloadError):
        gateway().parse_webhook(json.dumps(body).encode())
