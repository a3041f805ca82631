"""Fixtures: one sandbox subprocess and one webhook receiver per session; fresh clients per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from gateways.midtrans import MidtransGateway
from gateways.xendit import XenditGateway
from tests.gateways.support import (
    MIDTRANS_KEY,
    XENDIT_KEY,
    XENDIT_TOKEN,
    SandboxProcess,
    WebhookReceiver,
)


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sandbox(receiver: WebhookReceiver) -> Iterator[SandboxProcess]:
    process = SandboxProcess(receiver.url)
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture(autouse=True)
def _no_faults_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Faults are global to the sandbox: whatever a test injected is cleared after it."""
    yield
    if "sandbox" in request.fixturenames:
        sandbox: SandboxProcess = request.getfixturevalue("sandbox")
        httpx.delete(f"{sandbox.url}/_sandbox/faults", timeout=5).raise_for_status()


@pytest.fixture
async def control(sandbox: SandboxProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the sandbox's /_sandbox control API."""
    async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as client:
        yield client


@pytest.fixture
async def xendit(sandbox: SandboxProcess) -> AsyncIterator[XenditGateway]:
    client = XenditGateway(
        base_url=sandbox.url, secret_key=XENDIT_KEY, callback_token=XENDIT_TOKEN, timeout_seconds=5
    )
    yield client
    await client.aclose()


@pytest.fixture
async def midtrans(sandbox: SandboxProcess) -> AsyncIterator[MidtransGateway]:
    client = MidtransGateway(
        snap_base_url=sandbox.url,
        api_base_url=sandbox.url,
        server_key=MIDTRANS_KEY,
        timeout_seconds=5,
    )
    yield client
    await client.aclose()
