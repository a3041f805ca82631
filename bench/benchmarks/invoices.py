"""Invoice creation and payment visibility, each beside its floor measured in the same run.

- floor 1: bare Temporal `start_workflow` (a workflow type nobody polls, so the server's cost
  of a durable start and nothing else), at the same concurrency;
- floor 1b, for information: bare start of a workflow that a worker (a separate process,
  bench/floor_worker.py) runs, whose first and only task starts a one-day timer: the floor any
  workflow that runs pays; its rate is the starts over the time from the first start until the
  last run's first task completed (server event times);
- floor 2: bare MySQL insert + commit of one small row, at the same concurrency (the pool
  limits real parallelism, as it does for the api);
- `POST /invoices` at 100 concurrent clients: validation, totals, insert of the invoice, its
  lines, workflow start, commit; throughput and latency, and its ratio to the floors. Driven
  twice: by the Python client (httpx, in this process) and, once the stack has settled, by wrk
  (100 connections, a Lua script giving each body its own external_id), whose CPU is a fraction
  of the Python client's; the headline ratio uses wrk's figure when wrk is there;
- `GET /invoices/{id}`;
- pay-to-visible: sandbox Pay → signed webhook → WebhookWorkflow → InvoiceWorkflow → MySQL →
  `GET` shows `fully_paid` (needs the sandbox).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench.context import BenchContext
from bench.floor_workflow import ONE_TASK_WORKFLOW
from bench.measure import LoadResult, table
from bench.proc import CpuMeter, WrkResult, ensure_wrk, find_pid, post_script, run_wrk
from bench.profiling import profile
from bench.profiling import wanted as profiling_wanted
from bench.quiet import wait_until_quiet
from bench.registry import benchmark
from db.engine import create_engine
from devstack import ROOT

CONCURRENCY = 100
EXTERNAL_ID_MARKER = "@EXTERNAL_ID@"


async def closed_loop(
    label: str, total: int, concurrency: int, call: Callable[[int], Awaitable[int]]
) -> LoadResult:
    """`total` calls from `concurrency` workers; `call(i)` returns a status (200-ish = ok)."""
    result = LoadResult(label=label, concurrency=concurrency)
    tickets = iter(range(total))

    async def loop() -> None:
        for index in tickets:
            started = time.perf_counter()
            try:
                status = await call(index)
            except Exception as exc:
                status = 0
                result.exceptions[type(exc).__name__] += 1
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] += 1

    started = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


def invoice_body() -> dict[str, Any]:
    return {
        "external_id": f"bench-{uuid.uuid4().hex}",
        "currency": "IDR",
        "gateway_id": 1,
        "description": "bench",
        "line_items": [
            {"description": "Widget", "quantity": 2, "unit_price": "50000", "tax_rate": "0.11"},
            {"description": "Gadget", "quantity": 1, "unit_price": "12500", "tax_rate": "0"},
        ],
    }


def row(result: LoadResult) -> list[object]:
    f = result.figures()
    return [result.label, f["throughput_rps"], f["p50_ms"], f["p95_ms"], f["p99_ms"], f["errors"]]


@benchmark(
    "invoices",
    "POST /invoices (Python client and wrk) vs. bare Temporal starts and bare insert; GET; "
    "pay-to-visible",
)
async def invoices(ctx: BenchContext) -> dict[str, Any]:
    total = ctx.scale(1000, 200)
    wrk_seconds = ctx.scale(12, 4)
    wrk = ensure_wrk()
    _, key = await ctx.create_merchant_key(name="bench invoices")
    headers = {"X-API-Key": key}
    wrk_tenant, wrk_key = await ctx.create_merchant_key(name="bench invoices wrk")
    client = await Client.connect(ctx.stack.temporal_target, data_converter=pydantic_data_converter)
    engine = create_engine(ctx.database_url, pool_size=10, max_overflow=20)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_floor (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                "tenant_id VARCHAR(64), amount DECIMAL(19,4), created_at DATETIME(6))"
            )
        )
    run = uuid.uuid4().hex[:8]

    async def bare_start(i: int) -> int:
        await client.start_workflow(
            "BenchFloorWorkflow", id=f"bench-floor-{run}-{i}", task_queue=f"bench-floor-{run}"
        )
        return 200

    async def bare_insert(i: int) -> int:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO bench_floor (tenant_id, amount, created_at) "
                    "VALUES (:t, :a, UTC_TIMESTAMP(6))"
                ),
                {"t": "bench", "a": i},
            )
        return 200

    created: list[int] = []

    async def create(_: int) -> int:
        response = await ctx.http.post("/invoices", json=invoice_body(), headers=headers)
        if response.status_code == 201:
            created.append(response.json()["id"])
        return response.status_code

    meter = CpuMeter(stack_pids(ctx))
    meter.start()
    temporal_floor = await closed_loop(
        "bare Temporal start_workflow", total, CONCURRENCY, bare_start
    )
    phase_cpu = {"bare start": per_1000(meter.stop(), total)}
    one_task, one_task_figures, phase_cpu["bare start, 1 task run"] = await one_task_floor(
        ctx, client, run, total
    )
    insert_floor = await closed_loop("bare MySQL insert+commit", total, CONCURRENCY, bare_insert)
    meter.start()
    client_cpu = time.process_time()
    create_result = await closed_loop("POST /invoices", total, CONCURRENCY, create)
    client_cpu = time.process_time() - client_cpu
    phase_cpu["POST /invoices (during)"] = per_1000(meter.stop(), total)

    async def read(i: int) -> int:
        invoice_id = created[i % len(created)]
        response = await ctx.http.get(f"/invoices/{invoice_id}", headers=headers)
        return response.status_code

    get_result = await closed_loop("GET /invoices/{id}", total, 20, read) if created else None

    figures: dict[str, Any] = {"concurrency": CONCURRENCY}
    wrk_result: WrkResult | None = None
    wrk_db: dict[str, Any] = {}
    # What the burst left the worker and Temporal (each new invoice's first workflow task)
    # is part of its cost and of its rate: the sustained rate counts the time until the stack
    # is quiet again (less the quiet second that shows it), and nothing else runs meanwhile.
    meter.start()
    python_drain = max(await wait_until_quiet(ctx, what="after the Python loop") - 1.0, 0.0)
    phase_cpu["POST /invoices (after, settling)"] = per_1000(meter.stop(), total)
    python_sustained = round(
        create_result.requests / max(create_result.elapsed + python_drain, 1e-9), 1
    )
    if wrk is not None:
        wrk_result, used, wrk_db = await post_with_wrk(
            ctx, wrk, wrk_key, wrk_tenant, wrk_seconds, engine
        )
        phase_cpu["POST /invoices (wrk)"] = per_1000(used, wrk_db["created_during_run"])
        meter.start()
        wrk_drain = max(await wait_until_quiet(ctx, what="after wrk") - 1.0, 0.0)
        phase_cpu["POST /invoices (wrk, after, settling)"] = per_1000(
            meter.stop(), wrk_db["created_in_all"]
        )
        wrk_db["drain_s"] = round(wrk_drain, 2)
        wrk_db["sustained_per_s"] = round(
            wrk_db["created_in_all"] / max(wrk_db["run_s"] + wrk_drain, 1e-9), 1
        )
        figures["post_invoices_wrk"] = {
            "wrk": {name: round(value, 3) for name, value in vars(wrk_result).items()},
            "connections": CONCURRENCY,
            "duration_s": wrk_seconds,
            **wrk_db,
        }
        if profiling_wanted():
            await profile_posts(ctx, wrk, wrk_key)

    # The one-task floor's req/s is its sustained rate; its latencies are the start calls'.
    one_task_row = [one_task.label, one_task_figures["rate_per_s"], *row(one_task)[2:]]
    rows_out = [row(temporal_floor), one_task_row, row(insert_floor), row(create_result)]
    if wrk_result is not None:
        rows_out.append(wrk_row(wrk_result))
    if get_result:
        rows_out.append(row(get_result))
    ctx.out(
        f"closed loop, {CONCURRENCY} concurrent clients (GET: 20), {total} calls each"
        + (f"; wrk: {CONCURRENCY} connections for {wrk_seconds} s" if wrk_result else "")
    )
    ctx.out(table(["what", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"], rows_out))
    for result in (temporal_floor, one_task, insert_floor, create_result, get_result):
        if result is not None and result.errors:
            raised = dict(result.exceptions)
            ctx.out(f"  {result.label}: statuses {dict(result.statuses)}, raised {raised}")
    ctx.out(
        f"  {one_task.label}: req/s is {one_task_figures['started']} starts over the "
        f"{one_task_figures['first_start_to_last_first_task_s']} s from the first start until "
        "the last run's first workflow task completed (the start calls alone: "
        f"{one_task_figures['start_calls_rps']}/s); p50-p99 are the start calls'"
    )
    if wrk_result is not None:
        ctx.out(
            f"  POST /invoices (wrk): {wrk_result.requests} answers read by wrk in "
            f"{wrk_result.seconds:.2f} s, {wrk_result.non_2xx} non-2xx, "
            f"{wrk_result.socket_errors} socket errors; it reports no p95. wrk leaves out the "
            f"requests in flight when it stops (up to {CONCURRENCY}: short runs read low); "
            f"the database shows {wrk_db['created_during_run']} invoices inserted during its "
            f"{wrk_db['run_s']} s run ({wrk_db['rate_per_s']}/s, which counts them), "
            f"{wrk_db['created_in_all']} in all"
        )
    floors = {
        "temporal_start_per_s": temporal_floor.figures()["throughput_rps"],
        "one_task_start_per_s": one_task_figures["rate_per_s"],
        "insert_per_s": insert_floor.figures()["throughput_rps"],
    }
    python_rate = create_result.figures()["throughput_rps"]
    drivers = [
        ("Python httpx, sustained", python_sustained),
        ("Python httpx, answers", python_rate),
    ]
    if wrk_result is not None:
        drivers[:0] = [
            ("wrk, sustained", wrk_db["sustained_per_s"]),
            ("wrk, answers", round(wrk_result.rps, 1)),
            ("wrk, inserts during the run", wrk_db["rate_per_s"]),
        ]
    ratios = {name: ratios_to(rate, floors) for name, rate in drivers}
    ctx.out("POST /invoices / floor rate")
    ctx.out(
        table(
            ["driven by", "req/s", "bare start", "1-task start", "bare insert"],
            [[name, rate, *ratios[name].values()] for name, rate in drivers],
        )
    )
    ctx.out(
        "  sustained: the invoices over the time until the worker and Temporal had also run "
        f"what the load left them (Python: {python_drain:.1f} s after its last answer"
        + (f"; wrk: {wrk_db['drain_s']} s" if wrk_result is not None else "")
        + "); the bare starts leave nothing behind, so their rate is their sustained rate"
    )
    headline_by, create_rate = drivers[0]
    headline = ratios[headline_by]
    ctx.out(
        f"POST /invoices, sustained = {headline['temporal_start']:.2f} x the bare Temporal "
        f"start rate (goal >= 0.5), {headline['insert']:.2f} x the bare insert rate, driven by "
        + ("wrk" if wrk_result else "the Python client (wrk unavailable)")
    )
    ctx.out(
        f"  for information: {headline['one_task_start']:.2f} x the bare start of a workflow "
        f"that runs one task ({floors['one_task_start_per_s']}/s: the floor any workflow that "
        "runs pays), not the goal"
    )
    # Headroom of the load generators: their own CPU while they drove POST /invoices.
    client_share = client_cpu / max(create_result.elapsed, 1e-9)
    python_per_1000 = phase_cpu["POST /invoices (during)"].get("client", 0.0)
    ctx.out(
        f"load generator (this process, httpx) used {100 * client_share:.0f}% of one core "
        f"({python_per_1000} CPU-s per 1,000 POSTs) while driving POST /invoices"
        + (": it is not the bottleneck" if client_share < 0.5 else ": it may be the limit")
    )
    if wrk_result is not None:
        wrk_share = wrk_result.cpu_s / max(wrk_result.seconds, 1e-9)
        ctx.out(
            f"load generator wrk used {100 * wrk_share:.0f}% of one core "
            f"({phase_cpu['POST /invoices (wrk)']['wrk']} CPU-s per 1,000 invoices inserted)"
            + (": it is not the bottleneck" if wrk_share < 0.5 else ": it may be the limit")
        )
        figures["wrk_cpu_share_during_post"] = round(wrk_share, 3)
    figures.update(
        {
            "client_cpu_share_during_post": round(client_share, 3),
            "floor_temporal_start": temporal_floor.figures(),
            "floor_one_task_start": one_task_figures,
            "floor_insert": insert_floor.figures(),
            "post_invoices": create_result.figures(),
            "get_invoice": get_result.figures() if get_result else None,
            "headline": {
                "driven_by": headline_by,
                "post_invoices_per_s": create_rate,
                **{f"ratio_to_{name}": value for name, value in headline.items()},
            },
            "ratios": ratios,
        }
    )
    if ctx.has_sandbox:
        figures["pay_to_visible"] = await pay_to_visible(ctx, headers, ctx.scale(30, 8))
        figures["cpu_per_1000_paid"] = await paid_invoice_cost(ctx, headers, ctx.scale(200, 40))
    print_phase_cpu(ctx, phase_cpu)
    figures["cpu_s_per_1000_by_phase"] = phase_cpu
    await engine.dispose()
    return figures


def ratios_to(rate: float, floors: dict[str, float]) -> dict[str, float]:
    """`rate` over each floor's rate: temporal_start, one_task_start, insert."""
    return {
        name.removesuffix("_per_s"): round(rate / max(floor, 1e-9), 2)
        for name, floor in floors.items()
    }


