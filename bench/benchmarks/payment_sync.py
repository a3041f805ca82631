"""Paid → visible when the gateway's notification is lost (payment sync) beside the
notification path, in the same run on the same stack.

- notification path: sandbox Pay → signed webhook → WebhookWorkflow → InvoiceWorkflow → MySQL
  → `GET /invoices/{id}` shows `fully_paid`;
- sync path: the sandbox drops every notification (`drop_notifications`); the invoice's
  workflow finds the payment at its first scheduled check (+1 min in production, compressed
  by the bench stack's PAYMENT_SYNC_SCALE) and applies it;
- floor of the sync path: the schedule itself (link issued + 60 s × scale); what is printed
  beside it is the lag after that check is due: timer, gateway status call, apply, GET.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench.benchmarks.invoices import invoice_body
from bench.context import PAYMENT_SYNC_SCALE, BenchContext
from bench.measure import table
from bench.registry import benchmark
from domain.payment_sync import SYNC_OFFSETS


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(ordered[len(ordered) // 2] * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


async def paid_to_visible(
    ctx: BenchContext, sandbox: httpx.AsyncClient, headers: dict[str, str], count: int
) -> tuple[list[float], list[float]]:
    """(paid → visible, visible − first scheduled check) per payment, one at a time."""
    visible: list[float] = []
    after_check: list[float] = []
    first_check = SYNC_OFFSETS[0].total_seconds() * PAYMENT_SYNC_SCALE
    for _ in range(count):
        invoice = (await ctx.http.post("/invoices", json=invoice_body(), headers=headers)).json()
        issued = time.perf_counter()
        link = (
            await ctx.http.post(f"/invoices/{invoice['id']}/payments", json={}, headers=headers)
        ).json()
        paid = time.perf_counter()
        await sandbox.post(f"/_sandbox/payments/{link['gateway_reference']}/pay", json={})
        while True:
            got = await ctx.http.get(f"/invoices/{invoice['id']}", headers=headers)
            if got.json()["status"] == "fully_paid":
                break
            if time.perf_counter() - paid > 60:
                raise TimeoutError("payment not visible after 60 s")
            await asyncio.sleep(0.01)
        done = time.perf_counter()
        visible.append(done - paid)
        after_check.append(done - (issued + first_check))
    return visible, after_check


@benchmark("payment_sync", "paid → visible with notifications lost (sync) vs delivered")
async def run(ctx: BenchContext) -> dict[str, Any]:
    if not ctx.has_sandbox:
        ctx.out("payment_sync: needs the sandbox; skipped")
        return {}
    count = ctx.scale(20, 6)
    _, key = await ctx.create_merchant_key()
    headers = {"X-API-Key": key}
    async with httpx.AsyncClient(base_url=ctx.stack.sandbox_url, timeout=30) as sandbox:
        notified, _ = await paid_to_visible(ctx, sandbox, headers, count)
        await sandbox.post("/_sandbox/faults", json={"drop_notifications": True})
        try:
            synced, lag = await paid_to_visible(ctx, sandbox, headers, count)
        finally:
            await sandbox.delete("/_sandbox/faults")
    first_check_s = SYNC_OFFSETS[0].total_seconds() * PAYMENT_SYNC_SCALE
    by_path = {
        "notification": percentiles(notified),
        "sync": percentiles(synced),
        "sync_lag_after_check": percentiles(lag),
    }
    ctx.out(
        table(
            ["path", "payments", "p50 ms", "p95 ms", "max ms", "floor (same run)"],
            [
                ["notification (webhook)", count, *by_path["notification"].values(), "-"],
                [
                    "sync (every notification dropped)",
                    count,
                    *by_path["sync"].values(),
                    f"first check due {first_check_s * 1000:.0f} ms after the link",
                ],
                [
                    "  sync: lag after the check is due",
                    count,
                    *by_path["sync_lag_after_check"].values(),
                    "timer + status call + apply + GET",
                ],
            ],
        )
    )
    ctx.out(
        f"(PAYMENT_SYNC_SCALE={PAYMENT_SYNC_SCALE}: in production the first check is "
        f"{SYNC_OFFSETS[0].total_seconds():.0f} s after the link is made; the lag is the same)"
    )
    return {
        "payments_each": count,
        "sync_scale": PAYMENT_SYNC_SCALE,
        "first_check_s": first_check_s,
        **by_path,
    }
