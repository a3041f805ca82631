"""Issue 11: a forged or replayed gateway notification moves no money.

Each probe is what an attacker without PayTrust's secrets (or with only a captured genuine
notification) could send, over real HTTP to the api, with the sandbox as the gateway the
worker asks before applying anything. Each leaves every invoice, transaction and refund row as
it was, and is listed in GET /webhooks/failed as rejected with its reason (and counted).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from gateways.base import new_merchant_reference
from gateways.midtrans import midtrans_signature
from tests.gateways.support import MIDTRANS_KEY, XENDIT_TOKEN
from tests.invoices.helpers import Merchant, eventually, xendit_callback
from tests.security.trust_support import (
    ADMIN,
    delivered,
    money_rows,
    new_tenant,
    post_webhook,
    rejected_count,
    rejected_entry,
    sandbox_payment,
    shop,
)

__all__ = ["shop"]  # the fixture

XENDIT_HEADERS = {"x-callback-token": XENDIT_TOKEN}


async def paid_midtrans_invoice(shop: Merchant) -> tuple[dict[str, Any], dict[str, Any]]:
    """An invoice paid in full through Midtrans, and the gateway's genuine settlement body."""
    invoice = await shop.create(gateway_id=2)
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    await shop.wait_status(invoice["id"], "fully_paid")
    body, _ = await delivered(shop, link["gateway_reference"], "settlement")
    return invoice, body


async def paid_xendit_invoice(shop: Merchant) -> tuple[dict[str, Any], dict[str, Any]]:
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    await shop.wait_status(invoice["id"], "fully_paid")
    body, _ = await delivered(shop, link["gateway_reference"], "PAID")
    return invoice, body


async def probe(
    client: httpx.AsyncClient,
    shop: Merchant,
    invoice_id: int,
    path: str,
    body: dict[str, Any],
    reason: str,
    *,
    headers: dict[str, str] | None = None,
    listed_to: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Send the forged notification; it is taken in (a hint), then rejected by the worker with
    `reason`, listed in GET /webhooks/failed and counted, and the invoice's money rows are
    exactly as before. Returns the failed-webhook entry."""
    gateway = path.split("/")[2]
    before = await money_rows(shop, invoice_id)
    counted = rejected_count(gateway, reason)
    answer = await post_webhook(client, path, body, headers)
    assert answer["status"] == "accepted"
    entry = await rejected_entry(client, answer["event_id"], listed_to or shop.headers)
    assert entry["rejection_reason"] == reason, entry
    assert entry["last_error"].startswith("Rejected: ")
    assert await money_rows(shop, invoice_id) == before
    # Counted once the rejection is recorded (the same activity, just after its commit).

    async def count() -> float:
        return rejected_count(gateway, reason)

    await eventually(count, lambda n: n >= counted + 1, timeout=10)
    return entry


async def test_midtrans_replay_with_a_new_transaction_id_is_rejected(client, shop):
    invoice, genuine = await paid_midtrans_invoice(shop)
    # The signature covers order_id, status_code and gross_amount only: still valid.
    replay = {**genuine, "transaction_id": str(uuid.uuid4())}
    await probe(client, shop, invoice["id"], "/webhooks/midtrans", replay, "transaction_mismatch")
    assert (await shop.get(invoice["id"]))["amount_paid"] == invoice["total"]  # once, not twice


async def test_midtrans_forged_refunds_entry_is_rejected(client, shop):
    invoice, genuine = await paid_midtrans_invoice(shop)
    forged = {
        **genuine,
        "transaction_status": "refund",
        "refund_amount": genuine["gross_amount"],
        "refunds": [
            {
                "refund_chargeback_id": 1,
                "refund_amount": genuine["gross_amount"],
                "created_at": genuine["transaction_time"],
                "reason": "forged",
                "refund_key": f"forged-{uuid.uuid4().hex[:8]}",
            }
        ],
    }
    await probe(client, shop, invoice["id"], "/webhooks/midtrans", forged, "unknown_refund")
    assert (await shop.sub(invoice["id"], "refunds"))["data"] == []


async def test_midtrans_tampered_transaction_status_is_rejected(client, shop):
    """A captured `pending` notification turned into `settlement` (status_code, which the
    signature covers, left as it was) for an order nobody paid; and `expire` on a paid one."""
    invoice = await shop.create(gateway_id=2)
    link = await shop.pay_link(invoice["id"])
    order_id = link["gateway_reference"]
    at_gateway = await sandbox_payment(shop, order_id)
    gross = f"{int(invoice['total'].split('.')[0])}.00"
    pending = {
        "transaction_time": "2026-12-02 10:00:00",
        "transaction_status": "settlement",  # was "pending"
        "transaction_id": at_gateway["transaction_id"],
        "status_code": "201",
        "signature_key": midtrans_signature(order_id, "201", gross, MIDTRANS_KEY),
        "payment_type": "bank_transfer",
        "order_id": order_id,
        "gross_amount": gross,
        "fraud_status": "accept",
        "currency": "IDR",
        "settlement_time": "2026-12-02 10:00:05",
    }
    await probe(client, shop, invoice["id"], "/webhooks/midtrans", pending, "status_mismatch")
    assert (await shop.get(invoice["id"]))["status"] == "pending"
    paid, genuine = await paid_midtrans_invoice(shop)
    expired = {**genuine, "transaction_status": "expire"}
    await probe(client, shop, paid["id"], "/webhooks/midtrans", expired, "status_mismatch")


async def test_default_token_on_another_tenants_draft_is_rejected(client, sandbox):
    """The platform token with an `external_id` naming another tenant's draft invoice (the
    old `pt-{id}-0-1` shape): nothing was issued for it, so nothing matches (and, matching no
    tenant, the rejection is listed to the admin)."""
    victim = await new_tenant(client, sandbox.url, f"t-{uuid.uuid4().hex[:12]}")
    draft = await victim.create()
    body = json.loads(
        xendit_callback(
            reference=uuid.uuid4().hex[:24],
            external_id=f"pt-{draft['id']}-0-1",
            amount=draft["total"].split(".")[0],
            currency="IDR",
        )
    )
    entry = await probe(
        client,
        victim,
        draft["id"],
        "/webhooks/xendit",
        body,
        "not_issued",
        headers=XENDIT_HEADERS,
        listed_to=ADMIN,
    )
    assert entry["invoice_id"] is None
    assert (await victim.get(draft["id"]))["status"] == "draft"


async def test_a_reference_never_issued_is_rejected_even_if_the_gateway_knows_it(
    client, shop, settings
):
    """A real invoice, paid at the gateway, that PayTrust never issued (made directly with the
    platform key): its genuine callback matches no link, so it applies to nothing; nor does a
    made-up reference of PayTrust's own shape."""
    from gateways import build_gateways, close_gateways
    from tests.gateways.support import payment_request

    clients = build_gateways(settings)
    try:
        created = await clients["xendit"].create_payment(payment_request("100000"))
    finally:
        await close_gateways(clients)
    await shop.sandbox_pay(created.reference)
    genuine, _ = await delivered(shop, created.reference, "PAID")
    invoice = await shop.create()
    await shop.pay_link(invoice["id"])
    invented = {**genuine, "id": uuid.uuid4().hex[:24], "external_id": new_merchant_reference()}
    for body in (genuine, invented):
        await probe(
            client,
            shop,
            invoice["id"],
            "/webhooks/xendit",
            body,
            "not_issued",
            headers=XENDIT_HEADERS,
            listed_to=ADMIN,
        )