def wrk_row(result: WrkResult) -> list[object]:
    errors = result.non_2xx + result.socket_errors
    return ["POST /invoices (wrk)", round(result.rps, 1), result.p50_ms, "-", result.p99_ms, errors]


async def post_with_wrk(
    ctx: BenchContext, wrk: str, key: str, tenant: str, seconds: int, engine: AsyncEngine
) -> tuple[WrkResult, dict[str, float], dict[str, Any]]:
    """wrk POSTs invoice_body() to /invoices for `seconds` from CONCURRENCY connections, each
    body with its own external_id. Returns wrk's figures, the CPU seconds each process used
    during the run (wrk's own included) and what the database shows for `tenant`: invoices
    created during the run (`created_at`) and in all. wrk counts only the answers it read
    before it stopped, leaving out up to CONCURRENCY requests in flight (the closed loops
    here have the same ramp at their start); the inserts during the run count those and are
    the work the CPU readings cover, so CPU is per 1,000 of them."""
    body = json.dumps({**invoice_body(), "external_id": EXTERNAL_ID_MARKER})
    meter = CpuMeter(stack_pids(ctx))
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "post_invoices.lua"
        run_id = f"bench-{uuid.uuid4().hex[:8]}"
        script.write_text(post_script(body, EXTERNAL_ID_MARKER, run_id))
        meter.start()
        began = datetime.now(UTC)
        result = await asyncio.to_thread(
            run_wrk,
            wrk,
            f"{ctx.api_url}/invoices",
            seconds=seconds,
            connections=CONCURRENCY,
            headers={"X-API-Key": key},
            script=script,
            timeout_s=30,  # the Python client's timeout; wrk's 2 s would count slow answers
        )
        ended = datetime.now(UTC)
        used = {**meter.stop(), "wrk": result.cpu_s}
    during = await invoice_rows(engine, tenant, (began, ended))
    window = (ended - began).total_seconds()
    return (
        result,
        used,
        {
            "created_during_run": during,
            "created_in_all": await invoice_rows(engine, tenant),
            "run_s": round(window, 3),
            "rate_per_s": round(during / max(window, 1e-9), 1),
        },
    )


