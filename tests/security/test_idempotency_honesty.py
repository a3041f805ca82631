"""Idempotency keeps only answers that decide the request (issue 12): a 429 stored under its
Idempotency-Key used to replay forever (48 h) and the invoice was never created; and stored
replays bypassed the rate limit. Real api over HTTP, real MariaDB and Temporal."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from api.middleware import decides_request
from tests.invoices.helpers import invoice_body
from tests.security.hardening_support import (
    assert_client_error,
    early_in_a_window,
    new_merchant,
    scalar,
    served_api,
    tenant_state,
)

LIMIT = 3


def window_ends(app: object) -> None:
    """The one-minute window resets (the in-process limiter's counters start again)."""
    app.state.services.limiter._counts.clear()  # type: ignore[attr-defined]


@asynccontextmanager
async def limited_api(
    settings: Any, client: Any, admin_headers: dict[str, str]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient, dict[str, str], str]]:
    """An api allowing LIMIT requests a minute, early in a window, and a fresh tenant on it:
    (app, http client, the tenant's headers, its tenant id)."""
    merchant = await new_merchant(client, admin_headers, f"t-{uuid.uuid4().hex[:12]}")
    limited = settings.model_copy(update={"rate_limit_per_minute": LIMIT})
    await early_in_a_window()
    async with (
        served_api(limited) as (app, base_url),
        httpx.AsyncClient(base_url=base_url, timeout=30) as http,
    ):
        yield app, http, {"X-API-Key": merchant["key"]}, merchant["tenant_id"]


async def stored_status(database_url: str, key: str) -> object:
    return await scalar(
        database_url,
        "SELECT response_status FROM idempotency_keys WHERE idempotency_key = :key",
        key=key,
    )


async def test_a_429_is_not_stored_and_the_key_works_after_the_window(
    settings, client, admin_headers, database_url
):
    key = f"idem-{uuid.uuid4().hex}"
    body = invoice_body()
    async with limited_api(settings, client, admin_headers) as (app, http, headers, tenant):
        for _ in range(LIMIT):
            assert (await http.get("/invoices", headers=headers)).status_code == 200
        before = await tenant_state(database_url, tenant)
        refused = await http.post(
            "/invoices", json=body, headers={**headers, "Idempotency-Key": key}
        )
        assert_client_error(refused, 429)
        assert await stored_status(database_url, key) is None
        assert await tenant_state(database_url, tenant) == before
        window_ends(app)
        created = await http.post(
            "/invoices", json=body, headers={**headers, "Idempotency-Key": key}
        )
    assert created.status_code == 201, created.text
    assert "idempotent-replayed" not in created.headers
    assert await stored_status(database_url, key) == 201


async def test_a_replay_is_rate_limited_like_any_request(
    settings, client, admin_headers, database_url
):
    key = f"idem-{uuid.uuid4().hex}"
    body = invoice_body()
    async with limited_api(settings, client, admin_headers) as (app, http, headers, tenant):
        first = await http.post("/invoices", json=body, headers={**headers, "Idempotency-Key": key})
        assert first.status_code == 201, first.text
        for _ in range(LIMIT - 1):
            assert (await http.get("/invoices", headers=headers)).status_code == 200
        replay = await http.post(
            "/invoices", json=body, headers={**headers, "Idempotency-Key": key}
        )
        assert_client_error(replay, 429)
        assert "retry-after" in replay.headers
        window_ends(app)
        again = await http.post("/invoices", json=body, headers={**headers, "Idempotency-Key": key})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    # One invoice, created once.
    invoices = (await tenant_state(database_url, tenant))["invoices"]
    assert [row[0] for row in invoices] == [first.json()["id"]]


@pytest.mark.parametrize(
    ("status", "stored"),
    [
        (200, True),
        (201, True),
        (400, True),
        (404, True),
        (409, True),
        (422, True),
        (401, False),
        (408, False),
        (429, False),
        (500, False),
        (503, False),
    ],
)
def test_which_answers_decide_a_request(status, stored):
    assert decides_request(status) is stored
