"""Hot reads under wrk, each beside its floor measured in the same run:

- `GET /health` beside bare FastAPI answering constant JSON;
- `GET /invoices/{id}` and `GET /gateways` beside bare FastAPI + SQLAlchemy async reading one
  row by primary key.

Floors run under the same uvicorn (uvloop, httptools) as the api, one process each. The rounds
alternate between targets so machine drift hits all alike. The api's CPU per request is read
from /proc. `BENCH_PROFILE=1` also records a py-spy profile of the api per PayTrust target
(collapsed stacks under bench/results/, top frames printed).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

from bench.context import BenchContext
from bench.measure import http_load, table
from bench.proc import CpuMeter, WrkResult, ensure_wrk, run_wrk
from bench.profiling import profile
from bench.profiling import wanted as profiling_wanted
from bench.registry import benchmark
from devstack import free_port, wait_for_port

CONNECTIONS = 20
TARGETS = {"GET /invoices/{id}": 0.5, "GET /gateways": 0.6, "GET /health": 0.5}
HEADERS = ["target", "req/s", "floor", "ratio", "goal", "p50 ms", "p99 ms", "cpu ms/req", "err"]


def start_floor(ctx: BenchContext, kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.floors", kind, str(port)],
        env={**ctx.stack.env(), "DATABASE_URL": ctx.database_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port, 30, proc)
    return proc, port


async def measure(
    wrk: str | None, ctx: BenchContext, url: str, headers: dict[str, str], seconds: int
) -> WrkResult:
    if wrk is not None:
        return await asyncio.to_thread(
            run_wrk, wrk, url, seconds=seconds, connections=CONNECTIONS, headers=headers
        )
    import httpx

    async with httpx.AsyncClient(timeout=30) as client:
        total = int(seconds * 300)
        result = await http_load(client, url, total=total, concurrency=CONNECTIONS, headers=headers)
    f = result.figures()
    return WrkResult(
        requests=result.requests,
        seconds=result.elapsed,
        rps=result.throughput,
        p50_ms=f["p50_ms"],
        p99_ms=f["p99_ms"],
        non_2xx=result.errors,
        socket_errors=0,
    )


@benchmark("hot_reads", "GET /invoices/{id}, /gateways, /health under wrk beside their floors")
async def hot_reads(ctx: BenchContext) -> dict[str, Any]:
    wrk = ensure_wrk()
    seconds = ctx.scale(10, 4)
    rounds = ctx.scale(3, 2)
    from bench.benchmarks.invoices import invoice_body  # here: this benchmark registers first

    _, key = await ctx.create_merchant_key(name="bench hot reads")
    auth = {"X-API-Key": key}
    created = await ctx.http.post("/invoices", json=invoice_body(), headers=auth)
    created.raise_for_status()
    invoice_id = created.json()["id"]
    constant, constant_port = start_floor(ctx, "constant")
    row, row_port = start_floor(ctx, "row")
    api = ctx.api_url
    targets: dict[str, tuple[str, dict[str, str]]] = {
        "floor: constant JSON": (f"http://127.0.0.1:{constant_port}/floor", {}),
        "GET /health": (f"{api}/health", {}),
        "floor: one PK row": (f"http://127.0.0.1:{row_port}/floor/{invoice_id}", {}),
        "GET /invoices/{id}": (f"{api}/invoices/{invoice_id}", auth),
        "GET /gateways": (f"{api}/gateways", auth),
    }
    pids = {"api": ctx.stack.processes["api"].pid, "constant": constant.pid, "row": row.pid}
    totals: dict[str, list[WrkResult]] = {name: [] for name in targets}
    cpu: dict[str, float] = dict.fromkeys(targets, 0.0)
    load_before = os.getloadavg()
    try:
        for url, headers in targets.values():  # warm-up: connections, caches
            await measure(wrk, ctx, url, headers, 1)
        for index in range(rounds):
            order = list(targets.items())
            if index % 2:
                order.reverse()
            for name, (url, headers) in order:
                server = "constant" if "constant" in name else "row"
                server = "api" if url.startswith(api) else server
                meter = CpuMeter({server: pids[server]})
                meter.start()
                totals[name].append(await measure(wrk, ctx, url, headers, seconds))
                cpu[name] += meter.stop()[server]
        if profiling_wanted() and wrk is not None:
            for name in TARGETS:
                url, headers = targets[name]
                await profile(ctx, wrk, name, url, headers, connections=CONNECTIONS)
    finally:
        for proc in (constant, row):
            proc.terminate()
            proc.wait(10)
    load_after = os.getloadavg()

    def rate(name: str) -> float:
        runs = totals[name]
        return sum(r.requests for r in runs) / max(sum(r.seconds for r in runs), 1e-9)

    floors = {
        "GET /health": "floor: constant JSON",
        "GET /invoices/{id}": "floor: one PK row",
        "GET /gateways": "floor: one PK row",
    }
    rows = []
    figures: dict[str, Any] = {"load_generator": "wrk" if wrk else "python httpx"}
    for name, runs in totals.items():
        requests = sum(r.requests for r in runs)
        p50 = max(r.p50_ms for r in runs)
        p99 = max(r.p99_ms for r in runs)
        bad = sum(r.non_2xx + r.socket_errors for r in runs)
        cpu_ms = 1000 * cpu[name] / max(requests, 1)
        floor = floors.get(name)
        ratio = rate(name) / rate(floor) if floor else None
        target = TARGETS.get(name)
        rows.append(
            [
                name,
                round(rate(name), 1),
                floor or "",
                "" if ratio is None else f"{ratio:.2f}",
                "" if target is None else f">= {target}",
                round(p50, 2),
                round(p99, 2),
                round(cpu_ms, 3),
                bad,
            ]
        )
        figures[name] = {
            "rps": round(rate(name), 1),
            "requests": requests,
            "p50_ms_worst_round": p50,
            "p99_ms_worst_round": p99,
            "server_cpu_ms_per_request": round(cpu_ms, 3),
            "errors": bad,
            "floor": floor,
            "ratio": None if ratio is None else round(ratio, 3),
            "target_ratio": target,
        }
    ctx.out(
        f"{'wrk' if wrk else 'python client'}, {CONNECTIONS} connections, {rounds} rounds x "
        f"{seconds}s per target; load average {load_before[0]:.2f} -> {load_after[0]:.2f}"
    )
    ctx.out(
        table(
            HEADERS,
            rows,
        )
    )
    figures["load_average"] = [round(load_before[0], 2), round(load_after[0], 2)]
    figures["time"] = time.time()
    return figures
