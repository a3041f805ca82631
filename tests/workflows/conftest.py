"""Workflow tier: InvoiceWorkflow and WebhookWorkflow on Temporal's time-skipping test server,
with their activities on the real (migrated) MariaDB test database and the real gateway
sandbox. One time-skipping server per test, so each test's clock starts at the wall clock (the
activities compare MySQL timestamps with the wall clock), and a fresh task queue per test.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from config import Settings
from db.engine import SessionFactory, create_engine, create_session_factory
from devstack import SEARCH_ATTRIBUTES
from gateways import build_gateways, close_gateways
from gateways.base import PaymentGateway
from tests.conftest import make_settings
from tests.gateways.support import (
    MIDTRANS_KEY,
    XENDIT_KEY,
    XENDIT_TOKEN,
    SandboxProcess,
    free_port,
)
from tests.support.tcp_proxy import TcpProxy
from tests.workflows.helpers import new_task_queue

ROOT = Path(__file__).resolve().parents[2]
TEST_SERVER = shutil.which("temporal-test-server") or str(ROOT / ".venv/bin/temporal-test-server")


async def register_search_attributes(client: Client) -> None:
    """The time-skipping server rejects an upsert of an unregistered search attribute (the
    workflow task fails with BadSearchAttributes and InvoiceWorkflow never gets past its first
    task), but it implements OperatorService.AddSearchAttributes: register ours, as the dev
    server's `--search-attribute` flags do."""
    kinds = {
        "Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    }
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={name: kinds[kind] for name, kind in SEARCH_ATTRIBUTES.items()},
        )
    )


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=TEST_SERVER
    )
    try:
        await register_search_attributes(environment.client)
        yield environment
    finally:
        await environment.shutdown()


@pytest.fixture(scope="session")
def wf_sandbox() -> Iterator[SandboxProcess]:
    """The gateway sandbox as a process of its own; its webhooks go to a port nobody listens
    on (these tests hand events to the workflows themselves)."""
    process = SandboxProcess(f"http://127.0.0.1:{free_port()}")
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def wf_settings(database_url: str, wf_sandbox: SandboxProcess) -> Settings:
    return make_settings(
        database_url,
        "127.0.0.1:7233",  # unused: the workers get the time-skipping server's client
        xendit_base_url=wf_sandbox.url,
        midtrans_snap_base_url=wf_sandbox.url,
        midtrans_api_base_url=wf_sandbox.url,
        xendit_secret_key=XENDIT_KEY,
        xendit_callback_token=XENDIT_TOKEN,
        midtrans_server_key=MIDTRANS_KEY,
        gateway_timeout_seconds=5,
    )


@pytest.fixture
async def gateways(wf_settings: Settings) -> AsyncIterator[dict[str, PaymentGateway]]:
    clients = build_gateways(wf_settings)
    yield clients
    await close_gateways(clients)


@pytest.fixture
async def control(wf_sandbox: SandboxProcess) -> AsyncIterator[httpx.AsyncClient]:
    """The sandbox's /_sandbox control API; faults a test injected are cleared after it."""
    async with httpx.AsyncClient(base_url=wf_sandbox.url, timeout=10) as http:
        yield http
        await http.delete("/_sandbox/faults")


@pytest.fixture
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """Direct to MariaDB on 127.0.0.1:3306 (the workers may go through a proxy instead)."""
    engine = create_engine(database_url, pool_size=5, max_overflow=5)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(db_engine: AsyncEngine) -> SessionFactory:
    return create_session_factory(db_engine)


@pytest.fixture
def task_queue() -> str:
    return new_task_queue()


@pytest.fixture
async def mysql_proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    """A pausable proxy in front of the test database's MariaDB (see tests/support)."""
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 3306)
    await proxy.start()
    yield proxy
    await proxy.stop()


@pytest.fixture
async def proxied_sessions(
    database_url: str, mysql_proxy: TcpProxy
) -> AsyncIterator[SessionFactory]:
    """The worker's engine: same database, reached through the proxy."""
    url = make_url(database_url).set(port=mysql_proxy.port)
    engine = create_engine(url.render_as_string(hide_password=False), pool_size=2, max_overflow=2)
    yield create_session_factory(engine)
    await engine.dispose()
