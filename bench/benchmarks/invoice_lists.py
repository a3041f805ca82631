"""`GET /invoices` over a tenant with 1,000,000 invoices (issue 15), each filter and both kinds
of paging, beside the bare SQL of the same page.

Seeding is server-side (`INSERT ... SELECT` from MariaDB's SEQUENCE engine, `seq_1_to_N`): one
tenant with 1,000,000 invoices (`--quick`: 50,000) and a noise tenant with a fifth of that,
statuses, currencies and gateways mixed, one invoice a second back from now. No line items (the
page reads them for its 50 rows only). Every call asks for 50 invoices:

- cursor: first step (`?limit=50`) and a step from the middle of the list (`starting_after`);
- page: `?page=1&page_size=50`, which also counts the matching rows (`total`);
- filters with `limit=50`: `external_id`, `status` (a rare one), `gateway_id`, `currency`,
  `created_gte`/`created_lte` over one day.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from api.pagination import encode_cursor
from bench.context import BenchContext
from bench.measure import Timing, table
from bench.registry import benchmark
from db.engine import create_engine

CALLS = 20


async def _seed(database_url: str, tenant: str, count: int) -> float:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    started = time.perf_counter()
    try:
        async with engine.begin() as conn:
            await conn.exec_driver_sql(
                "INSERT INTO invoices (tenant_id, external_id, status, currency, gateway_id, "
                "description, subtotal, tax_total, service_fee, total, fee_percentage, fee_fixed, "
                "expires_at, created_at, updated_at) "
                f"SELECT '{tenant}', CONCAT('bench-', seq), "
                "IF(MOD(seq, 1000) = 0, 'failed', ELT(1 + MOD(seq, 4), 'draft', 'pending', "
                "'fully_paid', 'expired')), "
                "ELT(1 + MOD(seq, 5), 'IDR', 'IDR', 'IDR', 'MYR', 'USD'), "
                "IF(MOD(seq, 5) < 3 AND MOD(seq, 2) = 0, 2, 1), "
                "'seed', 100000, 11000, 4900, 115900, "
                "0.0290, 2000, UTC_TIMESTAMP(6) + INTERVAL 1 DAY, "
                "UTC_TIMESTAMP(6) - INTERVAL seq SECOND, UTC_TIMESTAMP(6) - INTERVAL seq SECOND "
                f"FROM seq_1_to_{count}"
            )
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ANALYZE TABLE invoices")
    finally:
        await engine.dispose()
    return time.perf_counter() - started


async def _middle_cursor(database_url: str, tenant: str, count: int) -> str:
    engine = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT created_at, id FROM invoices WHERE tenant_id = :t "
                        "ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :o"
                    ),
                    {"t": tenant, "o": count // 2},
                )
            ).one()
    finally:
        await engine.dispose()
    return encode_cursor([row[0], row[1]])


@benchmark(
    "invoice_lists",
    "GET /invoices over a 1M-invoice tenant: each filter, cursor and page paging",
)
async def invoice_lists(ctx: BenchContext) -> dict[str, Any]:
    count = ctx.scale(1_000_000, 50_000)
    tenant, key = await ctx.create_merchant_key(name="bench invoice_lists")
    noise, _ = await ctx.create_merchant_key(name="bench invoice_lists noise")
    seeded = await _seed(ctx.database_url, tenant, count)
    seeded += await _seed(ctx.database_url, noise, count // 5)
    ctx.out(f"seeded {count} + {count // 5} invoices in {seeded:.1f} s")
    middle = await _middle_cursor(ctx.database_url, tenant, count)
    day = (datetime.now(UTC) - timedelta(days=2)).date().isoformat()
    cases: dict[str, dict[str, str | int]] = {
        "cursor first step": {"limit": 50},
        "cursor from the middle": {"limit": 50, "starting_after": middle},
        "page 1 with total": {"page": 1, "page_size": 50},
        "external_id": {"external_id": f"bench-{count // 3}"},
        "status (rare)": {"status": "failed", "limit": 50},
        "gateway_id": {"gateway_id": 2, "limit": 50},
        "currency": {"currency": "USD", "limit": 50},
        "created one day": {"created_gte": day, "created_lte": day, "limit": 50},
    }
    headers = {"X-API-Key": key}
    figures: dict[str, Any] = {"invoices": count, "seed_seconds": round(seeded, 1)}
    rows = []
    for name, params in cases.items():
        samples: list[float] = []
        returned = 0
        for _ in range(CALLS):
            started = time.perf_counter()
            response = await ctx.http.get("/invoices", params=params, headers=headers)
            samples.append(time.perf_counter() - started)
            response.raise_for_status()
            returned = len(response.json()["data"])
        timing = Timing(samples)
        figures[name] = {**timing.figures("ms"), "rows": returned}
        rows.append(
            [
                name,
                returned,
                f"{timing.pct(50) * 1e3:.1f}",
                f"{timing.pct(95) * 1e3:.1f}",
                f"{max(samples) * 1e3:.1f}",
            ]
        )
    ctx.out(f"{CALLS} calls each over HTTP, one at a time")
    ctx.out(table(["GET /invoices", "rows", "p50 ms", "p95 ms", "max ms"], rows))
    return figures