async def profile_posts(ctx: BenchContext, wrk: str, key: str) -> None:
    """BENCH_PROFILE=1: where the api's CPU goes under wrk's POSTs (after the measured run)."""
    body = json.dumps({**invoice_body(), "external_id": EXTERNAL_ID_MARKER})
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script = Path(tmp) / "post_invoices.lua"
        script.write_text(post_script(body, EXTERNAL_ID_MARKER, f"profile-{uuid.uuid4().hex[:8]}"))
        await profile(
            ctx,
            wrk,
            "POST /invoices",
            f"{ctx.api_url}/invoices",
            {"X-API-Key": key},
            connections=CONCURRENCY,
            script=script,
        )
    await wait_until_quiet(ctx, what="after the profile")


async def invoice_rows(
    engine: AsyncEngine, tenant: str, window: tuple[datetime, datetime] | None = None
) -> int:
    """The invoices of `tenant` (created within `window`, UTC), once their number stops
    growing: requests still in flight when wrk stopped are being finished."""
    sql = "SELECT COUNT(*) FROM invoices WHERE tenant_id = :t"
    params: dict[str, Any] = {"t": tenant}
    if window is not None:
        sql += " AND created_at >= :a AND created_at < :b"
        params.update(a=window[0].replace(tzinfo=None), b=window[1].replace(tzinfo=None))
    deadline = time.perf_counter() + 10
    count = -1
    while True:
        async with engine.connect() as conn:
            now = int((await conn.execute(text(sql), params)).scalar_one())
        if now == count or time.perf_counter() > deadline:
            return now
        count = now
        await asyncio.sleep(0.5)


