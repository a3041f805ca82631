"""Merchant webhooks: event → delivered latency under a steady payment load, and the drain of
a queue after a receiver comes back (the delivery schedule compressed 1000×, as
WEBHOOK_DELIVERY_SCALE=0.001 on the bench stack).

1. Latency: invoices are created and payment-initiated beforehand; then the sandbox pays
   20 of them per second (open loop, each paid in full: the sandbox sends the gateway's
   webhook to the api, the worker applies it and writes `invoice.paid`, the delivery workflow
   POSTs it). Per event: the event's `created_at` (its commit, from the body) to its arrival at
   the sandbox receiver (`received_at`, same host clock). Floor: the same receiver, POSTed a
   body of the same size at the same rate by a bare httpx client in a separate process (what
   a delivery costs without PayTrust: the HTTP round trip to the receiver).
2. Drain: a second endpoint's receiver is down (503) while N = 2,000 (--quick 200)
   `invoice.updated` events are written on 20 invoices (100 each: through
   `db.events.record_event` under the row lock, as the activities do, and handed over as the
   worker does; creating 2,000 invoices through the api would take this 2-core machine minutes
   and measure invoice creation). Each invoice's first delivery fails and sleeps on its retry
   timer, the other 99 wait behind it (ordering); then the receiver recovers and the time until
   all N arrived is measured: bounded below by the next retry (the "schedule bound" printed
   beside it), then each invoice's queue drains one delivery at a time. Floor: N bare POSTs to
   the receiver at concurrency 20 (one per invoice queue) from a separate process.
"""

from __future__ import annotations

import asyncio
import functools
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from bench.benchmarks.invoices import closed_loop, invoice_body
from bench.context import BenchContext
from bench.measure import open_loop, percentile, table
from bench.registry import benchmark
from devstack import ROOT

RATE = 20.0
# A rate the whole stack sustains on this 2-core machine (pay → event stays flat).
SUSTAINED_RATE = 5.0
DRAIN_INVOICES = 20
FLOOR_SCRIPT = r"""
import asyncio, json, sys, time
import httpx

async def main(url, count, rate, concurrency, size):
    body = json.dumps({"pad": "x" * size}).encode()
    latencies = []
    async with httpx.AsyncClient(timeout=15) as http:
        semaphore = asyncio.Semaphore(concurrency)
        async def one(i, scheduled):
            async with semaphore:
                await http.post(url, content=body, headers={"content-type": "application/json"})
            latencies.append(time.perf_counter() - scheduled)
        t0 = time.perf_counter()
        tasks = []
        for i in range(count):
            scheduled = t0 + (i / rate if rate else 0)
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, scheduled)))
        await asyncio.gather(*tasks)
        print(json.dumps({"latencies": latencies, "elapsed": time.perf_counter() - t0}))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]),
                 int(sys.argv[5])))
"""


