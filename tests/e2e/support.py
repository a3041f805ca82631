"""Driving an e2e stack: a merchant over HTTP (api and sandbox control API), the stack's own
database read directly, the `temporal` CLI, and polling with deadlines (never a fixed sleep)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from db.urls import database_name, server_url, sync_url
from devstack import Ports, Stack, temporal_binary

T = TypeVar("T")

# 2 × 50000 at 11% VAT through xendit (IDR fee 2.9% + 2000), computed here, not by the app.
SUBTOTAL = Decimal(2) * Decimal(50000)
TAX = SUBTOTAL * Decimal("0.11")
XENDIT_FEE = SUBTOTAL * Decimal("0.029") + Decimal(2000)
XENDIT_TOTAL = SUBTOTAL + TAX + XENDIT_FEE


def idr(amount: Decimal) -> str:
    """An IDR amount as the API writes it (scale 0)."""
    return f"{amount.quantize(Decimal(1)):f}"


def eventually(
    probe: Callable[[], T],
    accept: Callable[[T], bool],
    *,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Poll `probe` until `accept(result)`; fail with the last result after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = probe()
            if accept(last):
                return last
        except (httpx.TransportError, OSError) as exc:
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not met after {timeout}s; last: {last!r}")
        time.sleep(interval)


def invoice_body(external_id: str | None = None, gateway_id: int = 1) -> dict[str, Any]:
    """The test invoice: 2 × 50000 IDR at 11% VAT."""
    return {
        "external_id": external_id or f"e2e-{uuid.uuid4().hex[:16]}",
        "currency": "IDR",
        "gateway_id": gateway_id,
        "description": "e2e order",
        "customer": {"name": "Ani", "email": "ani@example.com"},
        "line_items": [
            {
                "description": "Widget",
                "quantity": 2,
                "unit_price": "50000",
                "tax_rate": "0.11",
                "tax_category": "VAT",
            }
        ],
    }


class Merchant:
    """One tenant's key on a running stack, driven over HTTP only."""

    def __init__(self, stack: Stack, tenant_id: str, key: str) -> None:
        self.stack = stack
        self.tenant_id = tenant_id
        self.key = key
        self.headers = {"X-API-Key": key}

    @classmethod
    def new(cls, stack: Stack) -> Merchant:
        tenant_id = f"e2e-{uuid.uuid4().hex[:12]}"
        return cls(stack, tenant_id, stack.create_merchant_key(tenant_id, "e2e"))

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.stack.api_url, headers=self.headers, timeout=60)

    def create(self, **kwargs: Any) -> dict[str, Any]:
        with self.http() as http:
            response = http.post("/invoices", json=invoice_body(**kwargs))
        assert response.status_code == 201, response.text
        return response.json()

    def get(self, invoice_id: int) -> dict[str, Any]:
        with self.http() as http:
            response = http.get(f"/invoices/{invoice_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def transactions(self, invoice_id: int) -> list[dict[str, Any]]:
        with self.http() as http:
            response = http.get(f"/invoices/{invoice_id}/transactions")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def pay_link(self, invoice_id: int) -> dict[str, Any]:
        with self.http() as http:
            response = http.post(f"/invoices/{invoice_id}/payments", json={})
        assert response.status_code == 201, response.text
        return response.json()

    def sandbox_pay(self, reference: str, deliveries: int = 1) -> dict[str, Any]:
        response = httpx.post(
            f"{self.stack.sandbox_url}/_sandbox/payments/{reference}/pay",
            json={"deliveries": deliveries},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def sandbox_webhooks(self, reference: str) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.stack.sandbox_url}/_sandbox/webhooks", params={"reference": reference}
        )
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def wait_status(self, invoice_id: int, status: str, timeout: float = 30) -> dict[str, Any]:
        return eventually(
            lambda: self.get(invoice_id),
            lambda inv: inv["status"] == status,
            timeout=timeout,
            interval=0.2,
            what=f"invoice {invoice_id} {status}",
        )


