"""Shared by tests/security/test_webhook_trust.py and test_gateway_accounts.py: a tenant
driving invoices through the api, what it can see of an invoice's money, and notifications
as an attacker would send them (real HTTP to the api, the sandbox as the gateway)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from tests.conftest import TEST_ADMIN_KEY
from tests.invoices.helpers import Merchant, eventually

ADMIN = {"X-Admin-Key": TEST_ADMIN_KEY}


@pytest.fixture
async def shop(client: httpx.AsyncClient, merchant: dict[str, Any], sandbox: Any) -> Merchant:
    return Merchant(client, merchant["headers"], sandbox.url)


async def new_tenant(client: httpx.AsyncClient, sandbox_url: str, tenant_id: str) -> Merchant:
    response = await client.post(
        "/api-keys", json={"tenant_id": tenant_id, "name": "security"}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return Merchant(client, {"X-API-Key": response.json()["key"]}, sandbox_url)


async def money_rows(shop: Merchant, invoice_id: int) -> dict[str, Any]:
    """Everything money-related the tenant can see of an invoice (for 'unchanged' checks)."""
    invoice = await shop.get(invoice_id)
    return {
        "invoice": {
            key: invoice[key]
            for key in ("status", "amount_paid", "amount_refunded", "overpayment_amount")
            if key in invoice
        },
        "transactions": (await shop.sub(invoice_id, "transactions"))["data"],
        "refunds": (await shop.sub(invoice_id, "refunds"))["data"],
    }


async def sandbox_payment(shop: Merchant, reference: str) -> dict[str, Any]:
    response = await shop.sandbox("GET", f"/_sandbox/payments/{reference}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def delivered(shop: Merchant, reference: str, event: str) -> tuple[dict[str, Any], dict]:
    """The body and headers of the sandbox's (the gateway's) genuine notification."""
    log = await shop.sandbox("GET", "/_sandbox/webhooks", params={"reference": reference})
    entries = [d for d in log.json()["data"] if d["event"] == event]
    assert entries, log.json()
    return json.loads(entries[-1]["payload"]), entries[-1]["headers"]


async def post_webhook(
    api: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await api.post(
        path,
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json", **(headers or {})},
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def rejected_entry(
    client: httpx.AsyncClient, event_id: str, headers: dict[str, str] = ADMIN
) -> dict[str, Any]:
    """The event's line in GET /webhooks/failed once the worker has refused it."""
    found = await eventually(
        lambda: client.get("/webhooks/failed", params={"page_size": 200}, headers=headers),
        lambda r: any(e["event_id"] == event_id for e in r.json()["data"]),
        timeout=30,
    )
    entry: dict[str, Any] = next(e for e in found.json()["data"] if e["event_id"] == event_id)
    return entry


def rejected_count(gateway: str, reason: str) -> float:
    value = REGISTRY.get_sample_value(
        "paytrust_webhooks_rejected_total", {"gateway": gateway, "reason": reason}
    )
    return value or 0.0