async def one_task_floor(
    ctx: BenchContext, client: Client, run: str, total: int
) -> tuple[LoadResult, dict[str, Any], dict[str, float]]:
    """`total` bare starts of ONE_TASK_WORKFLOW from CONCURRENCY clients, run by a floor
    worker process. Its rate: the starts over the time from the first start until the last
    run's first workflow task completed (the server's event times, read from every run's
    history once the last ten started are seen done; tasks do not complete in start order).
    Its CPU seconds per 1,000 runs per process: from readings every 0.1 s, the first one at
    the first start and the first one after the last first task (a history read of the check
    that overlaps the floor's last tasks is in it; the output says so)."""
    queue = f"bench-one-task-{run}"
    started: list[str] = []

    async def start(i: int) -> int:
        handle = await client.start_workflow(ONE_TASK_WORKFLOW, id=f"{queue}-{i}", task_queue=queue)
        started.append(handle.id)
        return 200

    worker = start_floor_worker(ctx, queue)
    try:
        # Warm-up, and the proof the worker polls: a few runs through the sandbox first.
        warm = [f"{queue}-warm-{i}" for i in range(10)]
        for workflow_id in warm:
            await client.start_workflow(ONE_TASK_WORKFLOW, id=workflow_id, task_queue=queue)
        await first_tasks_done(client, warm, worker, limit_s=60)
        meter = CpuMeter({**stack_pids(ctx), "floor worker": worker.pid})
        timeline = [(time.time(), meter.read())]
        first_start = timeline[0][0]

        async def read_cpu() -> None:
            while True:
                await asyncio.sleep(0.1)
                timeline.append((time.time(), meter.read()))

        reader = asyncio.create_task(read_cpu())
        try:
            starts = await closed_loop("bare start, 1 task run", total, CONCURRENCY, start)
            await first_tasks_done(client, started[-10:], worker, limit_s=120)
            check_began = time.time()
            done = await first_tasks_done(client, started, worker, limit_s=60)  # every run
        finally:
            reader.cancel()
        timeline.append((time.time(), meter.read()))
    finally:
        stop_floor_worker(worker)
    last = max(done.values(), default=first_start)
    at_last = next(cpu for at, cpu in timeline if at >= last)
    used = {name: at_last[name] - timeline[0][1][name] for name in at_last}
    window = last - first_start
    figures = {
        "started": len(started),
        "first_start_to_last_first_task_s": round(window, 3),
        "rate_per_s": round(len(started) / max(window, 1e-9), 1),
        "start_calls_rps": starts.figures()["throughput_rps"],
        "check_overlap_s": round(max(0.0, last - check_began), 3),
        "start_calls": starts.figures(),
    }
    if last > check_began:
        ctx.out(
            f"  note: the check of every run's history overlapped the one-task floor's last "
            f"{last - check_began:.2f} s (its reads are in that floor's Temporal CPU)"
        )
    return starts, figures, per_1000(used, len(started))