def floor(url: str, count: int, rate: float, concurrency: int, size: int) -> dict[str, Any]:
    """Bare POSTs from a separate process (not this benchmark's event loop)."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            FLOOR_SCRIPT,
            url,
            str(count),
            str(rate),
            str(concurrency),
            str(size),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def ms(values: list[float], pct: float) -> float:
    return round(percentile(sorted(values), pct) * 1000, 1)


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@benchmark(
    "merchant_webhooks",
    "event → delivered p50/p95 at 20 paid invoices/s; drain of 2,000 queued events",
)
async def merchant_webhooks(ctx: BenchContext) -> dict[str, Any]:
    if not ctx.has_sandbox:
        return {"skipped": "needs the sandbox (receivers)"}
    run = uuid.uuid4().hex[:8]
    tenant, key = await ctx.create_merchant_key(name="bench-webhooks")
    headers = {"X-API-Key": key}
    sandbox = httpx.AsyncClient(base_url=ctx.stack.sandbox_url, timeout=60)
    api = ctx.http
    duration = ctx.scale(20, 6)
    paid_count = int(RATE * duration)
    queued = ctx.scale(2000, 200)

    async def endpoint(name: str, events: list[str]) -> tuple[str, int]:
        url = f"{ctx.stack.sandbox_url}/_sandbox/receivers/{name}"
        created = await api.post(
            "/webhook-endpoints", json={"url": url, "events": events}, headers=headers
        )
        created.raise_for_status()
        secret = created.json()["secret"]
        configured = await sandbox.put(f"/_sandbox/receivers/{name}", json={"secret": secret})
        configured.raise_for_status()
        return url, int(created.json()["id"])

    async def received(name: str, event_type: str) -> list[dict[str, Any]]:
        seen = (await sandbox.get(f"/_sandbox/receivers/{name}")).json()["deliveries"]
        return [
            d
            for d in seen
            if d["answered"] == 200 and d["event"] and d["event"]["type"] == event_type
        ]

    figures: dict[str, Any] = {"rate_per_s": RATE, "paid_invoices": paid_count}
    drain_receiver = f"bench-drain-{run}"
    try:
        # --- 1. latency at 20 paid invoices/s, and at a rate this machine sustains ----------
        for label, rate, count in (
            ("latency", RATE, paid_count),
            ("latency_sustained", SUSTAINED_RATE, int(SUSTAINED_RATE * duration)),
        ):
            receiver = f"bench-{label}-{run}"
            url, _ = await endpoint(receiver, ["invoice.paid"])
            figures[label] = await latency_at(
                ctx,
                api,
                sandbox,
                headers,
                rate,
                count,
                url,
                functools.partial(received, receiver, "invoice.paid"),
            )
        # --- 2. drain of queued events after the receiver recovers ---------------------------
        drain_url, drain_endpoint = await endpoint(drain_receiver, ["invoice.updated"])
        await sandbox.put(f"/_sandbox/receivers/{drain_receiver}", json={"down": True})

        invoice_ids: list[int] = []

        async def create(_: int) -> int:
            response = await api.post("/invoices", json=invoice_body(), headers=headers)
            if response.status_code == 201:
                invoice_ids.append(int(response.json()["id"]))
            return response.status_code

        await closed_loop("queue: invoices", DRAIN_INVOICES, 10, create)
        began_queueing = time.perf_counter()
        await queue_updates(ctx, tenant, invoice_ids, queued // len(invoice_ids))
        ctx.out(
            f"  queued {queued} invoice.updated events on {len(invoice_ids)} invoices "
            f"(receiver down) in {time.perf_counter() - began_queueing:.1f}s"
        )
        # Let every queued delivery fail at least once, then recover the receiver.
        await asyncio.sleep(2)
        horizon = await next_attempt_horizon(ctx, drain_endpoint)
        await sandbox.put(f"/_sandbox/receivers/{drain_receiver}", json={"down": False})
        recovered = time.monotonic()
        delivered = 0
        deadline = recovered + 300
        while time.monotonic() < deadline:
            delivered = len(
                {d["webhook_id"] for d in await received(drain_receiver, "invoice.updated")}
            )
            if delivered >= queued:
                break
            await asyncio.sleep(0.5)
        drain_s = time.monotonic() - recovered
        bare_drain = floor(drain_url, queued, 0, DRAIN_INVOICES, figures["latency"]["body_size"])
        figures["drain"] = {
            "queued_events": queued,
            "delivered": delivered,
            "drain_after_recovery_s": round(drain_s, 2),
            "schedule_bound_s": horizon,
            "floor_bare_posts_s": round(bare_drain["elapsed"], 2),
        }
    finally:
        await sandbox.aclose()

    drain = figures["drain"]
    rows: list[list[Any]] = []
    for label in ("latency", "latency_sustained"):
        lat = figures[label]
        rows += [
            [
                f"event → delivered p50 ms ({lat['events']} invoice.paid, paid at "
                f"{lat['rate_per_s']:.0f}/s)",
                lat["event_to_delivered_p50_ms"],
                lat["floor_bare_post_p50_ms"],
            ],
            [
                "event → delivered p95 ms",
                lat["event_to_delivered_p95_ms"],
                lat["floor_bare_post_p95_ms"],
            ],
            [
                "  pay → event written p50 / p95 ms (the payment path, before delivery)",
                f"{lat['pay_to_event_p50_ms']} / {lat['pay_to_event_p95_ms']}",
                "",
            ],
            [
                "  invoices paid per second by the stack (events written / their span)",
                lat["achieved_paid_per_s"],
                lat["rate_per_s"],
            ],
        ]
    ctx.out(
        table(
            ["measure", "PayTrust", "floor (bare POST) / offered"],
            [
                *rows,
                [
                    f"drain of {drain['queued_events']} queued events, s (schedule bound "
                    f"{drain['schedule_bound_s']} s)",
                    drain["drain_after_recovery_s"],
                    drain["floor_bare_posts_s"],
                ],
            ],
        )
    )
    return figures


async def latency_at(
    ctx: BenchContext,
    api: httpx.AsyncClient,
    sandbox: httpx.AsyncClient,
    headers: dict[str, str],
    rate: float,
    count: int,
    receiver_url: str,
    received: Callable[[], Awaitable[list[dict[str, Any]]]],
) -> dict[str, Any]:
    """`count` invoices, payment-initiated beforehand, paid at the sandbox at `rate` per
    second (open loop); per `invoice.paid`: pay → event written, event → delivered."""
    references: list[str] = []
    invoice_of: dict[str, int] = {}

    async def prepare(_: int) -> int:
        created = await api.post("/invoices", json=invoice_body(), headers=headers)
        if created.status_code != 201:
            return created.status_code
        link = await api.post(
            f"/invoices/{created.json()['id']}/payments", json={}, headers=headers
        )
        if link.status_code == 201:
            reference = link.json()["gateway_reference"]
            references.append(reference)
            invoice_of[reference] = int(created.json()["id"])
        return link.status_code

    # Warm up the key's authentication (one argon2 verification), then go.
    (await api.get("/gateways", headers=headers)).raise_for_status()
    prepared = await closed_loop("prepare", count, 10, prepare)
    ctx.out(
        f"  prepared {len(references)} payment links in {prepared.elapsed:.1f}s "
        f"(statuses {dict(prepared.statuses)})"
    )
    paid_at: dict[int, float] = {}

    async def pay(index: int) -> int:
        reference = references[index]
        paid_at[invoice_of[reference]] = time.time()
        response = await sandbox.post(f"/_sandbox/payments/{reference}/pay", json={})
        return response.status_code

    paying = await open_loop(f"sandbox pay at {rate:.0f}/s", rate, len(references) / rate, pay)
    deadline = time.monotonic() + 180
    got: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        got = await received()
        if len(got) >= len(references):
            break
        await asyncio.sleep(1)
    created = [parse_time(d["event"]["created_at"]) for d in got]
    latencies = [d["received_at"] - at for d, at in zip(got, created, strict=True)]
    to_event = [
        at - paid_at[d["event"]["data"]["object"]["id"]]
        for d, at in zip(got, created, strict=True)
        if d["event"]["data"]["object"]["id"] in paid_at
    ]
    span = max(created) - min(created) if len(created) > 1 else 0.0
    size = len(got[0]["body"]) if got else 1000
    bare = floor(receiver_url, len(references), rate, 50, size)
    return {
        "rate_per_s": rate,
        "body_size": size,
        "events": len(latencies),
        "pay_send_rate": round(paying.achieved_send_rate, 1),
        "achieved_paid_per_s": round((len(created) - 1) / span, 1) if span else None,
        "pay_to_event_p50_ms": ms(to_event, 50),
        "pay_to_event_p95_ms": ms(to_event, 95),
        "event_to_delivered_p50_ms": ms(latencies, 50),
        "event_to_delivered_p95_ms": ms(latencies, 95),
        "floor_bare_post_p50_ms": ms(bare["latencies"], 50),
        "floor_bare_post_p95_ms": ms(bare["latencies"], 95),
    }


async def queue_updates(
    ctx: BenchContext, tenant_id: str, invoice_ids: list[int], per_invoice: int
) -> None:
    """`per_invoice` invoice.updated events on each invoice, written the way the activities
    write them (`db.events.record_event` under the invoice row lock, the invoice as GET renders
    it), then handed over to the delivery workflows as the worker does after an activity."""
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter

    from db import events, invoices
    from db.engine import create_engine, create_session_factory, transaction
    from db.resources import render
    from notify.dispatch import dispatch_invoice

    engine = create_engine(ctx.database_url)
    sessions = create_session_factory(engine)
    client = await Client.connect(ctx.stack.temporal_target, data_converter=pydantic_data_converter)
    try:
        for invoice_id in invoice_ids:
            async with transaction(sessions) as session:
                invoice = await invoices.InvoiceRepository(session, tenant_id).lock(invoice_id)
                assert invoice is not None
                obj = (await render(session, invoice)).model_dump(mode="json")
                for _ in range(per_invoice):
                    await events.record_event(session, invoice, "invoice.updated", obj)
            await dispatch_invoice(sessions, client, "paytrust", tenant_id, invoice_id)
    finally:
        await engine.dispose()


async def next_attempt_horizon(ctx: BenchContext, endpoint_id: int) -> float | None:
    """Seconds from now to the latest next attempt PayTrust has scheduled for the endpoint's
    pending deliveries (MySQL): how long the retry schedule alone makes the drain last."""
    from sqlalchemy import text

    from db.engine import create_engine

    engine = create_engine(ctx.database_url)
    try:
        async with engine.connect() as conn:
            latest = (
                await conn.execute(
                    text(
                        "SELECT MAX(next_attempt_at) FROM webhook_deliveries "
                        "WHERE endpoint_id = :e AND status = 'pending'"
                    ),
                    {"e": endpoint_id},
                )
            ).scalar()
    finally:
        await engine.dispose()
    if latest is None:
        return None
    now = datetime.now(UTC).replace(tzinfo=None)
    return round((latest - now).total_seconds(), 2)
