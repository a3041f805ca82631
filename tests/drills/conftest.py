"""Failure drills (issue 7.5): each drill starts a whole stack of its own (Temporal dev server,
sandbox, worker, api on free ports, its own `paytrust_drill_*` database), breaks it the honest
way (SIGKILL by PID, a TCP proxy that refuses, the Temporal process stopped) and checks the
money afterwards through the public API against the sandbox's own record.

Every process a drill started is stopped in the fixture's finalizer, even when the drill fails
(and the end of each log is printed then, to see why)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from devstack import Ports, Stack
from tests.e2e.support import (
    E2E_ADMIN_KEY,
    IDEMPOTENCY_LEASE_SECONDS,
    e2e_database_url,
    fresh_database,
    log_tail,
)
from tests.support.threaded_proxy import ThreadedTcpProxy

PROCESS_NAMES = ("temporal", "worker", "api", "sandbox")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"drill_rep_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    return any(
        getattr(getattr(request.node, f"drill_rep_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


def mariadb_address(url: str) -> tuple[str, int]:
    parsed = make_url(url)
    return parsed.host or "127.0.0.1", int(parsed.port or 3306)


def with_port(url: str, port: int, host: str = "127.0.0.1") -> str:
    """The same database URL, reached at host:port (the proxy)."""
    return make_url(url).set(host=host, port=port).render_as_string(hide_password=False)


StackFactory = Callable[..., Stack]


@pytest.fixture
def drill_stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[StackFactory]:
    """`drill_stack("paytrust_drill_x", process_database_url=..., **env)` starts a stack.

    The database is dropped, created and migrated directly; `process_database_url` (e.g. the
    proxy's address) is what the api and worker are given instead, when set."""
    stacks: list[Stack] = []

    def start(database: str, *, process_database_url: str | None = None, **env: str) -> Stack:
        assert database.startswith("paytrust_drill_"), database
        base = tmp_path / database
        url = e2e_database_url(database)
        fresh_database(url)
        extra_env = {
            # The gateways' webhook retries (15 min... / 2 min...) compressed 1000×.
            "SANDBOX_RETRY_TIME_SCALE": "0.001",
            "PAYTRUST_DATA_DIR": str(base / "data"),
            "LOG_JSON": "false",
            "IDEMPOTENCY_LEASE_SECONDS": str(IDEMPOTENCY_LEASE_SECONDS),
            "RATE_LIMIT_PER_MINUTE": "100000",
            **env,
        }
        if process_database_url is not None:
            extra_env["DATABASE_URL"] = process_database_url
        stack = Stack(
            ports=Ports.free(),
            data_dir=base / "data",
            database_url=url,
            admin_api_key=E2E_ADMIN_KEY,
            log_dir=base / "logs",
            extra_env=extra_env,
        )
        stacks.append(stack)
        stack.start()  # migrations use stack.database_url: direct, never through a proxy
        return stack

    try:
        yield start
    finally:
        failed = _failed(request)
        for stack in stacks:
            if failed:
                for name in PROCESS_NAMES:
                    print(f"--- {name}.log ---\n{log_tail(stack, name, 60)}", file=sys.stderr)
            stack.stop()


@pytest.fixture
def db_proxy() -> Iterator[ThreadedTcpProxy]:
    """A pausable proxy in front of the test MariaDB, forwarding from a thread of its own."""
    host, port = mariadb_address(e2e_database_url("paytrust_drill_probe"))
    proxy = ThreadedTcpProxy(host, port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
