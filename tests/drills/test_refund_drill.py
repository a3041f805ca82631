"""Drill: the worker is SIGKILLed (by PID) between a refund's gateway call and the write of its
answer, for several seeds, on both gateways. Exactly once at the gateway means: the sandbox
holds exactly one refund per request, and PayTrust records each once.

How the kill lands between the call and the write: the sandbox's `refund_result` fault
`timeout` makes the refund at once and holds its answer `delay_ms`; the drill waits until the
sandbox holds the refund (the call has been made and the gateway has acted on it), SIGKILLs the
worker while the answer is still held, and starts a new worker after a seeded pause. The
refund's submit activity, its worker gone, is retried (heartbeat timeout) with the same refund
key, and the gateway answers with the refund it already made; its notification, sent when the
refund was made, reaches a webhook workflow that also needs a worker. Whichever of the two
settles the refund first, the other changes nothing.

The merchant client is a careful one: POST /invoices/{id}/refunds with an Idempotency-Key,
retried on 503, connection errors and "in progress" with the same key. At the end, for every
request: the sandbox holds one refund of its amount, GET /invoices/{id}/refunds shows it
succeeded once, the payments' refunded amounts and the invoice's amount_refunded add up, each
refund has exactly one refund.pending and one refund.succeeded event, and a replay of its
Idempotency-Key answers the same refund.

DRILL_SEEDS=1,2,3 replays chosen seeds (default: three random ones, printed).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from temporalio.client import Client

from devstack import Stack
from tests.drills.conftest import StackFactory
from tests.drills.helpers import DrillError, MerchantClient, amount, drill_invoice, idr
from tests.e2e.support import kill
from tests.refunds.support import submit_attempts

HOLD_MS = 6000  # the held answer; the worker's gateway timeout is 10 s


@dataclass
class Planned:
    seed: int
    gateway: str
    quantity: int
    fractions: list[Decimal]  # of the total, one refund each
    pauses: list[float]  # seconds the worker stays dead after each kill


def plans(seed: int) -> list[Planned]:
    rng = random.Random(seed)
    return [
        Planned(
            seed=seed,
            gateway=gateway,
            quantity=rng.randint(1, 3),
            fractions=[Decimal(rng.randint(10, 45)) / 100 for _ in range(rng.randint(1, 2))],
            pauses=[rng.uniform(0.2, 3.0) for _ in range(2)],
        )
        for gateway in rng.sample(["xendit", "midtrans"], 2)
    ]


async def sandbox_refunds(client: MerchantClient, reference: str) -> list[dict[str, Any]]:
    response = await client.sandbox.get(f"/_sandbox/payments/{reference}")
    assert response.status_code == 200, response.text
    return list(response.json()["refunds"])


async def kill_while_held(
    stack: Stack, client: MerchantClient, reference: str, held_before: int, pause: float
) -> int:
    """Once the sandbox has made the refund (its answer still held), SIGKILL the worker;
    start a new one after `pause` s. Returns the killed PID."""
    deadline = time.monotonic() + 30
    while len(await sandbox_refunds(client, reference)) <= held_before:
        if time.monotonic() > deadline:
            raise DrillError(f"the sandbox never made the refund of {reference}")
        await asyncio.sleep(0.05)
    pid = await asyncio.to_thread(kill, stack, "worker")
    await asyncio.sleep(pause)
    await asyncio.to_thread(stack.start_worker)
    return pid


async def refunds_of(client: MerchantClient, invoice_id: int) -> list[dict[str, Any]]:
    response = await client.call("GET", f"/invoices/{invoice_id}/refunds")
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def wait_succeeded(client: MerchantClient, invoice_id: int, refund_id: str) -> None:
    deadline = time.monotonic() + 120
    while True:
        found = [r for r in await refunds_of(client, invoice_id) if r["refund_id"] == refund_id]
        if found and found[0]["status"] == "succeeded":
            return
        if time.monotonic() > deadline:
            raise DrillError(f"refund {refund_id} not succeeded: {found}")
        await asyncio.sleep(0.5)


async def run_plan(
    stack: Stack,
    client: MerchantClient,
    plan: Planned,
    index: int,
    kills: list[str],
    invoice_ids: list[int],
) -> list[str]:
    """Pay one invoice, then refund it once per fraction, the worker killed during each
    refund's gateway call. The problems found (none = good)."""
    external_id = f"refund-drill-{plan.seed}-{index}"
    invoice = await client.create_invoice(drill_invoice(external_id, plan.gateway, plan.quantity))
    invoice_id, total = int(invoice["id"]), amount(invoice["total"])
    invoice_ids.append(invoice_id)
    link = await client.initiate(invoice_id, f"{external_id}:pay")
    reference = link["gateway_reference"]
    await client.sandbox_pay(reference, total, 1)
    await client.wait_amount_paid(invoice_id, total)

    made: dict[str, Decimal] = {}
    for number, (fraction, pause) in enumerate(zip(plan.fractions, plan.pauses, strict=False)):
        refund_amount = (total * fraction).quantize(Decimal(1))
        await client.sandbox_faults(
            {"refund_result": {"outcome": "timeout", "reference": reference, "delay_ms": HOLD_MS}}
        )
        key = f"{external_id}:refund-{number}"
        posting = asyncio.create_task(
            client.call(
                "POST",
                f"/invoices/{invoice_id}/refunds",
                json={"amount": idr(refund_amount)},
                idempotency_key=key,
                deadline=240,
            )
        )
        pid = await kill_while_held(stack, client, reference, len(made), pause)
        kills.append(f"{plan.gateway} invoice {invoice_id} refund {number}: pid {pid}")
        response = await posting
        if response.status_code != 201:
            return [f"refund {key}: {response.status_code} {response.text}"]
        refund_id = response.json()["refund_id"]
        await wait_succeeded(client, invoice_id, refund_id)
        made[refund_id] = refund_amount
        replay = await client.call(
            "POST",
            f"/invoices/{invoice_id}/refunds",
            json={"amount": idr(refund_amount)},
            idempotency_key=key,
        )
        if replay.status_code != 201 or replay.json()["refund_id"] != refund_id:
            return [f"replay of {key}: {replay.status_code} {replay.text}"]
    return await check(client, invoice_id, reference, made)


