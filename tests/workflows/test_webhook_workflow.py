"""WebhookWorkflow on the time-skipping server with its activities on real MariaDB, reached
through a pausable TCP proxy: MySQL going away is a real driver error, not a stub.

Attempt times are read from the workflow history (server time, which time skipping moves);
`webhook_retry_log.attempted_at` is the activity's wall clock, which it does not.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from contracts.invoices import INVOICE_WORKFLOW_REVISION
from contracts.webhooks import WEBHOOK_RETRY_WAITS_SECONDS, WebhookInput, WebhookOutcome
from contracts.workflows import invoice_workflow_id, webhook_workflow_id
from db.engine import SessionFactory
from gateways.base import PaymentGateway, new_merchant_reference
from tests.gateways.support import XENDIT_TOKEN
from tests.support.tcp_proxy import TcpProxy
from tests.workflows.helpers import (
    Event,
    create_invoice,
    eventually,
    history,
    invoice_row,
    issued_link,
    keep_history,
    of,
    paid_at_sandbox,
    paid_transactions,
    patch_markers,
    running_worker,
    webhook_input,
    webhook_rows,
    xendit_paid_callback,
)
from workflows.search_attributes import invoice_search_attributes
from workflows.webhook import WebhookWorkflow

SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
FAILED = EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
COMPLETED = EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
# Attempts at T+0, T+1 min, T+6 min, T+36 min (the waits 60/300/1800 s run after each attempt).
ATTEMPT_OFFSETS = [0, *(sum(WEBHOOK_RETRY_WAITS_SECONDS[:n]) for n in range(1, 4))]
# Each wait starts once the attempt's log row is written; with MySQL down that write is
# retried (1 s back-off) until the test brings MySQL back, so allow a few seconds of drift.
DRIFT = timedelta(seconds=15)

WebhookHandle = WorkflowHandle[WebhookWorkflow, WebhookOutcome]


async def a_paid_callback(
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    tenant_id: str,
    amount: Decimal,
) -> tuple[int, WebhookInput]:
    """An existing invoice, a payment link PayTrust issued for it at the sandbox, paid there,
    and the gateway's PAID callback, verified and parsed by the client."""
    invoice = await create_invoice(sessions, tenant_id)
    link = await issued_link(sessions, gateways["xendit"], invoice, amount)
    body = await paid_at_sandbox(control, link.reference, amount)
    return invoice.invoice_id, webhook_input(gateways["xendit"], body, XENDIT_TOKEN)


async def start_webhook(
    env: WorkflowEnvironment, inp: WebhookInput, task_queue: str
) -> WebhookHandle:
    return await env.client.start_workflow(
        WebhookWorkflow.run,
        inp,
        id=webhook_workflow_id(inp.gateway, inp.event.event_id),
        task_queue=task_queue,
    )


def offsets(events: list[Event], activity: str) -> list[float]:
    """Seconds from the workflow's start to each scheduling of `activity` (server time)."""
    started = events[0].at
    return [(e.at - started).total_seconds() for e in of(events, SCHEDULED, activity)]


async def count(handle: WebhookHandle, event_type: int, activity: str) -> int:
    return len(of(await history(handle), event_type, activity))


async def fail_attempt_with_mysql_down(
    handle: WebhookHandle, proxy: TcpProxy, attempt: int
) -> None:
    """Attempt `attempt` runs while MySQL refuses connections and fails; MySQL then comes back
    just long enough for the attempt's log row (whose write retries until it can), and goes
    away again before the next attempt."""
    await eventually(
        lambda: count(handle, FAILED, "resolve_webhook_event"),
        lambda n: n == attempt,
        what=f"attempt {attempt} failed",
    )
    await proxy.restore()
    await eventually(
        lambda: count(handle, COMPLETED, "record_webhook_attempt"),
        lambda n: n == attempt,
        what=f"attempt {attempt} logged",
    )
    await proxy.refuse()


# --- 2. retries at +1/+6/+36 min ----------------------------------------------------------------


