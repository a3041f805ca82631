"""Drill: the Temporal dev server is restarted mid-run (its process stopped, then started
again on the same port and the same sqlite file). Nothing is lost, and durable timers still
fire:

- a WebhookWorkflow parked on its T+1 min retry timer before the restart (its first attempt
  failed honestly: the worker's MariaDB connections were refused through the proxy for a few
  seconds) fires that timer after the restart, is processed on attempt 2 and its payment is
  applied, no earlier than T+1 min (observed in real time, and TIMER_FIRED in its history);
- invoices paid before the restart keep their payments; payments made while the server is
  down (the sandbox retries the webhook the api could not hand to Temporal: 503) and after it is
  back are applied once each;
- every invoice created before and after still has its workflow; unpaid ones are Running with
  their expiry timer pending (TIMER_STARTED, not fired);
- no webhook permanently failed.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus

from contracts.webhooks import WEBHOOK_RETRY_WAITS_SECONDS
from contracts.workflows import webhook_workflow_id
from tests.drills.conftest import StackFactory, with_port
from tests.drills.helpers import (
    MerchantClient,
    amount,
    check_invoice,
    drill_invoice,
    money_mismatches,
    sandbox_paid_by_invoice,
    workflow_statuses,
)
from tests.e2e.support import e2e_database_url
from tests.support.threaded_proxy import ThreadedTcpProxy

FIRST_RETRY = timedelta(seconds=WEBHOOK_RETRY_WAITS_SECONDS[0])
DEADLINE = 150.0


async def eventually(
    probe: Any, accept: Any, *, timeout: float, what: str, interval: float = 0.5
) -> Any:
    give_up = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = await probe()
            if accept(last):
                return last
        except Exception as exc:  # the server may be restarting: keep polling
            last = exc
        if time.monotonic() > give_up:
            raise AssertionError(f"{what} not met after {timeout}s; last {last!r}")
        await asyncio.sleep(interval)


async def history_events(client: Client, workflow_id: str) -> list[Any]:
    return [event async for event in client.get_workflow_handle(workflow_id).fetch_history_events()]


async def new_invoices(client: MerchantClient, prefix: str, n: int) -> list[dict[str, Any]]:
    made = []
    for k in range(n):
        gateway = ("xendit", "midtrans")[k % 2]
        invoice = await client.create_invoice(drill_invoice(f"{prefix}-{k}", gateway))
        link = await client.initiate(int(invoice["id"]), f"{prefix}-{k}:pay")
        made.append({"invoice": invoice, "link": link, "total": amount(invoice["total"])})
    return made


@pytest.mark.slow
async def test_temporal_restart_loses_nothing_and_timers_fire(
    drill_stack: StackFactory, db_proxy: ThreadedTcpProxy
) -> None:
    started = time.monotonic()
    direct = e2e_database_url("paytrust_drill_temporal")
    stack = drill_stack(
        "paytrust_drill_temporal", process_database_url=with_port(direct, db_proxy.port)
    )
    client = MerchantClient.new(stack)
    try:
        before = await new_invoices(client, "before", 6)
        for entry in before[:3]:
            await client.sandbox_pay(entry["link"]["gateway_reference"], entry["total"], 2)
        for entry in before[:3]:
            await client.wait_amount_paid(int(entry["invoice"]["id"]), entry["total"], timeout=60)

        # Park a webhook on its T+1 min timer: MariaDB refused while its first attempt runs.
        parked = before[3]  # a Midtrans payment
        temporal = await Client.connect(stack.temporal_target)
        db_proxy.refuse()
        try:
            await client.sandbox_pay(parked["link"]["gateway_reference"], parked["total"], 1)
            webhook = await eventually(
                lambda: client.sandbox.get(
                    "/_sandbox/webhooks", params={"reference": parked["link"]["gateway_reference"]}
                ),
                lambda r: r.json()["data"] and r.json()["data"][0]["state"] == "delivered",
                timeout=30,
                what="the parked webhook accepted",
            )
            event_id = _event_id(parked["link"], webhook.json()["data"][0])
            workflow_id = webhook_workflow_id(parked["link"]["gateway"], event_id)
            handle = temporal.get_workflow_handle(workflow_id)
            await eventually(
                lambda: handle.query("progress"),
                lambda p: p == {"attempt": 1, "status": "retrying"},
                timeout=30,
                what="attempt 1 failed and the retry scheduled",
            )
        finally:
            db_proxy.restore()
        described = await handle.describe()
        parked_at = described.start_time
        assert parked_at is not None
        events = await history_events(temporal, workflow_id)
        kinds = [e.event_type for e in events]
        assert EventType.EVENT_TYPE_TIMER_STARTED in kinds, kinds
        assert EventType.EVENT_TYPE_TIMER_FIRED not in kinds, kinds
        parked_wall = time.monotonic()
        print(f"\n[temporal drill] {workflow_id} parked on its T+1 min timer", flush=True)

        # Restart Temporal; a payment is made while it is down. Xendit: the sandbox retries
        # its webhook for minutes (Midtrans only ~20 s at this time scale).
        while_down = before[4]
        assert while_down["link"]["gateway"] == "xendit"
        down_reference = while_down["link"]["gateway_reference"]
        began = time.monotonic()
        await asyncio.to_thread(stack.stop_process, "temporal")
        assert "temporal" not in stack.processes
        await client.sandbox_pay(down_reference, while_down["total"], 2)
        refused = await eventually(
            lambda: client.sandbox.get("/_sandbox/webhooks", params={"reference": down_reference}),
            lambda r: any(a["status_code"] != 200 for d in r.json()["data"] for a in d["attempts"]),
            timeout=40,
            what="the api refusing a webhook while Temporal is down",
        )
        first_attempts = [d["attempts"][0] for d in refused.json()["data"] if d["attempts"]]
        await asyncio.to_thread(stack.start_temporal)
        print(
            f"[temporal drill] Temporal down {time.monotonic() - began:.1f}s; webhook "
            f"attempts meanwhile: {first_attempts}",
            flush=True,
        )
        await asyncio.to_thread(stack.wait_ready, 60)

        after = await new_invoices(client, "after", 4)
        for entry in after[:3]:
            await client.sandbox_pay(
                entry["link"]["gateway_reference"], entry["total"] + Decimal(500), 3
            )

        # The parked timer fires after the restart: attempt 2 applies the payment.
        invoice_id = int(parked["invoice"]["id"])
        await client.wait_amount_paid(invoice_id, parked["total"], timeout=DEADLINE)
        applied_wall = time.monotonic()
        temporal = await Client.connect(stack.temporal_target)
        handle = temporal.get_workflow_handle(workflow_id)
        result = await eventually(
            handle.describe,
            lambda d: d.status == WorkflowExecutionStatus.COMPLETED,
            timeout=30,
            what="the parked webhook workflow completed",
        )
        assert result.close_time is not None and result.close_time - parked_at >= FIRST_RETRY
        assert await handle.query("progress") == {"attempt": 2, "status": "processed"}
        kinds = [e.event_type for e in await history_events(temporal, workflow_id)]
        assert EventType.EVENT_TYPE_TIMER_FIRED in kinds, kinds
        print(
            f"[temporal drill] parked payment applied {applied_wall - parked_wall:.1f}s after "
            f"parking; workflow closed {(result.close_time - parked_at).total_seconds():.1f}s "
            "after its start",
            flush=True,
        )

        # Everything else: each payment once, every invoice with its workflow.
        deadline = time.monotonic() + 60
        while True:
            by_invoice = sandbox_paid_by_invoice(await client.sandbox_payments())
            invoices = await client.list_invoices()
            wrong = money_mismatches(invoices, by_invoice)
            if not wrong or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        assert not wrong, wrong
        assert len(invoices) == len(before) + len(after)
        deliveries = (
            await client.sandbox.get("/_sandbox/webhooks", params={"reference": down_reference})
        ).json()["data"]
        assert all(d["state"] == "delivered" for d in deliveries), deliveries
        problems: list[str] = []
        for invoice in invoices:
            problems += await check_invoice(client, invoice, by_invoice.get(invoice["id"], []))
        assert not problems, problems
        statuses = await workflow_statuses(stack, [int(i["id"]) for i in invoices])
        assert not [i for i, s in statuses.items() if s is None], statuses
        unpaid = [int(i["id"]) for i in invoices if amount(i["amount_paid"]) == 0]
        assert unpaid, "no unpaid invoice left to check its expiry timer"
        for unpaid_id in unpaid:
            assert statuses[unpaid_id] == WorkflowExecutionStatus.RUNNING, unpaid_id
            kinds = [e.event_type for e in await history_events(temporal, f"invoice-{unpaid_id}")]
            started_timers = kinds.count(EventType.EVENT_TYPE_TIMER_STARTED)
            fired_or_cancelled = kinds.count(EventType.EVENT_TYPE_TIMER_FIRED) + kinds.count(
                EventType.EVENT_TYPE_TIMER_CANCELED
            )
            assert started_timers > fired_or_cancelled, (unpaid_id, kinds)
        failed = await client.call("GET", "/webhooks/failed")
        assert failed.status_code == 200 and failed.json()["total"] == 0, failed.text
        print(f"[temporal drill] wall {time.monotonic() - started:.1f}s", flush=True)
    finally:
        await client.aclose()


def _event_id(link: dict[str, Any], delivery: dict[str, Any]) -> str:
    """The gateway event id PayTrust derives (GATEWAYS.md): Xendit `{invoice id}:{status}`,
    Midtrans `{transaction_id}:{transaction_status}`."""
    import json

    payload = json.loads(delivery["payload"])
    if link["gateway"] == "xendit":
        return f"{payload['id']}:{payload['status']}"
    return f"{payload['transaction_id']}:{payload['transaction_status']}"