def start_floor_worker(ctx: BenchContext, queue: str) -> subprocess.Popen[bytes]:
    log = ctx.stack.log_dir / "floor_worker.log" if ctx.stack.log_dir else None
    args = [sys.executable, "-m", "bench.floor_worker", ctx.stack.temporal_target, queue]
    env = ctx.stack.env()
    if log is None:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def stop_floor_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


async def first_task_done_at(client: Client, workflow_id: str) -> float | None:
    """When the run's first workflow task completed (epoch seconds, the server's event time),
    or None while it has not."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            return float(event.event_time.ToMicroseconds()) / 1e6
    return None


async def first_tasks_done(
    client: Client,
    workflow_ids: list[str],
    worker: subprocess.Popen[bytes],
    *,
    limit_s: float,
    interval_s: float = 0.1,
) -> dict[str, float]:
    """Each run's first-task completion time, polling (20 histories at a time) the runs not
    yet done every `interval_s` until all are (TimeoutError after `limit_s`)."""
    done: dict[str, float] = {}
    gate = asyncio.Semaphore(20)

    async def check(workflow_id: str) -> None:
        async with gate:
            at = await first_task_done_at(client, workflow_id)
        if at is not None:
            done[workflow_id] = at

    deadline = time.perf_counter() + limit_s
    while True:
        await asyncio.gather(*(check(i) for i in workflow_ids if i not in done))
        if len(done) == len(workflow_ids):
            return done
        if worker.poll() is not None:
            raise RuntimeError(f"the floor worker exited with {worker.returncode}")
        if time.perf_counter() > deadline:
            raise TimeoutError(
                f"{len(workflow_ids) - len(done)} of {len(workflow_ids)} runs have not "
                f"completed their first workflow task after {limit_s:.0f} s"
            )
        await asyncio.sleep(interval_s)


def stack_pids(ctx: BenchContext) -> dict[str, int | None]:
    """The stack's processes, the shared MariaDB and this process (the load generator)."""
    import os

    pids: dict[str, int | None] = {
        name: proc.pid for name, proc in ctx.stack.processes.items() if proc.poll() is None
    }
    pids["mariadb"] = find_pid("mariadbd", "mysqld")
    pids["client"] = os.getpid()
    return pids