async def test_genuine_xendit_callback_with_a_changed_id_is_rejected(client, shop):
    invoice, genuine = await paid_xendit_invoice(shop)
    changed = {**genuine, "id": uuid.uuid4().hex[:24]}
    await probe(
        client,
        shop,
        invoice["id"],
        "/webhooks/xendit",
        changed,
        "not_issued",
        headers=XENDIT_HEADERS,
        listed_to=ADMIN,
    )
    assert (await shop.get(invoice["id"]))["amount_paid"] == invoice["total"]


async def test_genuine_notification_redelivered_applies_once(client, shop):
    """The genuine notification itself, sent again, is a duplicate: applied once."""
    invoice, genuine = await paid_xendit_invoice(shop)
    before = await money_rows(shop, invoice["id"])
    answer = await post_webhook(client, "/webhooks/xendit", genuine, XENDIT_HEADERS)
    assert answer["status"] == "duplicate"
    assert await money_rows(shop, invoice["id"]) == before


async def test_xendit_forged_refund_is_rejected_and_a_genuine_one_applies(client, shop):
    invoice, genuine = await paid_xendit_invoice(shop)
    forged = {
        "event": "refund.succeeded",
        "business_id": "5f0c3a2e9d1b4c0017a1b2c3",
        "created": genuine["updated"],
        "data": {
            "id": f"rfd-{uuid.uuid4()}",
            "invoice_id": genuine["id"],
            "currency": genuine["currency"],
            "amount": genuine["paid_amount"],
            "status": "SUCCEEDED",
            "reason": "OTHERS",
            "created": genuine["updated"],
            "updated": genuine["updated"],
        },
    }
    await probe(
        client,
        shop,
        invoice["id"],
        "/webhooks/xendit",
        forged,
        "unknown_refund",
        headers=XENDIT_HEADERS,
    )
    refund = await shop.sandbox(
        "POST", f"/_sandbox/payments/{genuine['id']}/refund", json={"amount": "1000"}
    )
    assert refund.status_code == 200, refund.text
    done = await shop.wait_refunded(invoice["id"], "1000")
    assert done["amount_paid"] == invoice["total"]


@pytest.mark.slow
async def test_gateway_unreachable_while_confirming_is_retried_not_rejected(client, shop, settings):
    """The gateway's read API failing is an outage, not a verdict: the event is retried (the
    first retry at T+1 min) and not rejected; once the gateway answers, it applies."""
    from sqlalchemy import select

    from db.engine import create_engine, create_session_factory
    from db.models import WebhookEvent

    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    reference = link["gateway_reference"]
    faults = await shop.sandbox(
        "POST",
        "/_sandbox/faults",
        json={"status": {"status": 503, "times": 20, "gateway": "xendit"}},
    )
    assert faults.status_code == 200, faults.text
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)

    async def event_row() -> WebhookEvent | None:
        async with sessions() as session:
            return (
                await session.execute(
                    select(WebhookEvent).where(
                        WebhookEvent.gateway == "xendit",
                        WebhookEvent.event_id == f"{reference}:PAID",
                    )
                )
            ).scalar_one_or_none()

    try:
        await shop.sandbox_pay(reference)
        row = await eventually(event_row, lambda r: r is not None and r.status == "retrying")
        assert row.rejection_reason is None
        assert "could not confirm" in (row.last_error or "")
        assert (await shop.get(invoice["id"]))["amount_paid"] == "0"
        await shop.sandbox("DELETE", "/_sandbox/faults")
        paid = await shop.wait_status(invoice["id"], "fully_paid", timeout=120)
        assert paid["amount_paid"] == invoice["total"]
    finally:
        await shop.sandbox("DELETE", "/_sandbox/faults")
        await engine.dispose()
