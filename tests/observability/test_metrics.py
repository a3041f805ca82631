"""Prometheus metrics: the api's /metrics (requests, webhooks, gateway calls, transitions), the
worker's webhook processing outcomes, and a real worker process serving the Temporal SDK's
runtime metrics and its own registry on the ports its environment names."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from prometheus_client import REGISTRY

from activities.webhooks import _processing_outcome
from contracts.webhooks import RecordAttemptInput
from devstack import free_port
from tests.conftest import ROOT
from tests.gateways.support import XENDIT_TOKEN
from tests.invoices.helpers import Merchant, eventually, xendit_callback

API_METRICS = (
    "paytrust_http_requests_total",
    "paytrust_http_request_duration_seconds_bucket",
    "paytrust_webhooks_total",
    "paytrust_webhook_processing_total",
    "paytrust_gateway_calls_total",
    "paytrust_gateway_call_duration_seconds_bucket",
    "paytrust_invoice_transitions_total",
)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_webhook_outcomes_gateway_calls_and_transitions_are_counted(
    client, merchant, sandbox
):
    shop = Merchant(client, merchant["headers"], sandbox.url)
    processed = sample("paytrust_webhook_processing_total", gateway="xendit", outcome="processed")
    failed = sample("paytrust_webhook_processing_total", gateway="xendit", outcome="failed")
    accepted = sample("paytrust_webhooks_total", gateway="xendit", outcome="accepted")
    duplicate = sample("paytrust_webhooks_total", gateway="xendit", outcome="duplicate")
    calls = sample(
        "paytrust_gateway_calls_total", gateway="xendit", operation="create_payment", outcome="ok"
    )
    paid = sample(
        "paytrust_invoice_transitions_total", from_status="pending", to_status="fully_paid"
    )

    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"], deliveries=2)
    await shop.wait_status(invoice["id"], "fully_paid")
    unknown = await client.post(
        "/webhooks/xendit",
        content=xendit_callback(
            reference=f"unknown-{uuid.uuid4().hex}", external_id="x", amount="1", currency="IDR"
        ),
        headers={"x-callback-token": XENDIT_TOKEN, "content-type": "application/json"},
    )
    assert unknown.status_code == 200

    async def counted() -> tuple[float, float]:
        return (
            sample("paytrust_webhook_processing_total", gateway="xendit", outcome="processed"),
            sample("paytrust_webhook_processing_total", gateway="xendit", outcome="failed"),
        )

    await eventually(counted, lambda now: now[0] >= processed + 1 and now[1] >= failed + 1)
    assert sample("paytrust_webhooks_total", gateway="xendit", outcome="accepted") >= accepted + 2
    assert sample("paytrust_webhooks_total", gateway="xendit", outcome="duplicate") >= duplicate + 1
    assert (
        sample(
            "paytrust_gateway_calls_total",
            gateway="xendit",
            operation="create_payment",
            outcome="ok",
        )
        >= calls + 1
    )
    assert (
        sample("paytrust_invoice_transitions_total", from_status="pending", to_status="fully_paid")
        >= paid + 1
    )

    text = (await client.get("/metrics")).text
    for name in API_METRICS:
        assert f"\n{name}{{" in text, name
    assert 'route="/invoices/{invoice_id}/payments"' in text
    # Route templates, never raw paths: no invoice ids as label values.
    assert f'route="/invoices/{invoice["id"]}' not in text


def test_attempt_status_maps_to_a_processing_outcome():
    from datetime import UTC, datetime

    from contracts.webhooks import WebhookAttempt, WebhookInput

    webhook = WebhookInput.model_validate(
        {
            "gateway": "xendit",
            "event": {
                "gateway": "xendit",
                "event_id": "e1",
                "kind": "paid",
                "gateway_transaction_id": None,
                "reference": "r",
                "merchant_reference": None,
                "invoice_id": None,
                "installment_number": None,
                "amount": "1",
                "currency": "IDR",
                "occurred_at": datetime.now(UTC).isoformat(),
                "raw": {},
            },
            "payload": "{}",
            "received_at": datetime.now(UTC).isoformat(),
        }
    )

    def outcome(status: str, final: str | None) -> str:
        attempt = WebhookAttempt.model_validate(
            {
                "webhook_event_id": None,
                "gateway": "xendit",
                "event_id": "e1",
                "attempt": 1,
                "status": status,
            }
        )
        return _processing_outcome(
            RecordAttemptInput(webhook=webhook, attempt=attempt, final_status=final)
        )

    assert outcome("succeeded", "processed") == "processed"
    assert outcome("retrying", None) == "retried"
    assert outcome("failed", "permanently_failed") == "failed"


def _scrape(url: str) -> str:
    try:
        response = httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return ""
    return response.text if response.status_code == 200 else ""


def _wait_for(url: str, needle: str, proc: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}: {log.read_text()[-3000:]}")
        text = _scrape(url)
        if needle in text:
            return text
        time.sleep(0.3)
    raise AssertionError(
        f"{needle} not served at {url}; last: {text[:500]}; log: {log.read_text()}"
    )


def test_worker_process_serves_sdk_and_app_metrics(temporal_address, database_url, tmp_path):
    sdk_port, app_port = free_port(), free_port()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": temporal_address,
        "TEMPORAL_TASK_QUEUE": f"metrics-{uuid.uuid4().hex[:8]}",
        "WORKER_METRICS_PORT": str(sdk_port),
        "WORKER_APP_METRICS_PORT": str(app_port),
        "LOG_JSON": "true",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "worker.py"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            sdk = _wait_for(
                f"http://127.0.0.1:{sdk_port}/metrics", "temporal_worker_task_slots", proc, log
            )
            app = _wait_for(
                f"http://127.0.0.1:{app_port}/metrics",
                "paytrust_webhook_processing_total",
                proc,
                log,
            )
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
    assert "temporal_" in sdk and 'task_queue="' in sdk
    assert "paytrust_gateway_calls_total" in app
    # The worker logs JSON lines (configure_logging), with the Core's logs among them.
    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    entries = [json.loads(line) for line in lines]
    assert any(e["message"].startswith("worker started") for e in entries), lines
    assert any("temporal sdk metrics on" in e["message"] for e in entries)