async def check(
    client: MerchantClient, invoice_id: int, reference: str, made: dict[str, Decimal]
) -> list[str]:
    problems: list[str] = []
    at_gateway = await sandbox_refunds(client, reference)
    if sorted(amount(r["amount"]) for r in at_gateway) != sorted(made.values()):
        problems.append(f"invoice {invoice_id}: sandbox holds {at_gateway}, asked {made}")
    keys = Counter(r["idempotency_key"] or r["reference_id"] for r in at_gateway)
    if any(count != 1 for count in keys.values()) or len(keys) != len(made):
        problems.append(f"invoice {invoice_id}: refunds per key at the sandbox {keys}")
    recorded = await refunds_of(client, invoice_id)
    seen = {r["refund_id"]: r for r in recorded}
    if set(seen) != set(made) or len(recorded) != len(made):
        problems.append(f"invoice {invoice_id}: PayTrust recorded {recorded}, made {made}")
    for refund_id, value in made.items():
        refund = seen.get(refund_id)
        if refund is None or (refund["status"], amount(refund["amount_refunded"])) != (
            "succeeded",
            value,
        ):
            problems.append(f"invoice {invoice_id}: refund {refund_id} is {refund}")
    invoice = await client.get_invoice(invoice_id)
    expected = sum(made.values(), Decimal(0))
    if amount(invoice["amount_refunded"]) != expected:
        problems.append(f"invoice {invoice_id}: amount_refunded {invoice['amount_refunded']}")
    [txn] = await client.transactions(invoice_id)
    if amount(txn["refunded_amount"]) != expected:
        problems.append(f"invoice {invoice_id}: transaction refunded {txn['refunded_amount']}")
    response = await client.call("GET", "/events", params={"invoice_id": invoice_id, "limit": 200})
    events = Counter(
        (e["type"], e["data"]["object"]["refund_id"])
        for e in response.json()["data"]
        if e["type"].startswith("refund.")
    )
    for refund_id in made:
        for kind in ("refund.pending", "refund.succeeded"):
            if events[(kind, refund_id)] != 1:
                problems.append(f"{refund_id}: {events[(kind, refund_id)]} {kind} events")
    return problems


async def every_submit_attempt(stack: Stack, invoice_ids: list[int]) -> list[int]:
    """The attempt that completed each submit_refund, over every run of every invoice."""
    temporal = await Client.connect(stack.temporal_target)
    attempts: list[int] = []
    for invoice_id in invoice_ids:
        query = f"WorkflowId='invoice-{invoice_id}'"
        async for run in temporal.list_workflows(query):
            handle = temporal.get_workflow_handle(run.id, run_id=run.run_id)
            attempts += await submit_attempts(handle)
    return attempts


@pytest.mark.slow
async def test_worker_killed_between_the_gateway_call_and_the_write(
    drill_stack: StackFactory,
) -> None:
    chosen = os.environ.get("DRILL_SEEDS")
    seeds = (
        [int(s) for s in chosen.split(",")]
        if chosen
        else [random.SystemRandom().randrange(1, 10**9) for _ in range(3)]
    )
    print(f"\n[refund drill] seeds {seeds}", flush=True)
    stack = drill_stack("paytrust_drill_refund")
    client = MerchantClient.new(stack)
    kills: list[str] = []
    invoice_ids: list[int] = []
    problems: list[str] = []
    try:
        index = 0
        for seed in seeds:
            for plan in plans(seed):
                problems += await run_plan(stack, client, plan, index, kills, invoice_ids)
                index += 1
        print("[refund drill] kills:\n  " + "\n  ".join(kills), flush=True)
        # Every killed gateway call was made again (attempt 2 or later), by a new worker.
        attempts = await every_submit_attempt(stack, invoice_ids)
        print(f"[refund drill] submit_refund completed on attempts {attempts}", flush=True)
        assert len(attempts) == len(kills) and min(attempts) >= 2, attempts
        print(f"[refund drill] client stats {dict(client.stats)}", flush=True)
        assert len(kills) >= 2 * len(seeds), kills
        assert not problems, problems
    finally:
        await client.aclose()
