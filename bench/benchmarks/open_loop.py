"""Open-loop `POST /invoices` latency at half the closed-loop throughput (issue 7; NFR-001/002).

1. closed loop, 100 concurrent clients, briefly, and wrk (100 connections) when installed: the
   throughput the stack sustains (`X`: the requests over the time until the worker and Temporal
   have also worked off what the burst left them; the higher of the two drivers, since the
   Python client can be the limit); the stack is quiet before each step;
2. floor: bare Temporal `start_workflow` (a workflow type nobody polls) sent open loop at X/2
   (for half the duration, at most 30 s), the durable start every `POST /invoices` contains;
3. `POST /invoices` sent open loop at X/2 for `BENCH_OPEN_LOOP_SECONDS` (300 s; `--quick`:
   30 s): each request leaves at its scheduled time whether earlier ones have answered or not,
   and its latency runs from that scheduled time (no coordinated omission).

The client is this process (httpx); its own send lag is printed so a saturated client shows.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.benchmarks.invoices import CONCURRENCY, closed_loop, invoice_body, post_with_wrk
from bench.context import BenchContext
from bench.measure import OpenLoopResult, client_limits, open_loop, table
from bench.proc import ensure_wrk
from bench.quiet import wait_until_quiet
from bench.registry import benchmark
from db.engine import create_engine


def _row(result: OpenLoopResult) -> list[object]:
    f = result.figures()
    return [
        result.load.label,
        f["target_rate_rps"],
        f["achieved_send_rate_rps"],
        f["requests"],
        f["p50_ms"],
        f["p95_ms"],
        f["p99_ms"],
        max(result.load.latencies, default=0.0) * 1000,
        f["errors"],
        result.load.concurrency,
        f["send_lag_p99_ms"],
    ]


@benchmark(
    "open_loop",
    "POST /invoices open loop at half the closed-loop throughput: p50/p95/p99 (NFR-001/002)",
)
async def open_loop_invoices(ctx: BenchContext) -> dict[str, Any]:
    seconds = float(os.environ.get("BENCH_OPEN_LOOP_SECONDS", ctx.scale(300, 30)))
    _, key = await ctx.create_merchant_key(name="bench open_loop")
    headers = {"X-API-Key": key}
    limits = client_limits(2000, keepalive=500)
    client = await Client.connect(ctx.stack.temporal_target, data_converter=pydantic_data_converter)
    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=ctx.api_url, timeout=60, limits=limits) as http:

        async def create(_: int) -> int:
            response = await http.post("/invoices", json=invoice_body(), headers=headers)
            return response.status_code

        async def bare_start(i: int) -> int:
            await client.start_workflow(
                "BenchFloorWorkflow", id=f"bench-open-{run}-{i}", task_queue=f"bench-open-{run}"
            )
            return 200

        await closed_loop("warm-up", 50, 10, create)
        await wait_until_quiet(ctx, what="before the closed loop")
        started = time.perf_counter()
        closed = await closed_loop(
            "POST /invoices closed loop", ctx.scale(1500, 400), CONCURRENCY, create
        )
        # The capacity is what the stack sustains: the requests over the time until the worker
        # and Temporal have also run what the burst left them (each new invoice's first
        # workflow task), not the burst's own rate.
        await wait_until_quiet(ctx, what="after the closed loop")
        drained = time.perf_counter() - started - 1.0  # the last, quiet second
        capacity = min(closed.throughput, closed.requests / max(drained, 1e-9))
        driven_by = "the Python client"
        wrk = ensure_wrk()
        if wrk is not None:
            # The Python client can be the limit of a closed loop (it costs about as much CPU
            # per call as the api): wrk's sustained rate is the stack's capacity.
            wrk_tenant, wrk_key = await ctx.create_merchant_key(name="bench open_loop wrk")
            engine = create_engine(ctx.database_url, pool_size=2, max_overflow=0)
            try:
                _, _, counted = await post_with_wrk(
                    ctx, wrk, wrk_key, wrk_tenant, ctx.scale(12, 4), engine
                )
                wrk_drain = max(await wait_until_quiet(ctx, what="after wrk") - 1.0, 0.0)
            finally:
                await engine.dispose()
            wrk_capacity = counted["created_in_all"] / max(counted["run_s"] + wrk_drain, 1e-9)
            if wrk_capacity > capacity:
                capacity, driven_by = wrk_capacity, "wrk"
        rate = max(1.0, capacity / 2)
        ctx.out(
            f"closed loop, {CONCURRENCY} clients, {closed.requests} requests: "
            f"{closed.throughput:.1f} req/s (p50 {closed.pct_ms(50):.1f} ms, "
            f"p99 {closed.pct_ms(99):.1f} ms, errors {closed.errors}); capacity (sustained, "
            f"driven by {driven_by}): {capacity:.1f}/s -> open-loop rate {rate:.1f} req/s"
        )
        floor = await open_loop(
            "floor: bare Temporal start_workflow", rate, min(seconds / 2, 30.0), bare_start
        )
        await wait_until_quiet(ctx, what="before the open loop")
        ctx.out(f"open loop POST /invoices at {rate:.1f} req/s for {seconds:.0f} s ...")
        result = await open_loop("POST /invoices", rate, seconds, create)
    ctx.out(
        table(
            [
                "open loop",
                "target/s",
                "sent/s",
                "requests",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "errors",
                "peak in flight",
                "send lag p99 ms",
            ],
            [_row(floor), _row(result)],
        )
    )
    f = result.figures()
    ctx.out(
        f"POST /invoices at half capacity: p50 {f['p50_ms']:.1f} / p95 {f['p95_ms']:.1f} / "
        f"p99 {f['p99_ms']:.1f} ms (floor p99 {floor.figures()['p99_ms']:.1f} ms); "
        f"completed {f['completion_rate_rps']:.1f}/s of {rate:.1f}/s; statuses {f['statuses']}"
    )
    return {
        "closed_loop": closed.figures(),
        "sustained_capacity_rps": round(capacity, 2),
        "capacity_driven_by": driven_by,
        "open_loop_rate_rps": round(rate, 2),
        "floor_open_loop_temporal_start": floor.figures(),
        "post_invoices_open_loop": f,
    }