async def test_retryable_failure_is_retried_at_1_6_36_minutes_then_permanently_failed(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    proxied_sessions: SessionFactory,
    mysql_proxy: TcpProxy,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
    tenant_id: str,
) -> None:
    invoice_id, inp = await a_paid_callback(sessions, gateways, control, tenant_id, Decimal("1000"))
    await mysql_proxy.refuse()
    async with running_worker(env, proxied_sessions, gateways, task_queue):
        handle = await start_webhook(env, inp, task_queue)
        started = (await handle.describe()).start_time
        for attempt in range(1, len(WEBHOOK_RETRY_WAITS_SECONDS) + 1):
            await fail_attempt_with_mysql_down(handle, mysql_proxy, attempt)
            assert await handle.query(WebhookWorkflow.progress) == {
                "attempt": attempt,
                "status": "retrying",
            }
            # Just short of the next attempt (due at start + offset): nothing happens early.
            due = started + timedelta(seconds=ATTEMPT_OFFSETS[attempt])
            await env.sleep(due - timedelta(seconds=2) - await env.get_current_time())
            assert await count(handle, SCHEDULED, "resolve_webhook_event") == attempt
            await env.sleep(timedelta(seconds=4))

        # The fourth (last) attempt fails with MySQL still down: its log write cannot land, so
        # the workflow keeps retrying it rather than finishing without a trace.
        await eventually(
            lambda: count(handle, FAILED, "resolve_webhook_event"),
            lambda n: n == 4,
            what="attempt 4 failed",
        )
        assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
        await mysql_proxy.restore()
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
        await keep_history(handle, "webhook-retried-to-permanent-failure")

        cause = failed.value.cause
        assert isinstance(cause, ApplicationError)
        assert cause.type == "WebhookPermanentlyFailed"
        assert "after 4 attempt(s)" in cause.message
        events = await history(handle)
        seen = offsets(events, "resolve_webhook_event")
        assert len(seen) == 4, seen
        for actual, expected in zip(seen, ATTEMPT_OFFSETS, strict=True):
            assert expected <= actual <= expected + DRIFT.total_seconds(), (seen, ATTEMPT_OFFSETS)
        assert of(events, SCHEDULED, "deliver_to_invoice") == []
        assert await handle.query(WebhookWorkflow.progress) == {
            "attempt": 4,
            "status": "permanently_failed",
        }

    event, log = await webhook_rows(sessions, "xendit", inp.event.event_id)
    assert event is not None
    assert (event.status, event.attempts) == ("permanently_failed", 4)
    assert event.failed_at is not None
    assert [(r.attempt_number, r.status) for r in log] == [
        (1, "retrying"),
        (2, "retrying"),
        (3, "retrying"),
        (4, "failed"),
    ]
    # A real driver error: the proxy refused the connection.
    assert all("Can't connect to MySQL server" in (r.error_message or "") for r in log)
    invoice = await invoice_row(sessions, tenant_id, invoice_id)
    assert invoice.amount_paid == Decimal(0)


