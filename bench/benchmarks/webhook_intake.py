"""Webhook intake latency with 10,000 WebhookWorkflows parked in retry (NFR-010), and drain.

What "parked in retry" means here. `WebhookWorkflow` retries only *retryable* failures (MySQL
or Temporal unavailable, a timeout) at T+1 min, T+6 min, T+36 min on durable timers; an unknown
invoice fails at once. So the honest way to park thousands of them is the outage they exist
for: the stack's worker is replaced by a worker whose DATABASE_URL points at a closed port (the
worker's view of "MySQL is down"; the api and its database are untouched). Each signed Xendit
callback (distinct, for an invoice PayTrust never issued) then starts a workflow whose attempt 1
fails retryably (resolve_webhook_event: 3 tries in ~1.5 s), which logs the attempt in the
background (that activity keeps retrying, up to every 30 s) and sleeps on its T+1 min timer:
parked. A sample of the workflows is queried (`progress`) until all report `retrying`.

Measured, each as 3 alternating rounds of the floor and the intake at the same concurrency:
- before: the normal worker, nothing parked (these events fail at once as unknown invoices);
- with N parked (10,000; `--quick`: 1,000), the broken worker still running;
- floor: bare Temporal `start_workflow` (a type nobody polls) at the same concurrency.
Then the normal worker comes back and the drain is timed: until no WebhookWorkflow is Running
(visibility count). Each parked workflow's next attempt runs when its timer fires (T+1 min, or
T+6 min for those that had already retried), finds no invoice and fails for good, so the drain
is bounded below by the retry schedule, not by the worker's speed.
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.benchmarks.invoices import closed_loop
from bench.context import BenchContext
from bench.measure import LoadResult, client_limits, table
from bench.registry import benchmark
from contracts.workflows import webhook_workflow_id
from devstack import ROOT, Stack, free_port
from tests.invoices.helpers import xendit_callback

CALLBACK_TOKEN = "sandbox-xendit-callback-token"  # config.py / sandbox/settings.py default
INTAKE_CONCURRENCY = 50
PARK_CONCURRENCY = 100
RUNNING = "WorkflowType='WebhookWorkflow' AND ExecutionStatus='Running'"


def start_broken_worker(stack: Stack) -> int:
    """A worker whose MySQL is unreachable (a closed port); every DB activity fails retryably."""
    env = stack.env()
    name = stack.database_url.rsplit("/", 1)[-1]
    env["DATABASE_URL"] = f"mysql+asyncmy://root@127.0.0.1:{free_port()}/{name}"
    log = None
    if stack.log_dir is not None:
        stack.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(stack.log_dir / "worker-nodb.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "worker.py"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log else None,
        start_new_session=True,
    )
    if log is not None:
        log.close()
    stack.processes["worker-nodb"] = proc
    return proc.pid


def _row(r: LoadResult) -> list[object]:
    return [r.label, r.requests, r.throughput, r.pct_ms(50), r.pct_ms(95), r.pct_ms(99), r.errors]


@benchmark(
    "webhook_intake",
    "POST /webhooks/xendit latency before and with 10,000 webhook workflows parked in retry",
)
async def webhook_intake(ctx: BenchContext) -> dict[str, Any]:
    parked_target = ctx.scale(10_000, 1_000)
    per_round = ctx.scale(300, 100)
    run = uuid.uuid4().hex[:8]
    client = await Client.connect(ctx.stack.temporal_target, data_converter=pydantic_data_converter)
    limits = client_limits(300)
    http = httpx.AsyncClient(base_url=ctx.api_url, timeout=60, limits=limits)
    serial = iter(range(10**9))
    started_ids: list[str] = []

    async def post_callback(prefix: str) -> int:
        n = next(serial)
        reference = f"bench-{run}-{prefix}-{n}"
        body = xendit_callback(
            reference=reference,
            external_id=f"bench-unknown-{run}-{n}",  # not a PayTrust merchant reference
            amount="150000",
            currency="IDR",
        )
        response = await http.post(
            "/webhooks/xendit",
            content=body,
            headers={"x-callback-token": CALLBACK_TOKEN, "content-type": "application/json"},
        )
        if response.status_code == 200 and response.json().get("status") == "accepted":
            started_ids.append(webhook_workflow_id("xendit", f"{reference}:PAID"))
        return response.status_code

    async def bare_start(_: int) -> int:
        await client.start_workflow(
            "BenchFloorWorkflow",
            id=f"bench-wh-floor-{run}-{next(serial)}",
            task_queue=f"bench-wh-floor-{run}",
        )
        return 200

    async def phase(tag: str) -> dict[str, LoadResult]:
        """3 alternating rounds of floor and intake at INTAKE_CONCURRENCY."""
        floor = LoadResult(label=f"floor: bare start_workflow ({tag})", concurrency=0)
        intake = LoadResult(label=f"POST /webhooks/xendit ({tag})", concurrency=0)
        for index in range(3):
            order = [(floor, bare_start), (intake, None)]
            if index % 2:
                order.reverse()
            for result, fn in order:
                part = await closed_loop(
                    result.label,
                    per_round,
                    INTAKE_CONCURRENCY,
                    fn if fn is not None else (lambda _i: post_callback(tag)),
                )
                result.merge(part)
                result.concurrency = INTAKE_CONCURRENCY
        return {"floor": floor, "intake": intake}

    figures: dict[str, Any] = {"parked_target": parked_target, "concurrency": INTAKE_CONCURRENCY}
    worker_swapped = False
    try:
        await closed_loop("warm-up", 50, 10, lambda _i: post_callback("warm"))
        before = await phase("nothing parked")

        ctx.stack.stop_process("worker")
        worker_swapped = True
        broken_pid = start_broken_worker(ctx.stack)
        started_ids.clear()
        park = await closed_loop(
            "park: POST /webhooks/xendit",
            parked_target,
            PARK_CONCURRENCY,
            lambda _i: post_callback("park"),
        )
        park_started = len(started_ids)
        park_ids = list(started_ids)
        ctx.out(
            f"parking: {park.requests} signed callbacks at {PARK_CONCURRENCY} concurrent in "
            f"{park.elapsed:.1f} s ({park.throughput:.0f}/s, p99 {park.pct_ms(99):.0f} ms), "
            f"{park_started} workflows started; worker without MySQL pid {broken_pid}"
        )
        parked = await wait_parked(ctx, client, park_ids)
        ctx.out(
            f"after waiting {parked['waited_s']} s: {parked['sample_retrying']} of a sample of "
            f"{parked['sample']} parked workflows report 'retrying' "
            f"(attempt number: count {parked['sample_attempts']})"
        )
        running = (await client.count_workflows(RUNNING)).count
        with_parked = await phase(f"{running} parked")

        # Drain: the normal worker back (MySQL reachable again, from its point of view).
        ctx.stack.stop_process("worker-nodb")
        before_count = (await client.count_workflows(RUNNING)).count
        ctx.stack.start_worker()
        worker_swapped = False
        drain = await wait_drained(ctx, client, before_count)
    finally:
        if worker_swapped:
            ctx.stack.stop_process("worker-nodb")
            ctx.stack.start_worker()
        await http.aclose()

    rows = [
        _row(before["floor"]),
        _row(before["intake"]),
        _row(with_parked["floor"]),
        _row(with_parked["intake"]),
    ]
    ctx.out(
        f"closed loop, {INTAKE_CONCURRENCY} concurrent, 3 alternating rounds of {per_round} "
        "(floor first, then intake first, then floor first)"
    )
    ctx.out(table(["what", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows))
    b, w = before["intake"], with_parked["intake"]
    ctx.out(
        f"intake p99 with {running} parked / nothing parked: "
        f"x{w.pct_ms(99) / max(b.pct_ms(99), 1e-9):.2f}; intake p50 over the floor's p50: "
        f"x{b.pct_ms(50) / max(before['floor'].pct_ms(50), 1e-9):.2f} (before), "
        f"x{w.pct_ms(50) / max(with_parked['floor'].pct_ms(50), 1e-9):.2f} (parked)"
    )
    ctx.out(
        f"drain: {drain['running_at_swap']} running when the normal worker came back; "
        + (
            f"none running after {drain['drain_s']:.1f} s"
            if drain["drained"]
            else f"{drain['running_at_end']} still running after {drain['waited_s']:.0f} s"
        )
        + f" (first finished after {drain['first_finished_s']} s; "
        f"all WebhookWorkflows so far: {drain['failed']} failed for good, "
        f"{drain['completed']} completed)"
    )
    figures.update(
        {
            "parking": park.figures() | {"workflows_started": park_started},
            "parked_sample": parked,
            "parked_running_count": running,
            "before": {k: v.figures() for k, v in before.items()},
            "with_parked": {k: v.figures() for k, v in with_parked.items()},
            "drain": drain,
        }
    )
    return figures


async def wait_parked(ctx: BenchContext, client: Client, ids: list[str]) -> dict[str, Any]:
    """Until a sample (the 20 started last + 30 at random) all report status 'retrying', or a
    time limit (then the benchmark goes on and says how many of the sample were)."""
    limit = ctx.scale(900, 120)
    sample_ids = ids[-20:] + random.sample(ids, min(30, len(ids)))
    started = time.perf_counter()
    while True:
        attempts: list[int] = []
        for workflow_id in sample_ids:
            try:
                progress = await client.get_workflow_handle(workflow_id).query("progress")
            except Exception:
                continue
            if progress.get("status") == "retrying":
                attempts.append(int(progress.get("attempt", 0)))
        elapsed = time.perf_counter() - started
        if len(attempts) == len(sample_ids) or elapsed > limit:
            return {
                "waited_s": round(elapsed, 1),
                "sample": len(sample_ids),
                "sample_retrying": len(attempts),
                "sample_attempts": dict(sorted(Counter(attempts).items())),
            }
        await asyncio.sleep(2)


async def wait_drained(ctx: BenchContext, client: Client, at_swap: int) -> dict[str, Any]:
    """Poll the visibility count of Running WebhookWorkflows every second until 0."""
    limit = ctx.scale(45 * 60, 150)
    started = time.perf_counter()
    first_finished: float | None = None
    timeline: list[tuple[float, int]] = []
    running = at_swap
    while True:
        await asyncio.sleep(1)
        running = (await client.count_workflows(RUNNING)).count
        elapsed = time.perf_counter() - started
        timeline.append((round(elapsed, 1), running))
        if first_finished is None and running < at_swap:
            first_finished = elapsed
        if running == 0 or elapsed > limit:
            break
    failed = (
        await client.count_workflows("WorkflowType='WebhookWorkflow' AND ExecutionStatus='Failed'")
    ).count
    completed = (
        await client.count_workflows(
            "WorkflowType='WebhookWorkflow' AND ExecutionStatus='Completed'"
        )
    ).count
    elapsed = time.perf_counter() - started
    return {
        "running_at_swap": at_swap,
        "drained": running == 0,
        "drain_s": round(elapsed, 1) if running == 0 else None,
        "waited_s": round(elapsed, 1),
        "running_at_end": running,
        "first_finished_s": round(first_finished, 1) if first_finished is not None else None,
        "failed": failed,
        "completed": completed,
        "timeline_every_10": timeline[::10],
    }
