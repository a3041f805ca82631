"""Over-long gateway ids in genuine (correctly signed) notifications (issue 12): a Midtrans
`transaction_id` of 1,001 characters was a 500 (workflow id too long), one of 300 was accepted
and then retried forever on a truncation error; a Xendit id of 10,000 characters was a 500.
Each is now a 400 before any workflow starts, and no event or payment is recorded."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from db.engine import create_engine, create_session_factory
from db.models import PaymentTransaction, WebhookEvent
from tests.gateways.support import MIDTRANS_KEY, XENDIT_TOKEN
from tests.invoices.helpers import midtrans_notification, xendit_callback
from tests.security.hardening_support import assert_client_error, shop

__all__ = ["shop"]  # the fixture, used by name


async def events_and_payments(database_url: str) -> tuple[list[tuple[str, str]], int]:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            events = (
                await session.execute(select(WebhookEvent.event_type, WebhookEvent.status))
            ).all()
            payments = len((await session.execute(select(PaymentTransaction.id))).all())
            return [(str(row[0]), str(row[1])) for row in events], payments
    finally:
        await engine.dispose()


def accepted(events: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Events that went on to processing (a refused body is kept as `malformed`)."""
    return [row for row in events if row[0] not in ("malformed", "unverified")]


@pytest.mark.parametrize("length", [101, 300, 1001, 10_000])
async def test_midtrans_overlong_transaction_id_is_400(client, shop, database_url, length):
    invoice = await shop.create(gateway_id=2)
    link = await shop.pay_link(invoice["id"])
    before = await events_and_payments(database_url)
    body = midtrans_notification(
        order_id=link["gateway_reference"],
        transaction_id="t" * length,
        gross_amount=f"{invoice['total']}.00",
        server_key=MIDTRANS_KEY,
    )
    response = await client.post(
        "/webhooks/midtrans", content=body, headers={"content-type": "application/json"}
    )
    assert_client_error(response, 400)
    assert "transaction" in response.text or "event_id" in response.text, response.text
    after = await events_and_payments(database_url)
    assert accepted(after[0]) == accepted(before[0])
    assert after[1] == before[1]
    assert (await shop.get(invoice["id"]))["amount_paid"] == "0"


@pytest.mark.parametrize("length", [101, 10_000])
async def test_xendit_overlong_invoice_id_is_400(client, shop, database_url, length):
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    before = await events_and_payments(database_url)
    body = json.loads(
        xendit_callback(
            reference="x" * length,
            external_id=link["gateway_reference"],
            amount=invoice["total"],
            currency="IDR",
        )
    )
    response = await client.post(
        "/webhooks/xendit",
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-callback-token": XENDIT_TOKEN},
    )
    assert_client_error(response, 400)
    after = await events_and_payments(database_url)
    assert accepted(after[0]) == accepted(before[0])
    assert after[1] == before[1]
    assert (await shop.get(invoice["id"]))["amount_paid"] == "0"
