"""Shared by the hardening attacks (issue 12): what a tenant's state is, so an attack can
assert that nothing changed, and a second api served over real HTTP with settings of its own.

Not a conftest: import what you need.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from config import Settings
from db.engine import create_engine, create_session_factory
from db.models import (
    ApiKeyAuditLog,
    IdempotencyKey,
    InstallmentSchedule,
    Invoice,
    LineItem,
    PaymentDiscrepancy,
    PaymentTransaction,
    Refund,
    WebhookEvent,
)
from tests.invoices.helpers import Merchant

TENANT_TABLES = (
    Invoice,
    LineItem,
    InstallmentSchedule,
    PaymentTransaction,
    Refund,
    PaymentDiscrepancy,
)


async def tenant_state(database_url: str, tenant_id: str) -> dict[str, Any]:
    """Every row a tenant owns that an attack could change: counts per table, the invoices'
    money columns and statuses, and the idempotency keys stored for it."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            state: dict[str, Any] = {}
            for model in TENANT_TABLES:
                state[model.__tablename__] = (
                    await session.execute(
                        select(func.count()).select_from(model).where(model.tenant_id == tenant_id)
                    )
                ).scalar_one()
            rows = (
                await session.execute(
                    select(
                        Invoice.id,
                        Invoice.status,
                        Invoice.total,
                        Invoice.amount_paid,
                        Invoice.amount_refunded,
                        Invoice.expires_at,
                        Invoice.metadata_,
                    )
                    .where(Invoice.tenant_id == tenant_id)
                    .order_by(Invoice.id)
                )
            ).all()
            state["invoices"] = [tuple(row) for row in rows]
            state["idempotency_keys"] = (
                await session.execute(
                    select(func.count())
                    .select_from(IdempotencyKey)
                    .where(IdempotencyKey.scope == f"tenant:{tenant_id}")
                )
            ).scalar_one()
            return state
    finally:
        await engine.dispose()


async def scalar(database_url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql), params)).scalar()
    finally:
        await engine.dispose()


async def early_in_a_window(margin: float = 30.0) -> None:
    """Start with at least `margin` seconds of the one-minute window left (rate limits and
    failure budgets count per fixed minute), so it cannot roll over mid-test on a slow box."""
    remaining = 60 - time.time() % 60
    if remaining < margin:
        await asyncio.sleep(remaining + 0.5)


async def count_rows(database_url: str, model: Any, *conditions: Any) -> int:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            query = select(func.count()).select_from(model).where(*conditions)
            return int((await session.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def webhook_event_count(database_url: str, gateway: str) -> int:
    return await count_rows(database_url, WebhookEvent, WebhookEvent.gateway == gateway)


async def auth_failures(database_url: str, api_key_id: int) -> int:
    return await count_rows(
        database_url,
        ApiKeyAuditLog,
        ApiKeyAuditLog.api_key_id == api_key_id,
        ApiKeyAuditLog.operation_type == "auth_failed",
    )


@asynccontextmanager
async def served_api(settings: Settings) -> AsyncIterator[tuple[Any, str]]:
    """A second api (its own settings) on a free port over real HTTP: (app, base_url). It
    shares the session's database and Temporal; the session's worker is not on its queue, so
    use it for what the api answers by itself."""
    import uvicorn

    from api.app import create_app
    from devstack import free_port

    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="off",
            proxy_headers=False,
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        await app.state.services.engine.dispose()


async def flood(
    settings: Settings, count: int, send: Callable[[httpx.AsyncClient, int], Awaitable[Any]]
) -> list[int]:
    """`count` requests made by `send(http, n)` to a fresh api early in a rate window: their
    statuses, which must never include a 5xx."""
    await early_in_a_window()
    async with served_api(settings) as (_, base_url), httpx.AsyncClient(base_url=base_url) as http:
        statuses = [(await send(http, n)).status_code for n in range(count)]
    assert not [status for status in statuses if status >= 500], statuses
    return statuses


async def new_merchant(
    client: Any, admin_headers: dict[str, str], tenant_id: str
) -> dict[str, Any]:
    response = await client.post(
        "/api-keys", json={"tenant_id": tenant_id, "name": "attack"}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {"tenant_id": tenant_id, "key": body["key"], "id": body["id"]}


def assert_client_error(response: Any, *statuses: int) -> None:
    """A 4xx in the error envelope (never a 5xx), one of `statuses` if given."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "request_id"}, body
    assert body["error"]["code"] and body["error"]["message"], body


class Shop(Merchant):
    """A `Merchant` that knows its tenant id (to read its state back)."""

    def __init__(self, client: Any, merchant: dict[str, Any], sandbox_url: str) -> None:
        super().__init__(client, merchant["headers"], sandbox_url)
        self.tenant_id: str = merchant["tenant_id"]


@pytest.fixture
async def shop(client: Any, merchant: dict[str, Any], sandbox: Any) -> Shop:
    """A fresh tenant driving invoices through the api and paying through the sandbox (import
    this fixture into a test module that needs it)."""
    return Shop(client, merchant, sandbox.url)
