"""An answer stored under an Idempotency-Key is encrypted at rest: some carry a secret shown only
once (a new API key, a webhook endpoint's signing secret), most carry the customer's details.
The replay still returns it exactly. Real api, real MariaDB."""

from __future__ import annotations

import uuid
from typing import Any

from api.middleware import SEALED_PREFIX
from tests.security.hardening_support import scalar

STORED = "SELECT response_body FROM idempotency_keys WHERE idempotency_key = :key"


async def test_a_new_api_key_is_not_stored_in_the_clear_and_replays_the_same(
    client: Any, admin_headers: dict[str, str], database_url: str
) -> None:
    key = f"create-{uuid.uuid4().hex}"
    headers = {**admin_headers, "Idempotency-Key": key}
    body = {"tenant_id": f"t-{uuid.uuid4().hex[:12]}", "name": "backend"}
    first = await client.post("/api-keys", json=body, headers=headers)
    assert first.status_code == 201, first.text
    secret = first.json()["key"]
    stored = await scalar(database_url, STORED, key=key)
    assert stored.startswith(SEALED_PREFIX)
    assert secret not in stored and first.json()["tenant_id"] not in stored
    again = await client.post("/api-keys", json=body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


async def test_a_webhook_endpoint_secret_is_not_stored_in_the_clear(
    client: Any, merchant: dict[str, Any], database_url: str, sandbox: Any
) -> None:
    key = f"endpoint-{uuid.uuid4().hex}"
    headers = {**merchant["headers"], "Idempotency-Key": key}
    body = {"url": f"{sandbox.url}/_sandbox/receivers/sealed-{uuid.uuid4().hex[:8]}"}
    first = await client.post("/webhook-endpoints", json=body, headers=headers)
    assert first.status_code == 201, first.text
    stored = await scalar(database_url, STORED, key=key)
    assert stored.startswith(SEALED_PREFIX) and first.json()["secret"] not in stored
    again = await client.post("/webhook-endpoints", json=body, headers=headers)
    assert again.status_code == 201 and again.json() == first.json()
    listed = await client.get("/webhook-endpoints", headers=merchant["headers"])
    assert [e["id"] for e in listed.json()["data"]].count(first.json()["id"]) == 1
