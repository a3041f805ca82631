"""Issue 11: per-merchant gateway accounts. Two tenants on two sandbox accounts: neither's
keys can change the other's invoices; credentials are checked with the gateway, encrypted at
rest, masked and never logged; rotating them keeps in-flight links settling; deleting an
account hands new payments back to the platform account while its links still settle."""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from db.engine import create_engine, create_session_factory
from db.models import GatewayAccount
from gateways.credentials import CredentialCipher, CredentialsError
from tests.gateways.support import XENDIT_TOKEN
from tests.invoices.helpers import Merchant, midtrans_notification
from tests.security.trust_support import (
    delivered,
    money_rows,
    new_tenant,
    post_webhook,
    rejected_entry,
    sandbox_payment,
    shop,
)

__all__ = ["shop"]  # the fixture


async def sandbox_account(shop: Merchant, gateway: str) -> dict[str, Any]:
    response = await shop.sandbox("POST", "/_sandbox/accounts", json={"gateway": gateway})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def credentials_of(account: dict[str, Any]) -> dict[str, str]:
    if account["gateway"] == "xendit":
        return {"secret_key": account["secret_key"], "callback_token": account["callback_token"]}
    return {"server_key": account["server_key"], "client_key": account["client_key"]}


async def connect(
    shop: Merchant, api_url: str, gateway: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A sandbox merchant account, connected to the tenant with POST /gateway-accounts, its
    notifications pointed at the webhook_url PayTrust answered with."""
    at_gateway = await sandbox_account(shop, gateway)
    response = await shop.client.post(
        "/gateway-accounts",
        json={"gateway": gateway, "credentials": credentials_of(at_gateway)},
        headers=shop.headers,
    )
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    path = urlparse(account["webhook_url"]).path
    assert path == f"/webhooks/{gateway}/{account['id']}"
    patched = await shop.sandbox(
        "PATCH", f"/_sandbox/accounts/{at_gateway['id']}", json={"webhook_url": api_url + path}
    )
    assert patched.status_code == 200, patched.text
    return at_gateway, account


@pytest.fixture
async def two_tenants(client: httpx.AsyncClient, sandbox: Any) -> tuple[Merchant, Merchant]:
    a = await new_tenant(client, sandbox.url, f"t-a-{uuid.uuid4().hex[:10]}")
    b = await new_tenant(client, sandbox.url, f"t-b-{uuid.uuid4().hex[:10]}")
    return a, b


async def test_created_account_is_masked_checked_and_encrypted(
    client, two_tenants, api_url, settings, caplog
):
    a, b = two_tenants
    caplog.set_level(logging.DEBUG)
    at_gateway, account = await connect(a, api_url, "xendit")
    secret, token = at_gateway["secret_key"], at_gateway["callback_token"]
    assert account["status"] == "active" and account["gateway"] == "xendit"
    assert account["credentials"] == {
        "secret_key": "••••" + secret[-4:],
        "callback_token": "••••" + token[-4:],
    }
    assert len(account["id"]) >= 24  # unguessable: it is in the webhook URL
    listed = await client.get("/gateway-accounts", headers=a.headers)
    fetched = await client.get(f"/gateway-accounts/{account['id']}", headers=a.headers)
    for text in (listed.text, fetched.text):
        assert secret not in text and token not in text
    assert [x["id"] for x in listed.json()["data"]] == [account["id"]]
    # Another tenant cannot see it.
    assert (
        await client.get(f"/gateway-accounts/{account['id']}", headers=b.headers)
    ).status_code == 404
    assert (await client.get("/gateway-accounts", headers=b.headers)).json()["data"] == []
    # Encrypted at rest under GATEWAY_CREDENTIALS_KEY (the development key in tests).
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            row = (
                await session.execute(
                    select(GatewayAccount).where(GatewayAccount.id == account["id"])
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert secret not in row.credentials_encrypted and token not in row.credentials_encrypted
    cipher = CredentialCipher.from_setting(None)
    assert cipher.decrypt(row.credentials_encrypted) == {
        "secret_key": secret,
        "callback_token": token,
    }
    # Never logged.
    assert secret not in caplog.text and token not in caplog.text
    # One active account per gateway and tenant.
    again = await client.post(
        "/gateway-accounts",
        json={"gateway": "xendit", "credentials": credentials_of(at_gateway)},
        headers=a.headers,
    )
    assert again.status_code == 409, again.text


async def test_wrong_credentials_are_refused_with_the_gateways_reason(client, shop):
    for gateway, credentials, reason in (
        (
            "xendit",
            {"secret_key": "xnd_development_wrong", "callback_token": "x" * 20},
            "INVALID_API_KEY",
        ),
        ("midtrans", {"server_key": "SB-Mid-server-wrong"}, "401"),
    ):
        response = await client.post(
            "/gateway-accounts",
            json={"gateway": gateway, "credentials": credentials},
            headers=shop.headers,
        )
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["code"] == "credentials_rejected" and reason in error["message"]
        assert credentials.get("secret_key", credentials.get("server_key", "")) not in response.text
    missing = await client.post(
        "/gateway-accounts",
        json={"gateway": "xendit", "credentials": {"secret_key": "xnd_development_x"}},
        headers=shop.headers,
    )
    assert missing.status_code == 400 and missing.json()["error"]["code"] == "invalid_credentials"
    assert (await client.get("/gateway-accounts", headers=shop.headers)).json()["data"] == []


async def test_xendit_tenant_a_keys_cannot_change_tenant_b_invoices(client, two_tenants, api_url):
    a, b = two_tenants
    a_gateway, a_account = await connect(a, api_url, "xendit")
    b_gateway, b_account = await connect(b, api_url, "xendit")
    invoice = await b.create()
    link = await b.pay_link(invoice["id"])
    reference = link["gateway_reference"]
    assert (await sandbox_payment(b, reference))["account_id"] == b_gateway["id"]
    # A's key cannot read B's invoice at the gateway either.
    async with httpx.AsyncClient(base_url=b.sandbox_url, auth=(a_gateway["secret_key"], "")) as gw:
        assert (await gw.get(f"/v2/invoices/{reference}")).status_code == 404
    before = await money_rows(b, invoice["id"])
    claim = {
        "id": reference,
        "external_id": (await sandbox_payment(b, reference))["merchant_reference"],
        "status": "PAID",
        "amount": int(invoice["total"]),
        "paid_amount": int(invoice["total"]),
        "currency": "IDR",
        "paid_at": "2026-12-02T07:00:00.000Z",
        "updated": "2026-12-02T07:00:00.000Z",
    }
    a_token = {"x-callback-token": a_gateway["callback_token"]}
    # On A's own URL, A's token verifies, but B's link was not issued under A's account.
    answer = await post_webhook(client, f"/webhooks/xendit/{a_account['id']}", claim, a_token)
    entry = await rejected_entry(client, answer["event_id"], a.headers)
    assert entry["rejection_reason"] == "not_issued"
    # On B's URL or the platform's, A's token does not verify.
    for path in (f"/webhooks/xendit/{b_account['id']}", "/webhooks/xendit"):
        refused = await client.post(path, json=claim, headers=a_token)
        assert refused.status_code == 401, refused.text
    # The platform token does not verify on B's account URL.
    refused = await client.post(
        f"/webhooks/xendit/{b_account['id']}",
        json=claim,
        headers={"x-callback-token": XENDIT_TOKEN},
    )
    assert refused.status_code == 401
    assert await money_rows(b, invoice["id"]) == before
    # B's genuine payment settles through B's account (notified on B's URL, confirmed with B's key).
    await b.sandbox_pay(reference)
    paid = await b.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == invoice["total"]
    _, headers = await delivered(b, reference, "PAID")
    assert headers["x-callback-token"] == b_gateway["callback_token"]


async def test_midtrans_tenant_a_server_key_cannot_change_tenant_b_invoices(
    client, two_tenants, api_url
):
    a, b = two_tenants
    a_gateway, a_account = await connect(a, api_url, "midtrans")
    b_gateway, b_account = await connect(b, api_url, "midtrans")
    invoice = await b.create(gateway_id=2)
    link = await b.pay_link(invoice["id"])
    order_id = link["gateway_reference"]
    at_gateway = await sandbox_payment(b, order_id)
    assert at_gateway["account_id"] == b_gateway["id"]
    before = await money_rows(b, invoice["id"])
    gross = f"{int(invoice['total'])}.00"
    signed_by_a = midtrans_notification(
        order_id=order_id,
        transaction_id=at_gateway["transaction_id"],
        gross_amount=gross,
        server_key=a_gateway["server_key"],
    )
    headers = {"content-type": "application/json"}
    for path in (f"/webhooks/midtrans/{b_account['id']}", "/webhooks/midtrans"):
        refused = await client.post(path, content=signed_by_a, headers=headers)
        assert refused.status_code == 401, refused.text
    accepted = await client.post(
        f"/webhooks/midtrans/{a_account['id']}", content=signed_by_a, headers=headers
    )
    assert accepted.status_code == 200
    entry = await rejected_entry(client, accepted.json()["event_id"], a.headers)
    assert entry["rejection_reason"] == "not_issued"
    assert await money_rows(b, invoice["id"]) == before
    await b.sandbox_pay(order_id)
    paid = await b.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == invoice["total"]


async def test_rotating_credentials_keeps_in_flight_links_settling(client, shop, api_url):
    at_gateway, account = await connect(shop, api_url, "xendit")
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])  # issued under the old keys
    rotated = await shop.sandbox("POST", f"/_sandbox/accounts/{at_gateway['id']}/rotate")
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["secret_key"] != at_gateway["secret_key"]
    # The old key no longer works at the gateway, so PayTrust must take the new one...
    stale = await client.put(
        f"/gateway-accounts/{account['id']}/credentials",
        json={"credentials": credentials_of(at_gateway)},
        headers=shop.headers,
    )
    assert stale.status_code == 400, stale.text
    response = await client.put(
        f"/gateway-accounts/{account['id']}/credentials",
        json={"credentials": credentials_of(new)},
        headers=shop.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["credentials"]["secret_key"] == "••••" + new["secret_key"][-4:]
    # ...and the link issued before the rotation settles: notified with the new token,
    # confirmed with the new key.
    await shop.sandbox_pay(link["gateway_reference"])
    paid = await shop.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == invoice["total"]
    # The old token is refused from now on.
    genuine, _ = await delivered(shop, link["gateway_reference"], "PAID")
    refused = await client.post(
        f"/webhooks/xendit/{account['id']}",
        json=genuine,
        headers={"x-callback-token": at_gateway["callback_token"]},
    )
    assert refused.status_code == 401


async def test_deleted_account_stops_new_links_but_its_links_still_settle(client, shop, api_url):
    at_gateway, account = await connect(shop, api_url, "xendit")
    first = await shop.create()
    old_link = await shop.pay_link(first["id"])
    assert (await sandbox_payment(shop, old_link["gateway_reference"]))["account_id"] == at_gateway[
        "id"
    ]
    deleted = await client.delete(f"/gateway-accounts/{account['id']}", headers=shop.headers)
    assert deleted.status_code == 200 and deleted.json()["status"] == "deleted"
    second = await shop.create()
    new_link = await shop.pay_link(second["id"])
    assert (await sandbox_payment(shop, new_link["gateway_reference"]))["account_id"] == (
        "platform-xendit"
    )
    await shop.sandbox_pay(old_link["gateway_reference"])
    await shop.sandbox_pay(new_link["gateway_reference"])
    assert (await shop.wait_status(first["id"], "fully_paid"))["amount_paid"] == first["total"]
    assert (await shop.wait_status(second["id"], "fully_paid"))["amount_paid"] == second["total"]


def test_credentials_key_rotation_keeps_old_records_readable() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = CredentialCipher([old]).encrypt({"secret_key": "xnd_live_abcdefgh"})
    both = CredentialCipher([new, old])  # GATEWAY_CREDENTIALS_KEY="new,old"
    assert both.decrypt(token) == {"secret_key": "xnd_live_abcdefgh"}
    rotated = both.rotate(token)
    assert CredentialCipher([new]).decrypt(rotated) == {"secret_key": "xnd_live_abcdefgh"}
    with pytest.raises(CredentialsError):
        CredentialCipher([new]).decrypt(token)
    assert hashlib.sha256(b"xnd_live_abcdefgh").hexdigest() not in token


async def test_cli_reencrypts_stored_credentials_under_a_new_key(client, shop, api_url, settings):
    """`paytrust_cli.py rotate-credentials-key` with GATEWAY_CREDENTIALS_KEY="new,old": every
    record ends up under the new key; the account keeps working. (Rotated back afterwards: the
    test app runs on the development key.)"""
    from gateways.accounts import reencrypt_credentials
    from gateways.credentials import DEV_CREDENTIALS_KEY

    at_gateway, account = await connect(shop, api_url, "xendit")
    new = Fernet.generate_key().decode()
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)

    async def stored() -> str:
        async with sessions() as session:
            row = await session.get(GatewayAccount, account["id"])
            assert row is not None
            return row.credentials_encrypted

    try:
        assert (
            await reencrypt_credentials(settings.database_url, f"{new},{DEV_CREDENTIALS_KEY}") >= 1
        )
        assert CredentialCipher([new]).decrypt(await stored()) == credentials_of(at_gateway)
        with pytest.raises(CredentialsError):
            CredentialCipher([DEV_CREDENTIALS_KEY]).decrypt(await stored())
    finally:
        await reencrypt_credentials(settings.database_url, f"{DEV_CREDENTIALS_KEY},{new}")
        await engine.dispose()
    assert CredentialCipher([DEV_CREDENTIALS_KEY]).decrypt(
        await stored_after(settings, account["id"])
    )
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    assert (await shop.wait_status(invoice["id"], "fully_paid"))["amount_paid"] == invoice["total"]


async def stored_after(settings: Any, account_id: str) -> str:
    engine = create_engine(settings.database_url)
    try:
        async with create_session_factory(engine)() as session:
            row = await session.get(GatewayAccount, account_id)
            assert row is not None
            return row.credentials_encrypted
    finally:
        await engine.dispose()