def per_1000(used: dict[str, float], calls: int) -> dict[str, float]:
    return {name: round(seconds * 1000 / max(calls, 1), 2) for name, seconds in used.items()}


def print_phase_cpu(ctx: BenchContext, phases: dict[str, dict[str, float]]) -> None:
    """CPU seconds per 1,000 calls of each phase, per process: where creation's cost goes
    beside the bare start's (the settling phase is the work the burst left behind)."""
    names = sorted({name for used in phases.values() for name in used})
    rows = [
        [phase, *(used.get(name, 0.0) for name in names), round(sum(used.values()), 2)]
        for phase, used in phases.items()
    ]
    ctx.out("CPU seconds per 1,000 calls, by phase and process (from /proc)")
    ctx.out(table(["phase", *names, "total"], rows))


async def pay_to_visible(ctx: BenchContext, headers: dict[str, str], count: int) -> dict[str, Any]:
    """Sandbox Pay → GET shows fully_paid, one invoice at a time (latency, not load)."""
    samples: list[float] = []
    references: list[str] = []
    async with httpx.AsyncClient(base_url=ctx.stack.sandbox_url, timeout=30) as sandbox:
        for _ in range(count):
            invoice = (
                await ctx.http.post("/invoices", json=invoice_body(), headers=headers)
            ).json()
            link = (
                await ctx.http.post(f"/invoices/{invoice['id']}/payments", json={}, headers=headers)
            ).json()
            started = time.perf_counter()
            await sandbox.post(f"/_sandbox/payments/{link['gateway_reference']}/pay", json={})
            while True:
                got = await ctx.http.get(f"/invoices/{invoice['id']}", headers=headers)
                if got.json()["status"] == "fully_paid":
                    break
                if time.perf_counter() - started > 30:
                    raise TimeoutError("payment not visible after 30 s")
                await asyncio.sleep(0.01)
            samples.append(time.perf_counter() - started)
            references.append(link["gateway_reference"])
    result: dict[str, Any] = {
        "payments": count,
        # Since issue 11 every paid notification is re-fetched from the gateway
        # (GET /v2/invoices/{id}) before it is applied: that read is in this path.
        "gateway_confirmation": True,
        **percentiles(samples),
    }
    result["confirmation_read"] = await confirmation_reads(ctx, references)
    previous = previous_pay_to_visible()
    before = (
        f"previous run: p95 {previous['p95_ms']} ms"
        + (" with" if previous.get("gateway_confirmation") else " without")
        + f" confirmation, {previous['at']}"
        if previous
        else "no previous run in bench/results"
    )
    result["previous"] = previous
    ctx.out(
        f"pay-to-visible (sandbox Pay -> GET shows fully_paid), {count} payments one at a time, "
        f"gateway confirmation in the path: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms "
        f"(goal <= 400), max {result['max_ms']} ms ({before}); the confirmation read alone: p95 "
        f"{result['confirmation_read']['p95_ms']} ms"
    )
    return result


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def confirmation_reads(ctx: BenchContext, references: list[str]) -> dict[str, float]:
    """The read the worker makes per paid notification, timed alone (same client, same key)."""
    import os

    from gateways.xendit import XenditGateway
    from sandbox.settings import DEFAULT_XENDIT_SECRET_KEY

    client = XenditGateway(
        base_url=ctx.stack.sandbox_url,
        secret_key=os.environ.get("XENDIT_SECRET_KEY", DEFAULT_XENDIT_SECRET_KEY),
        callback_token="unused",
    )
    samples: list[float] = []
    try:
        for reference in references * 3:
            started = time.perf_counter()
            await client.get_status(reference)
            samples.append(time.perf_counter() - started)
    finally:
        await client.aclose()
    return percentiles(samples)