async def test_third_attempt_succeeds_once_mysql_is_back_and_nothing_retries_after(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    proxied_sessions: SessionFactory,
    mysql_proxy: TcpProxy,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
    tenant_id: str,
) -> None:
    amount = Decimal("30000")
    invoice_id, inp = await a_paid_callback(sessions, gateways, control, tenant_id, amount)
    await mysql_proxy.refuse()
    async with running_worker(env, proxied_sessions, gateways, task_queue):
        handle = await start_webhook(env, inp, task_queue)
        await fail_attempt_with_mysql_down(handle, mysql_proxy, 1)
        await env.sleep(timedelta(seconds=WEBHOOK_RETRY_WAITS_SECONDS[0] + 2))
        await fail_attempt_with_mysql_down(handle, mysql_proxy, 2)
        await mysql_proxy.restore()  # MySQL is back for good before the third attempt

        outcome = await handle.result()

        assert outcome.status == "processed"
        assert outcome.attempts == 3
        # The invoice workflow (signal-with-start by deliver_to_invoice) applies the payment.
        await eventually(
            lambda: invoice_row(sessions, tenant_id, invoice_id),
            lambda inv: inv.amount_paid == amount,
            what="payment applied to the invoice",
        )
        await env.sleep(timedelta(hours=1))  # well past where a fourth attempt would be
        events = await history(handle)
        seen = offsets(events, "resolve_webhook_event")
        assert len(seen) == 3, seen
        for actual, expected in zip(seen, ATTEMPT_OFFSETS[:3], strict=True):
            assert expected <= actual <= expected + DRIFT.total_seconds(), (seen, ATTEMPT_OFFSETS)
        assert len(of(events, COMPLETED, "deliver_to_invoice")) == 1
        await keep_history(handle, "webhook-confirmed-by-gateway-on-third-attempt")
        # The run the late event started has today's revision: no patch markers; its search
        # attributes (none at a signal-with-start) are upserted once it has read its row.
        invoice_run = env.client.get_workflow_handle(invoice_workflow_id(invoice_id))
        invoice_events = await history(invoice_run)
        started = invoice_events[0].raw.workflow_execution_started_event_attributes
        assert json.loads(started.input.payloads[0].data)["revision"] == INVOICE_WORKFLOW_REVISION
        assert patch_markers(invoice_events) == []
        attributes = (await invoice_run.describe()).typed_search_attributes
        assert attributes.get(invoice_search_attributes.invoice_id) == invoice_id
        assert attributes.get(invoice_search_attributes.tenant_id) == tenant_id

    event, log = await webhook_rows(sessions, "xendit", inp.event.event_id)
    assert event is not None
    assert (event.status, event.attempts, event.invoice_id) == ("processed", 3, invoice_id)
    assert [(r.attempt_number, r.status) for r in log] == [
        (1, "retrying"),
        (2, "retrying"),
        (3, "succeeded"),
    ]
    transactions = await paid_transactions(sessions, tenant_id, invoice_id)
    assert [(t.amount, t.status) for t in transactions] == [(amount, "paid")]
    invoice = await invoice_row(sessions, tenant_id, invoice_id)
    assert (invoice.status, invoice.amount_paid) == ("partially_paid", amount)


# --- 3. non-retryable failures -------------------------------------------------------------------


async def test_unknown_invoice_fails_at_once_without_retries(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
) -> None:
    # A PayTrust-shaped merchant reference that PayTrust never issued.
    body = xendit_paid_callback(merchant_reference=new_merchant_reference(), amount=Decimal("1000"))
    inp = webhook_input(gateways["xendit"], body, XENDIT_TOKEN)
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_webhook(env, inp, task_queue)
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()

        cause = failed.value.cause
        assert isinstance(cause, ApplicationError)
        assert cause.type == "WebhookPermanentlyFailed"
        assert "after 1 attempt(s)" in cause.message
        assert (
            f"No payment link PayTrust issued for xendit reference {inp.event.reference}"
            in cause.message
        )
        events = await history(handle)
        assert len(of(events, SCHEDULED, "resolve_webhook_event")) == 1
        assert of(events, EventType.EVENT_TYPE_TIMER_STARTED) == []
        assert of(events, SCHEDULED, "deliver_to_invoice") == []

    event, log = await webhook_rows(sessions, "xendit", inp.event.event_id)
    assert event is not None
    assert (event.status, event.attempts) == ("permanently_failed", 1)
    assert [(r.attempt_number, r.status) for r in log] == [(1, "failed")]
    assert log[0].error_message and "No payment link PayTrust issued" in log[0].error_message
    assert event.rejection_reason == "not_issued"


async def test_retry_schedule_holds_while_mysql_stays_down(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    proxied_sessions: SessionFactory,
    mysql_proxy: TcpProxy,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
    tenant_id: str,
) -> None:
    _, inp = await a_paid_callback(sessions, gateways, control, tenant_id, Decimal("1000"))
    await mysql_proxy.refuse()
    async with running_worker(env, proxied_sessions, gateways, task_queue):
        handle = await start_webhook(env, inp, task_queue)
        await eventually(
            lambda: count(handle, FAILED, "resolve_webhook_event"),
            lambda n: n == 1,
            what="attempt 1 failed",
        )
        await env.sleep(timedelta(minutes=2))
        seen = offsets(await history(handle), "resolve_webhook_event")
        assert len(seen) == 2, f"attempts at {seen} s; the second is due at 60 s"
        assert ATTEMPT_OFFSETS[1] <= seen[1] <= ATTEMPT_OFFSETS[1] + DRIFT.total_seconds()
