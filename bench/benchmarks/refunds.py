"""Refund request → `succeeded` visible, beside pay → visible, per gateway, in the same run on
the same stack.

- pay → visible: sandbox Pay → signed webhook → WebhookWorkflow → InvoiceWorkflow → MySQL →
  `GET /invoices/{id}` shows `fully_paid`;
- refund → succeeded visible: `POST /invoices/{id}/refunds` (the workflow update: reserve, call
  the gateway with the refund key, write its answer) until `GET /invoices/{id}/refunds` shows
  the refund `succeeded`. Midtrans confirms synchronously (the POST answers `succeeded`);
  Xendit answers PENDING and its `refund.succeeded` callback, confirmed with the gateway,
  settles it (webhook → WebhookWorkflow → InvoiceWorkflow);
- the POST's own latency is printed too (for Xendit: the answer, `pending`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.benchmarks.invoices import invoice_body
from bench.benchmarks.payment_sync import percentiles
from bench.context import BenchContext
from bench.measure import table
from bench.registry import benchmark

GATEWAYS = {"xendit": 1, "midtrans": 2}
DEADLINE_S = 60.0


async def _until(probe: Any, accept: Any) -> None:
    started = time.perf_counter()
    while not accept(await probe()):
        if time.perf_counter() - started > DEADLINE_S:
            raise TimeoutError(f"not visible after {DEADLINE_S} s")
        await asyncio.sleep(0.01)


async def one_invoice(
    ctx: BenchContext, sandbox: httpx.AsyncClient, headers: dict[str, str], gateway_id: int
) -> tuple[float, float, float]:
    """(pay → visible, refund POST, refund → succeeded visible) for one paid invoice."""
    body = {**invoice_body(), "gateway_id": gateway_id}
    invoice = (await ctx.http.post("/invoices", json=body, headers=headers)).json()
    path = f"/invoices/{invoice['id']}"
    link = (await ctx.http.post(f"{path}/payments", json={}, headers=headers)).json()
    paid = time.perf_counter()
    await sandbox.post(f"/_sandbox/payments/{link['gateway_reference']}/pay", json={})

    async def status() -> str:
        return str((await ctx.http.get(path, headers=headers)).json()["status"])

    await _until(status, lambda s: s == "fully_paid")
    pay_visible = time.perf_counter() - paid

    asked = time.perf_counter()
    response = await ctx.http.post(f"{path}/refunds", json={}, headers=headers)
    if response.status_code != 201:
        raise RuntimeError(f"refund refused: {response.status_code} {response.text}")
    posted = time.perf_counter() - asked
    refund_id = response.json()["refund_id"]

    async def refund_status() -> str:
        listed = (await ctx.http.get(f"{path}/refunds", headers=headers)).json()["data"]
        return next(str(r["status"]) for r in listed if r["refund_id"] == refund_id)

    await _until(refund_status, lambda s: s == "succeeded")
    return pay_visible, posted, time.perf_counter() - asked


@benchmark("refunds", "refund request → succeeded visible beside pay → visible, per gateway")
async def run(ctx: BenchContext) -> dict[str, Any]:
    if not ctx.has_sandbox:
        ctx.out("refunds: needs the sandbox; skipped")
        return {}
    count = ctx.scale(30, 8)
    _, key = await ctx.create_merchant_key()
    headers = {"X-API-Key": key}
    figures: dict[str, Any] = {"invoices_each": count}
    rows = []
    async with httpx.AsyncClient(base_url=ctx.stack.sandbox_url, timeout=30) as sandbox:
        for name, gateway_id in GATEWAYS.items():
            samples = [await one_invoice(ctx, sandbox, headers, gateway_id) for _ in range(count)]
            pay, post, refund = (percentiles([s[i] for s in samples]) for i in range(3))
            figures[name] = {
                "pay_to_visible": pay,
                "refund_post": post,
                "refund_to_succeeded_visible": refund,
            }
            rows += [
                [f"{name}: pay → visible", count, *pay.values()],
                [f"{name}: refund → succeeded visible", count, *refund.values()],
                [f"{name}:   POST /refunds answered", count, *post.values()],
            ]
    ctx.out(table(["path", "invoices", "p50 ms", "p95 ms", "max ms"], rows))
    ctx.out(
        "(one invoice at a time; Midtrans confirms a refund in its answer, Xendit by its "
        "refund.succeeded callback, confirmed with GET /refunds/{id} before it counts)"
    )
    return figures