def previous_pay_to_visible() -> dict[str, Any] | None:
    """The newest earlier `invoices` result's pay-to-visible figure, to print beside this one."""
    import json
    from pathlib import Path

    results = sorted((Path(__file__).resolve().parents[1] / "results").glob("invoices-*.json"))
    for path in reversed(results):
        try:
            payload = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        figures = payload.get("figures", payload)
        figure = figures.get("pay_to_visible") if isinstance(figures, dict) else None
        if isinstance(figure, dict) and "p95_ms" in figure:
            return {
                "p95_ms": figure["p95_ms"],
                "p50_ms": figure.get("p50_ms"),
                "gateway_confirmation": bool(figure.get("gateway_confirmation")),
                "at": path.stem.removeprefix("invoices-"),
            }
    return None


async def pay_one(ctx: BenchContext, headers: dict[str, str], sandbox: httpx.AsyncClient) -> None:
    """Create an invoice, get its payment link, pay it at the sandbox, wait until it is paid."""
    invoice = (await ctx.http.post("/invoices", json=invoice_body(), headers=headers)).json()
    link = (
        await ctx.http.post(f"/invoices/{invoice['id']}/payments", json={}, headers=headers)
    ).json()
    await sandbox.post(f"/_sandbox/payments/{link['gateway_reference']}/pay", json={})
    deadline = time.perf_counter() + 60
    while (await ctx.http.get(f"/invoices/{invoice['id']}", headers=headers)).json()[
        "status"
    ] != "fully_paid":
        if time.perf_counter() > deadline:
            raise TimeoutError("payment not visible after 60 s")
        await asyncio.sleep(0.05)


async def paid_invoice_cost(
    ctx: BenchContext, headers: dict[str, str], count: int
) -> dict[str, Any]:
    """CPU seconds per 1,000 invoices created, paid and seen paid, per process, from /proc: a
    cost that holds across machines (throughput does not). MariaDB is shared with whatever
    else runs on the machine, so its figure is an upper bound."""
    pids: dict[str, int | None] = {
        name: proc.pid for name, proc in ctx.stack.processes.items() if proc.poll() is None
    }
    pids["mariadb"] = find_pid("mariadbd", "mysqld")
    meter = CpuMeter(pids)
    gate = asyncio.Semaphore(10)
    async with httpx.AsyncClient(base_url=ctx.stack.sandbox_url, timeout=30) as sandbox:

        async def one() -> None:
            async with gate:
                await pay_one(ctx, headers, sandbox)

        meter.start()
        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        elapsed = time.perf_counter() - started
        used = meter.stop()
    per_1000 = {name: round(seconds * 1000 / count, 2) for name, seconds in used.items()}
    ctx.out(
        f"CPU seconds per 1,000 paid invoices ({count} created, paid, seen paid; 10 at a time, "
        f"{elapsed:.1f} s): "
        + ", ".join(f"{name} {value}" for name, value in sorted(per_1000.items()))
        + f"; total {sum(per_1000.values()):.2f}"
    )
    return {"invoices": count, "elapsed_s": round(elapsed, 2), "cpu_s_per_1000": per_1000}
