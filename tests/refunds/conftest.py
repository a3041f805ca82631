"""Refund tests: the api over real HTTP (its port, the one the sandbox's webhooks reach), the
worker in this process, real MariaDB and Temporal, and the gateway sandbox as the gateways."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.refunds.support import RefundShop


@pytest.fixture
async def http(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_url, timeout=60) as client:
        yield client


@pytest.fixture
async def control(sandbox: object) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox's control API; the faults a test injected are cleared after it."""
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=30) as client:  # type: ignore[attr-defined]
        yield client
        await client.delete("/_sandbox/faults")


@pytest.fixture
async def shop(http: httpx.AsyncClient, merchant: dict[str, object], sandbox: object) -> RefundShop:
    return RefundShop(http, merchant["headers"], sandbox.url)  # type: ignore[arg-type, attr-defined]
