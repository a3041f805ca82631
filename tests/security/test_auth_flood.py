"""Failed-authentication floods (issue 12): a valid key prefix with wrong secrets must not buy
an argon2 verification (~290 ms, 64 MiB) and an audit row per request. After
AUTH_FAILURES_PER_MINUTE failures the prefix and the address are answered 429 without hashing;
auth_failed rows are capped per key per minute; a verified key keeps working."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable

import httpx

from db.models import ApiKeyAuditLog
from observability.metrics import API_KEY_VERIFICATIONS
from tests.security.hardening_support import (
    assert_client_error,
    auth_failures,
    count_rows,
    early_in_a_window,
    flood,
    new_merchant,
    served_api,
    tenant_state,
)


def verifications() -> float:
    return sum(API_KEY_VERIFICATIONS.labels(outcome)._value.get() for outcome in ("ok", "mismatch"))


def wrong_secret(key: str) -> str:
    """The same `pt_<prefix>_` with another secret: finds the key's row, fails argon2."""
    pt, prefix, _ = key.split("_", 2)
    return f"{pt}_{prefix}_{secrets.token_urlsafe(32)}"


async def test_wrong_secrets_for_a_prefix_are_throttled_before_hashing(
    settings, client, admin_headers, database_url
):
    merchant = await new_merchant(client, admin_headers, f"t-{uuid.uuid4().hex[:12]}")
    limit = settings.auth_failures_per_minute
    before = await tenant_state(database_url, merchant["tenant_id"])
    await early_in_a_window()
    async with served_api(settings) as (_, base_url), httpx.AsyncClient(base_url=base_url) as http:
        # The merchant's own key, verified before the attack, stays cached and usable.
        assert (
            await http.get("/invoices", headers={"X-API-Key": merchant["key"]})
        ).status_code == 200
        hashed_before = verifications()
        statuses = []
        for _ in range(limit + 15):
            response = await http.get(
                "/invoices", headers={"X-API-Key": wrong_secret(merchant["key"])}
            )
            statuses.append(response.status_code)
        hashed = verifications() - hashed_before
        throttled = await http.get(
            "/invoices", headers={"X-API-Key": wrong_secret(merchant["key"])}
        )
        still_ok = await http.get("/invoices", headers={"X-API-Key": merchant["key"]})
    assert statuses[:limit] == [401] * limit, statuses
    assert set(statuses[limit:]) == {429}, statuses
    assert_client_error(throttled, 429)
    assert int(throttled.headers["retry-after"]) >= 1
    # One argon2 verification per failure up to the limit, none after it.
    assert hashed == limit, hashed
    assert await auth_failures(database_url, merchant["id"]) <= limit
    assert still_ok.status_code == 200, still_ok.text
    assert await tenant_state(database_url, merchant["tenant_id"]) == before


async def unknown_key_failures(database_url: str) -> int:
    return await count_rows(
        database_url,
        ApiKeyAuditLog,
        ApiKeyAuditLog.api_key_id.is_(None),
        ApiKeyAuditLog.operation_type == "auth_failed",
    )


async def test_unknown_keys_from_one_address_are_throttled(settings, database_url):
    audited_before = await unknown_key_failures(database_url)

    def unknown_key(http: httpx.AsyncClient, _: int) -> Awaitable[httpx.Response]:
        key = f"pt_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
        return http.get("/invoices", headers={"X-API-Key": key})

    statuses = await flood(settings, settings.auth_failures_per_minute + 5, unknown_key)
    assert (
        statuses[: settings.auth_failures_per_minute] == [401] * settings.auth_failures_per_minute
    )
    assert statuses[-1] == 429, statuses
    # No hashing (no such prefix), and the audit rows for them are capped too.
    assert await unknown_key_failures(database_url) - audited_before <= (
        settings.auth_failures_per_minute
    )


async def test_idempotent_posts_with_wrong_keys_are_throttled_too(settings, client, admin_headers):
    merchant = await new_merchant(client, admin_headers, f"t-{uuid.uuid4().hex[:12]}")

    def idempotent_post(http: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        return http.post(
            "/invoices",
            json={"external_id": f"x{n}"},
            headers={"X-API-Key": wrong_secret(merchant["key"]), "Idempotency-Key": f"k-{n}"},
        )

    statuses = await flood(settings, settings.auth_failures_per_minute + 5, idempotent_post)
    assert statuses[-1] == 429, statuses