class Database:
    """The stack's own MariaDB database, read directly (PyMySQL, autocommit reads)."""

    def __init__(self, database_url: str) -> None:
        self.engine: Engine = create_engine(
            sync_url(database_url), isolation_level="AUTOCOMMIT", pool_pre_ping=True
        )

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def wait_row(self, sql: str, timeout: float = 30, **params: Any) -> Any:
        """Poll tightly (5 ms) until `sql` returns a value: the moment a commit is visible."""
        deadline = time.monotonic() + timeout
        with self.engine.connect() as conn:
            while True:
                value = conn.execute(text(sql), params).scalar()
                if value is not None:
                    return value
                if time.monotonic() >= deadline:
                    raise AssertionError(f"no row for {sql} {params} after {timeout}s")
                time.sleep(0.005)

    def close(self) -> None:
        self.engine.dispose()


def kill(stack: Stack, name: str) -> int:
    """SIGKILL one process of the stack by its PID (never by name); returns the PID."""
    proc = stack.processes[name]
    pid = proc.pid
    os.kill(pid, signal.SIGKILL)
    proc.wait(10)
    return pid


def workflow_exists(stack: Stack, workflow_id: str) -> subprocess.CompletedProcess[str]:
    """`temporal workflow describe` against the stack's Temporal (exit 0 when it exists)."""
    return subprocess.run(
        [
            temporal_binary(),
            "workflow",
            "describe",
            "--address",
            stack.temporal_target,
            "--namespace",
            "default",
            "-w",
            workflow_id,
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def log_tail(stack: Stack, name: str, lines: int = 40) -> str:
    """The end of one process's log, for failure messages."""
    if stack.log_dir is None:
        return ""
    path = Path(stack.log_dir) / f"{name}.log"
    if not path.exists():
        return f"({path} missing)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


IDEMPOTENCY_LEASE_SECONDS = 3

# Valid per FR-084: 32+ printable characters, letters, digits and symbols, no spaces.
E2E_ADMIN_KEY = "e2e-admin-key-0123456789-ABCDEFGHIJKL-!#$%"
_BASE_URL = os.environ.get("TEST_DATABASE_URL", "mysql+asyncmy://root@127.0.0.1:3306/paytrust_test")


def e2e_database_url(name: str) -> str:
    """`E2E_DATABASE_URL`, else the test server with database `name`."""
    if name == "paytrust_e2e" and os.environ.get("E2E_DATABASE_URL"):
        return os.environ["E2E_DATABASE_URL"]
    return make_url(_BASE_URL).set(database=name).render_as_string(hide_password=False)


def fresh_database(url: str) -> None:
    """DROP and CREATE the database (migrations run when the stack starts)."""
    name = database_name(url)
    engine = create_engine(server_url(url))
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    engine.dispose()


def start_stack(base: Path, database: str) -> Stack:
    """A whole stack on free ports; stopped (and its logs shown) if it fails to start."""
    url = e2e_database_url(database)
    fresh_database(url)
    stack = Stack(
        ports=Ports.free(),
        data_dir=base / "data",
        database_url=url,
        admin_api_key=E2E_ADMIN_KEY,
        log_dir=base / "logs",
        extra_env={
            "SANDBOX_RETRY_TIME_SCALE": "0.001",
            "PAYTRUST_DATA_DIR": str(base / "data"),
            "LOG_JSON": "false",
            # A crashed request's Idempotency-Key is taken over after this (90 s in production).
            "IDEMPOTENCY_LEASE_SECONDS": str(IDEMPOTENCY_LEASE_SECONDS),
            # Merchant webhooks to the sandbox's receivers (127.0.0.1), retries compressed.
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "WEBHOOK_DELIVERY_SCALE": "0.001",
        },
    )
    try:
        stack.start()
    except BaseException:
        stack.stop()
        for name in ("temporal", "worker", "api", "sandbox"):
            print(f"--- {name}.log ---\n{log_tail(stack, name)}", file=sys.stderr)
        raise
    return stack
