"""InvoiceWorkflow's refund updates on the time-skipping server, activities on real MariaDB and
the real sandbox: a refund reserved, sent with its key, and settled by the gateway's own
notification exactly once (the history is kept for the replay test)."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from contracts.refunds import RefundOutcome, RefundRequest
from db.engine import SessionFactory
from db.models import Refund
from db.refunds import RefundRepository
from domain.refunds import new_request_id
from gateways.base import PaymentGateway
from tests.gateways.support import XENDIT_TOKEN
from tests.workflows.helpers import (
    create_invoice,
    eventually,
    invoice_row,
    issued_link,
    keep_history,
    paid_at_sandbox,
    running_worker,
    webhook_input,
)
from tests.workflows.test_invoice_workflow import start_invoice_workflow, update_failure_message
from tests.workflows.test_webhook_workflow import start_webhook

PAID = Decimal(100000)


async def refund_rows(sessions: SessionFactory, tenant_id: str, invoice_id: int) -> list[Refund]:
    async with sessions() as session:
        return await RefundRepository(session, tenant_id).for_invoice(invoice_id)


async def test_refund_reserved_then_settled_once_by_the_gateways_notification(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    control: httpx.AsyncClient,
    task_queue: str,
) -> None:
    tenant = f"wf-refund-{new_request_id()[3:13]}"
    invoice = await create_invoice(sessions, tenant)
    link = await issued_link(sessions, gateways["xendit"], invoice, invoice.total)
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, invoice, task_queue)
        # Partly paid: the run stays open (a fully paid invoice's run completes at once, and
        # the api reaches it with update-with-start; the time-skipping server has no such call).
        body = await paid_at_sandbox(control, link.reference, PAID)
        paid = webhook_input(gateways["xendit"], body, XENDIT_TOKEN)
        await (await start_webhook(env, paid, task_queue)).result()
        await eventually(
            lambda: invoice_row(sessions, tenant, invoice.invoice_id),
            lambda row: row.status == "partially_paid",
        )

        request = RefundRequest(request_id=new_request_id(), amount=Decimal(30000), reason="dent")
        outcome = await handle.execute_update("request_refund", request, result_type=RefundOutcome)
        # Xendit answers PENDING: reserved, sent with its key, awaiting the callback.
        assert (outcome.status, outcome.created) == ("pending", True)
        [part] = outcome.parts
        assert part.refund_key == f"{request.request_id}-1" and part.gateway_refund_id
        log = await control.get("/_sandbox/webhooks", params={"reference": link.reference})
        [delivery] = [d for d in log.json()["data"] if d["event"] == "refund.succeeded"]
        callback = webhook_input(gateways["xendit"], delivery["payload"].encode(), XENDIT_TOKEN)
        assert callback.event.refund_key == part.refund_key
        await (await start_webhook(env, callback, task_queue)).result()
        [row] = await eventually(
            lambda: refund_rows(sessions, tenant, invoice.invoice_id),
            lambda rows: [r.status for r in rows] == ["succeeded"],
        )
        assert row.gateway_refund_id == part.gateway_refund_id and row.source == "merchant"
        inv = await invoice_row(sessions, tenant, invoice.invoice_id)
        assert inv.amount_refunded == Decimal(30000)

        # A new request for more than is left is refused by the reservation, nothing sent.
        too_much = RefundRequest(request_id=new_request_id(), amount=invoice.total)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update("request_refund", too_much, result_type=RefundOutcome)
        assert update_failure_message(refused.value) == (
            f"Refund amount {invoice.total:f} exceeds refundable amount {PAID - 30000:f}"
        )
        at_gateway = await control.get(f"/_sandbox/payments/{link.reference}")
        assert [r["amount"] for r in at_gateway.json()["refunds"]] == ["30000"]
        # Its expiry timer fires (time skips): the run completes, its history kept.
        assert (await handle.result()).status == "expired"
        await keep_history(handle, "invoice-merchant-refund-settled-by-notification")


async def test_refund_of_an_unpaid_invoice_is_refused_by_the_reservation(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
) -> None:
    tenant = f"wf-refund-{new_request_id()[3:13]}"
    invoice = await create_invoice(sessions, tenant)
    async with running_worker(env, sessions, gateways, task_queue):
        handle = await start_invoice_workflow(env.client, invoice, task_queue)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                "request_refund",
                RefundRequest(request_id=new_request_id()),
                result_type=RefundOutcome,
            )
        assert update_failure_message(refused.value) == "Invoice has no payment to refund"
        await handle.cancel()
    assert await refund_rows(sessions, tenant, invoice.invoice_id) == []
