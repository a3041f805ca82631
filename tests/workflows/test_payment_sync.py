"""Payment sync (domain/payment_sync.py) on the time-skipping server, activities on real
MariaDB and the real sandbox: a live, unpaid link is asked about at +1 min, +5 min, +15 min,
+1 h, then every 6 h, and a payment the gateway took is applied once, whether or not its
notification ever arrives. The sandbox's webhooks in this tier go to a port nobody listens on:
every notification is lost, as in the incident behind this feature."""

from __future__ import annotations

from datetime import timedelta

import httpx
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from contracts.invoices import InitiatePaymentRequest, SyncRequest
from db.engine import SessionFactory
from gateways.base import PaymentGateway
from tests.workflows.helpers import (
    create_invoice,
    history,
    invoice_row,
    keep_history,
    of,
    paid_transactions,
    running_worker,
)
from tests.workflows.test_invoice_workflow import start_invoice_workflow, state_of
from workflows.invoice import InvoiceWorkflow

SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
SYNC = "sync_live_payments"


async def test_a_payment_whose_notification_was_lost_is_applied_by_the_first_sync(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
    tenant_id: str,
) -> None:
    created = await create_invoice(sessions, tenant_id, expires_in=timedelta(days=3))
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, created, task_queue)
        link = await handle.execute_update(
            InvoiceWorkflow.initiate_payment, InitiatePaymentRequest()
        )
        paid = await control.post(f"/_sandbox/payments/{link.gateway_reference}/pay", json={})
        assert paid.status_code == 200, paid.text
        # The workflow completes once fully paid: time skips to the first sync, not to expiry.
        outcome = await handle.result()
        assert outcome.status == "fully_paid"
        events = await history(handle)
        await keep_history(handle, "invoice-paid-found-by-sync")
    started = events[0].at
    syncs = of(events, SCHEDULED, SYNC)
    assert len(syncs) == 1
    # About a minute after the link was made (workflow time), three days before expiry.
    assert timedelta(seconds=55) <= syncs[0].at - started <= timedelta(minutes=2)
    assert events[-1].at - started < timedelta(minutes=3)
    invoice = await invoice_row(sessions, tenant_id, created.invoice_id)
    assert (invoice.status, invoice.amount_paid) == ("fully_paid", created.total)
    transactions = await paid_transactions(sessions, tenant_id, created.invoice_id)
    assert [(t.amount, t.status) for t in transactions] == [(created.total, "paid")]


async def test_the_long_tail_is_checked_every_six_hours_and_a_late_payment_still_lands(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
    tenant_id: str,
) -> None:
    """Two days unpaid: +1, +5, +15, +60 min, then 7, 13, 19, 25, 31, 37 and 43 h (11 checks,
    no more); paid on day 2, it is found by the next 6-hourly check and applied once."""
    created = await create_invoice(sessions, tenant_id, expires_in=timedelta(days=5))
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, created, task_queue)
        link = await handle.execute_update(
            InvoiceWorkflow.initiate_payment, InitiatePaymentRequest()
        )
        await env.sleep(timedelta(days=2))
        events = await history(handle)
        syncs = of(events, SCHEDULED, SYNC)
        started = events[0].at
        offsets = [round((e.at - started).total_seconds() / 60) for e in syncs]
        expected = [1, 5, 15, 60] + [60 * h for h in (7, 13, 19, 25, 31, 37, 43)]
        assert len(offsets) == len(expected), offsets
        for got, want in zip(offsets, expected, strict=True):
            assert abs(got - want) <= 1, (offsets, expected)
        assert (await state_of(handle)).status == "pending"

        paid = await control.post(f"/_sandbox/payments/{link.gateway_reference}/pay", json={})
        assert paid.status_code == 200, paid.text
        outcome = await handle.result()
        assert outcome.status == "fully_paid"
        events = await history(handle)
    assert events[-1].at - started < timedelta(hours=49, minutes=10)
    assert len(events) < 400, "the history stays bounded"
    transactions = await paid_transactions(sessions, tenant_id, created.invoice_id)
    assert [(t.amount, t.status) for t in transactions] == [(created.total, "paid")]


async def test_no_sync_without_a_live_link_and_none_after_the_payment(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
    tenant_id: str,
) -> None:
    """A draft (no link) is never synced; once its payment is applied the schedule stops."""
    created = await create_invoice(sessions, tenant_id, expires_in=timedelta(days=2))
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, created, task_queue)
        await env.sleep(timedelta(hours=20))
        assert of(await history(handle), SCHEDULED, SYNC) == []
        await handle.execute_update(InvoiceWorkflow.initiate_payment, InitiatePaymentRequest())
        # One link live: the first check finds nothing, the next ones are planned.
        await env.sleep(timedelta(minutes=2))
        assert len(of(await history(handle), SCHEDULED, SYNC)) == 1
        outcome = await handle.result()  # skips to expiry: nothing was ever paid
        assert outcome.status == "expired"
        events = await history(handle)
    # +1, +5, +15, +60 min, then every 6 h of the 28 h left before expiry: 4 + 4.
    assert len(of(events, SCHEDULED, SYNC)) == 8


async def test_the_sync_update_applies_what_the_gateway_took_before_it_answers(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
    tenant_id: str,
) -> None:
    created = await create_invoice(sessions, tenant_id, expires_in=timedelta(days=1))
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, created, task_queue)
        link = await handle.execute_update(
            InvoiceWorkflow.initiate_payment, InitiatePaymentRequest()
        )
        nothing = await handle.execute_update(InvoiceWorkflow.sync_payments, SyncRequest())
        assert nothing.events == [] and nothing.next_sync_at is not None
        await control.post(f"/_sandbox/payments/{link.gateway_reference}/pay", json={})
        result = await handle.execute_update(InvoiceWorkflow.sync_payments, SyncRequest())
        assert [e.event.amount for e in result.events] == [created.total]
        assert result.next_sync_at is None  # the only link is paid: nothing left to ask
        # Applied before the update answered: the row is already paid.
        invoice = await invoice_row(sessions, tenant_id, created.invoice_id)
        assert (invoice.status, invoice.amount_paid) == ("fully_paid", created.total)
        await handle.result()
    transactions = await paid_transactions(sessions, tenant_id, created.invoice_id)
    assert [(t.amount, t.status) for t in transactions] == [(created.total, "paid")]
