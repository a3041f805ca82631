"""Structured logs: JSON lines with the context of each line (request, tenant, invoice,
workflow, activity), and never a secret. The flow runs through the real api, the in-process
worker, the sandbox (real gateway HTTP with the secret keys) and signed webhooks."""

from __future__ import annotations

import base64
import json
import logging
import uuid

import pytest

from observability.logs import (
    REDACTED,
    JsonFormatter,
    _literal_secrets,
    fields_from_activity_args,
    forget_secrets,
    redact,
    register_secrets,
)
from tests.conftest import TEST_ADMIN_KEY
from tests.gateways.support import MIDTRANS_KEY, XENDIT_KEY, XENDIT_TOKEN
from tests.invoices.helpers import (
    Merchant,
    eventually,
    midtrans_notification,
    xendit_callback,
)
from tests.observability.support import capture_logs


def _record(msg: str = "hello", **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("paytrust.test", logging.INFO, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


# --- the formatter ------------------------------------------------------------------------


def test_workflow_logger_extra_is_flattened() -> None:
    record = _record(
        "event x on invoice 42: applied",
        temporal_workflow={
            "attempt": 1,
            "namespace": "default",
            "run_id": "run-1",
            "task_queue": "q",
            "workflow_id": "invoice-42",
            "workflow_type": "InvoiceWorkflow",
        },
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["workflow_id"] == "invoice-42"
    assert entry["run_id"] == "run-1"
    assert entry["workflow_type"] == "InvoiceWorkflow"
    assert entry["invoice_id"] == 42  # from the invoice workflow's id
    assert "temporal_workflow" not in entry
    assert entry["message"] == "event x on invoice 42: applied"


def test_activity_logger_extra_is_flattened_and_explicit_extra_wins() -> None:
    record = _record(
        "x",
        temporal_activity={
            "activity_type": "apply_payment_event",
            "workflow_id": "invoice-7",
            "workflow_run_id": "r",
            "workflow_type": "InvoiceWorkflow",
        },
        invoice_id=8,
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["activity_type"] == "apply_payment_event"
    assert entry["run_id"] == "r"
    assert entry["invoice_id"] == 8


def test_invoice_and_tenant_are_read_from_activity_inputs() -> None:
    from contracts.invoices import LoadInvoiceInput

    assert fields_from_activity_args([LoadInvoiceInput(invoice_id=5, tenant_id="t")]) == {
        "invoice_id": 5,
        "tenant_id": "t",
    }
    assert fields_from_activity_args(["plain", 3]) == {}


@pytest.mark.parametrize(
    "text",
    [
        "key pt_0123456789ab_Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4",
        "xendit xnd_development_abcdefABCDEF123",
        "midtrans SB-Mid-server-abcdefgh123",
        "Authorization: Basic eG5kX2RldmVsb3BtZW50Og==",
        "{'x-callback-token': 'tok-123456789'}",
        '{"X-API-Key": "whatever-it-is"}',
        "signature_key=0123456789abcdef",
        "mysql+asyncmy://paytrust:s3cretpass@mysql:3306/paytrust",
    ],
)
def test_known_secret_shapes_are_redacted(text: str) -> None:
    secrets = [
        "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4",
        "abcdefABCDEF123",
        "abcdefgh123",
        "eG5kX2RldmVsb3BtZW50Og==",
        "tok-123456789",
        "whatever-it-is",
        "0123456789abcdef",
        "s3cretpass",
    ]
    line = JsonFormatter().format(_record(text))
    assert REDACTED in line
    assert not any(secret in line for secret in secrets), line


def test_registered_literal_secrets_are_redacted_in_messages_extras_and_tracebacks() -> None:
    secret = f"adm-{uuid.uuid4().hex}-!#$%"
    register_secrets([secret, "short"])
    try:
        assert "short" not in _literal_secrets
        try:
            raise RuntimeError(f"boom {secret}")
        except RuntimeError:
            import sys

            record = _record(f"msg {secret}", detail={"nested": [secret]})
            record.exc_info = sys.exc_info()
        line = JsonFormatter().format(record)
        assert secret not in line
        assert line.count(REDACTED) >= 3
        assert redact("nothing secret here") == "nothing secret here"
    finally:
        forget_secrets([secret])


def test_ordinary_fields_are_not_redacted() -> None:
    line = JsonFormatter().format(
        _record(
            "invoice 42: draft -> pending (basic information on the Basic plan)",
            api_key_id=3,
            key_prefix="0123456789ab",
        )
    )
    entry = json.loads(line)
    assert entry["api_key_id"] == 3 and entry["key_prefix"] == "0123456789ab"
    assert entry["message"] == "invoice 42: draft -> pending (basic information on the Basic plan)"


# --- a real flow ------------------------------------------------------------------------


def _basic(user: str) -> str:
    return base64.b64encode(f"{user}:".encode()).decode()


async def test_a_full_flow_logs_context_and_no_secret(client, admin_headers, sandbox, tenant_id):
    wrong_merchant_key = "pt_0123456789ab_" + "W" * 43
    wrong_admin_key = "wrong-admin-key-0123456789-ABCDEFGHIJ"
    wrong_token = "wrong-callback-token-0123456789"
    with capture_logs() as logs:
        created = await client.post(
            "/api-keys", json={"tenant_id": tenant_id, "name": "logs"}, headers=admin_headers
        )
        assert created.status_code == 201, created.text
        key_id, first_key = created.json()["id"], created.json()["key"]
        shop = Merchant(client, {"X-API-Key": first_key}, sandbox.url)

        # Xendit (secret key, callback token) and Midtrans (server key, signature) payments.
        xendit_invoice = await shop.create()
        midtrans_invoice = await shop.create(gateway_id=2)
        xendit_link = await shop.pay_link(xendit_invoice["id"])
        midtrans_link = await shop.pay_link(midtrans_invoice["id"])
        await shop.sandbox_pay(xendit_link["gateway_reference"])
        await shop.sandbox_pay(midtrans_link["gateway_reference"])
        await shop.wait_status(xendit_invoice["id"], "fully_paid")
        await shop.wait_status(midtrans_invoice["id"], "fully_paid")

        # Wrong credentials everywhere.
        for headers in ({"X-API-Key": wrong_merchant_key}, {"X-API-Key": "garbage-key-123"}):
            assert (await client.get("/invoices", headers=headers)).status_code == 401
        assert (
            await client.get("/api-keys", headers={"X-Admin-Key": wrong_admin_key})
        ).status_code == 401
        bad_xendit = await client.post(
            "/webhooks/xendit",
            content=xendit_callback(
                reference=xendit_link["gateway_reference"],
                external_id="x",
                amount="1",
                currency="IDR",
            ),
            headers={"x-callback-token": wrong_token, "content-type": "application/json"},
        )
        assert bad_xendit.status_code == 401
        bad_midtrans = await client.post(
            "/webhooks/midtrans",
            content=midtrans_notification(
                order_id=midtrans_link["gateway_reference"],
                transaction_id=str(uuid.uuid4()),
                gross_amount="1.00",
                server_key="not-the-server-key",
            ),
            headers={"content-type": "application/json"},
        )
        assert bad_midtrans.status_code == 401

        # A verified webhook for an unknown payment: permanently failed (logged critical).
        unknown_reference = f"unknown-{uuid.uuid4().hex}"
        unknown = await client.post(
            "/webhooks/xendit",
            content=xendit_callback(
                reference=unknown_reference, external_id="nope", amount="1000", currency="IDR"
            ),
            headers={"x-callback-token": XENDIT_TOKEN, "content-type": "application/json"},
        )
        assert unknown.status_code == 200, unknown.text

        async def critical_lines() -> list[str]:
            return [
                line for line in logs.lines if '"CRITICAL"' in line and unknown_reference in line
            ]

        await eventually(critical_lines, bool)

        # Rotate: the old key stops working, the new one works.
        rotated = await client.put(
            f"/api-keys/{key_id}/rotate", json={"grace_period_seconds": 0}, headers=admin_headers
        )
        assert rotated.status_code == 200, rotated.text
        second_key = rotated.json()["key"]
        assert (await client.get("/invoices", headers={"X-API-Key": first_key})).status_code == 401
        listed = await client.get("/invoices", headers={"X-API-Key": second_key})
        assert listed.status_code == 200
        assert (
            await client.get(f"/invoices/{xendit_invoice['id']}", headers={"X-API-Key": second_key})
        ).status_code == 200

    secrets = {
        "admin key": TEST_ADMIN_KEY,
        "merchant key": first_key,
        "rotated merchant key": second_key,
        "merchant key secret part": first_key.split("_", 2)[2],
        "wrong merchant key": wrong_merchant_key,
        "wrong admin key": wrong_admin_key,
        "xendit secret key": XENDIT_KEY,
        "xendit basic auth": _basic(XENDIT_KEY),
        "xendit callback token": XENDIT_TOKEN,
        "wrong callback token": wrong_token,
        "midtrans server key": MIDTRANS_KEY,
        "midtrans basic auth": _basic(MIDTRANS_KEY),
    }
    assert len(logs.records) > 20
    raw = list(logs.raw_texts())
    leaks = [
        (name, text[:300]) for text in raw for name, secret in secrets.items() if secret in text
    ]
    assert not leaks, f"secrets in log records: {leaks}"
    leaks = [
        (name, line[:300])
        for line in logs.lines
        for name, secret in secrets.items()
        if secret in line
    ]
    assert not leaks, f"secrets in JSON log lines: {leaks}"

    entries = logs.entries()
    invoice_id = xendit_invoice["id"]

    # An activity line: workflow, activity and invoice, tenant from the activity's input.
    transition = [
        e
        for e in entries
        if e["logger"] == "paytrust.activities.invoices"
        and e["message"] == f"invoice {invoice_id}: pending -> fully_paid"
    ]
    assert transition, "no transition line for the paid invoice"
    line = transition[0]
    assert line["workflow_id"] == f"invoice-{invoice_id}"
    assert line["workflow_type"] == "InvoiceWorkflow"
    assert line["activity_type"] == "apply_payment_event"
    assert line["invoice_id"] == invoice_id
    assert line["tenant_id"] == tenant_id
    assert line["run_id"]

    # A webhook activity line: its workflow and the invoice it resolved to.
    resolved = [
        e
        for e in entries
        if e.get("activity_type") == "resolve_webhook_event" and e.get("invoice_id") == invoice_id
    ]
    assert resolved
    assert resolved[0]["workflow_type"] == "WebhookWorkflow"
    assert resolved[0]["workflow_id"].startswith("webhook-xendit-")
    assert resolved[0]["gateway"] == "xendit"

    # A workflow line (workflow.logger): JSON with workflow_id / run_id / invoice_id.
    workflow_lines = [
        e
        for e in entries
        if e["logger"].startswith("temporalio.workflow")
        and e.get("workflow_id") == f"invoice-{invoice_id}"
    ]
    assert workflow_lines, "no workflow.logger line for the invoice workflow"
    assert workflow_lines[0]["run_id"] and workflow_lines[0]["invoice_id"] == invoice_id
    assert workflow_lines[0]["workflow_type"] == "InvoiceWorkflow"

    # The permanently failed webhook: a workflow error line and the activity's critical line.
    assert any(
        e["level"] == "CRITICAL" and e.get("workflow_type") == "WebhookWorkflow" for e in entries
    )

    # An api access line: request id, tenant, invoice id, route template and status.
    access = [
        e
        for e in entries
        if e["logger"] == "paytrust.access" and e.get("route") == "/invoices/{invoice_id}"
    ]
    assert access
    assert access[0]["request_id"] and access[0]["status"] == 200
    assert access[0]["invoice_id"] == invoice_id
    assert access[0]["tenant_id"] == tenant_id


async def test_request_id_is_on_the_access_line(client, merchant):
    with capture_logs() as logs:
        response = await client.get(
            "/invoices", headers={**merchant["headers"], "X-Request-ID": "req-observability-1"}
        )
    assert response.status_code == 200
    lines = [e for e in logs.entries() if e.get("request_id") == "req-observability-1"]
    assert any(e["logger"] == "paytrust.access" and e["status"] == 200 for e in lines)
