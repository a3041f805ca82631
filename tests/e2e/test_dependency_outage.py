"""Drill: Temporal goes away for real. The dev server process of a stack of its own is stopped
(stopping it would disturb the shared stack's tests), so the api's connected Temporal client
sees genuine gRPC failures. While it is down, `POST /invoices` is 503 with the error envelope
and leaves no row; once the server is started again on the same database file, creation works
and `/ready` is 200 within a deadline."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from devstack import Stack
from tests.e2e.support import (
    Database,
    Merchant,
    eventually,
    invoice_body,
    start_stack,
    workflow_exists,
)

RECOVERY_DEADLINE = 60.0


@pytest.fixture(scope="module")
def outage_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack only this drill uses (own ports, Temporal data file and database)."""
    started = start_stack(tmp_path_factory.mktemp("e2e-outage"), "paytrust_e2e_outage")
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.slow
def test_temporal_down_is_503_without_a_row_and_creation_recovers(
    outage_stack: Stack,
) -> None:
    stack = outage_stack
    merchant = Merchant.new(stack)
    db = Database(stack.database_url)
    try:
        # The api's Temporal client is connected and working before the outage.
        before = merchant.create()
        assert workflow_exists(stack, f"invoice-{before['id']}").returncode == 0

        stack.stop_process("temporal")
        assert "temporal" not in stack.processes

        external_id = f"outage-{uuid.uuid4().hex[:12]}"
        with merchant.http() as http:
            began = time.monotonic()
            response = http.post("/invoices", json=invoice_body(external_id))
            took = time.monotonic() - began
            ready = http.get("/ready")
        print(f"POST /invoices with Temporal down: {response.status_code} in {took:.1f}s")
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["error"]["code"] and body["error"]["message"], body
        assert body["request_id"] == response.headers["x-request-id"]
        assert (
            db.scalar(
                "SELECT COUNT(*) FROM invoices WHERE tenant_id = :t AND external_id = :e",
                t=merchant.tenant_id,
                e=external_id,
            )
            == 0
        )
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["temporal"] != "ok"

        stack.start_temporal()  # same port, same database file
        began = time.monotonic()
        again = eventually(
            lambda: httpx.post(
                f"{stack.api_url}/invoices",
                json=invoice_body(external_id),
                headers=merchant.headers,
                timeout=30,
            ),
            lambda r: r.status_code == 201,
            timeout=RECOVERY_DEADLINE,
            interval=0.5,
            what="invoice creation after Temporal is back",
        )
        eventually(
            lambda: httpx.get(f"{stack.api_url}/ready", timeout=10),
            lambda r: r.status_code == 200,
            timeout=RECOVERY_DEADLINE,
            interval=0.5,
            what="/ready 200",
        )
        print(f"recovered {time.monotonic() - began:.1f}s after Temporal restarted")
        created = again.json()
        assert created["external_id"] == external_id
        assert (
            db.scalar(
                "SELECT COUNT(*) FROM invoices WHERE tenant_id = :t AND external_id = :e",
                t=merchant.tenant_id,
                e=external_id,
            )
            == 1
        )
        assert workflow_exists(stack, f"invoice-{created['id']}").returncode == 0
        # The data file persisted: the invoice from before the outage is still known.
        assert workflow_exists(stack, f"invoice-{before['id']}").returncode == 0
    finally:
        db.close()
