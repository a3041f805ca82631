"""`GET /reports/financial` over a tenant with 100,000 invoices (issue 6), beside its floors.

Seeding goes straight to MySQL with multi-row INSERTs (the api would take hours): one report
tenant with 100,000 invoices (`--quick`: 10,000) and two noise tenants with 20,000 each
(`--quick`: 2,000), 1-3 line items per invoice, IDR/MYR/USD, statuses mostly non-draft,
`created_at` spread uniformly over the last 400 days. Then, interleaved call by call so the
machine's drift hits all alike, for a 30-day and a 365-day range:

- `GET /reports/financial` over HTTP (auth cached, so this is the report's own cost);
- the raw aggregation the report used before its rollups: the three GROUP BY queries over the
  invoices (`db.reports.ReportRepository`) in-process;
- floor: bare `SELECT COUNT(*) FROM invoices WHERE tenant_id=? AND created_at BETWEEN ...`.

And `EXPLAIN` of the report's queries, captured as the repository sends them.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.context import BenchContext
from bench.measure import Timing, table
from bench.quiet import wait_until_quiet
from bench.registry import benchmark
from db.engine import create_engine, create_session_factory
from db.reports import ReportRepository, rebuild_rollups
from domain.timeutil import parse_date_or_timestamp, to_naive_utc

CHUNK = 2000
TENANT_INDEX = "ix_invoices_tenant_id_created_at"
STATUSES = (
    ("draft", 3),
    ("pending", 27),
    ("partially_paid", 6),
    ("fully_paid", 45),
    ("expired", 12),
    ("cancelled", 4),
    ("failed", 3),
)
CURRENCIES = (("IDR", 60), ("MYR", 20), ("USD", 20))
# gateway id -> currency -> (fee percentage, fixed fee), as the initial migration seeds them
FEES = {
    1: {"IDR": ("0.0290", "2000"), "MYR": ("0.0290", "1.00"), "USD": ("0.0290", "0.30")},
    2: {"IDR": ("0.0200", "4000")},
}
QUERIES = ("currency_totals", "tax_breakdown", "fee_breakdown")
TAXES = (("0", None), ("0.06", "SST"), ("0.10", "GST"), ("0.11", "VAT"))


def _q(value: Decimal, currency: str) -> Decimal:
    exp = Decimal("1") if currency == "IDR" else Decimal("0.01")
    return value.quantize(exp, rounding=ROUND_HALF_UP)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _sql_dt(value: datetime) -> str:
    return value.strftime("'%Y-%m-%d %H:%M:%S.%f'")


def _rows(
    rng: random.Random, tenant: str, first_id: int, count: int, now: datetime
) -> tuple[list[str], list[str]]:
    """VALUES tuples for `count` invoices (ids from `first_id`) and their line items."""
    invoices: list[str] = []
    lines: list[str] = []
    for offset in range(count):
        invoice_id = first_id + offset
        currency = _weighted(rng, CURRENCIES)
        gateway = rng.choice((1, 2)) if currency == "IDR" else 1
        pct, fixed = (Decimal(x) for x in FEES[gateway][currency])
        status = _weighted(rng, STATUSES)
        created = now - timedelta(seconds=rng.uniform(0, 400 * 86400))
        subtotal = tax_total = Decimal(0)
        for position in range(1, rng.randint(1, 3) + 1):
            quantity = rng.randint(1, 5)
            if currency == "IDR":
                unit = Decimal(rng.randrange(10_000, 500_000, 500))
            else:
                unit = Decimal(rng.randrange(100, 50_000)) / 100
            rate, category = rng.choice(TAXES)
            line_subtotal = unit * quantity
            tax = _q(line_subtotal * Decimal(rate), currency)
            subtotal += line_subtotal
            tax_total += tax
            lines.append(
                f"('{tenant}',{invoice_id},{position},'seed item',{quantity},{unit},"
                f"{line_subtotal},{rate},{'NULL' if category is None else repr(category)},{tax})"
            )
        fee = _q(subtotal * pct + fixed, currency)
        total = subtotal + tax_total + fee
        paid = (
            total
            if status == "fully_paid"
            else _q(total / 2, currency)
            if status == "partially_paid"
            else Decimal(0)
        )
        refunded = _q(paid / 10, currency) if status == "fully_paid" and offset % 50 == 0 else 0
        invoices.append(
            f"({invoice_id},'{tenant}','seed-{invoice_id}','{status}','{currency}',{gateway},"
            f"'seed',{subtotal},{tax_total},{fee},{total},{paid},{refunded},0,{pct},{fixed},"
            f"{_sql_dt(created + timedelta(days=1))},{_sql_dt(created)},{_sql_dt(created)})"
        )
    return invoices, lines


INVOICE_COLUMNS = (
    "id, tenant_id, external_id, status, currency, gateway_id, description, subtotal, tax_total, "
    "service_fee, total, amount_paid, amount_refunded, overpayment_amount, fee_percentage, "
    "fee_fixed, expires_at, created_at, updated_at"
)
LINE_COLUMNS = (
    "tenant_id, invoice_id, position, description, quantity, unit_price, subtotal, tax_rate, "
    "tax_category, tax_amount"
)


async def seed(engine: AsyncEngine, tenants: list[tuple[str, int]]) -> dict[str, Any]:
    """Bulk-insert invoices and line items for each (tenant, count)."""
    rng = random.Random(20261126)
    now = datetime.now(UTC).replace(tzinfo=None)
    started = time.perf_counter()
    invoices_total = lines_total = 0
    async with engine.connect() as conn:
        next_id = (
            int(
                (await conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM invoices"))).scalar_one()
            )
            + 1
        )
    for tenant, count in tenants:
        done = 0
        while done < count:
            size = min(CHUNK, count - done)
            invoices, lines = _rows(rng, tenant, next_id, size, now)
            async with engine.begin() as conn:
                await conn.exec_driver_sql(
                    f"INSERT INTO invoices ({INVOICE_COLUMNS}) VALUES " + ",".join(invoices)
                )
                await conn.exec_driver_sql(
                    f"INSERT INTO line_items ({LINE_COLUMNS}) VALUES " + ",".join(lines)
                )
            next_id += size
            done += size
            invoices_total += size
            lines_total += len(lines)
    seeded = time.perf_counter() - started
    async with engine.begin() as conn:
        # Fresh optimizer statistics, as a long-lived table would have.
        await conn.exec_driver_sql("ANALYZE TABLE invoices, line_items")
    return {
        "invoices": invoices_total,
        "line_items": lines_total,
        "seconds": round(seeded, 2),
        "invoices_per_s": round(invoices_total / seeded, 1) if seeded else 0,
    }


GROWTH_SIZES = (1_000, 10_000)


async def cost_growth(
    ctx: BenchContext, tenants: list[tuple[str, int]], calls: int
) -> dict[str, Any]:
    """How the report and a single-invoice read grow with the tenant's invoice count."""
    rows: list[list[object]] = []
    figures: dict[str, Any] = {}
    for tenant_id, count in tenants:
        _, key = await ctx.create_merchant_key(tenant_id=tenant_id, name="bench growth")
        headers = {"X-API-Key": key}
        listed = await ctx.http.get("/invoices", params={"page_size": 1}, headers=headers)
        invoice_id = listed.json()["data"][0]["id"]
        timings: dict[str, Timing] = {}
        for days in (30, 365):
            start, end, _, _ = _range(days)
            timing = timings[f"report {days}d"] = Timing([])
            for _ in range(calls + 1):
                t = time.perf_counter()
                got = await ctx.http.get(
                    "/reports/financial",
                    params={"start_date": start, "end_date": end},
                    headers=headers,
                )
                got.raise_for_status()
                timing.samples.append(time.perf_counter() - t)
            timing.samples.pop(0)  # the first call verified the new key
        read = timings["GET /invoices/{id}"] = Timing([])
        for _ in range(calls):
            t = time.perf_counter()
            (await ctx.http.get(f"/invoices/{invoice_id}", headers=headers)).raise_for_status()
            read.samples.append(time.perf_counter() - t)
        for label, timing in timings.items():
            rows.append([f"{count:,}", label, timing.pct(50) * 1000, timing.pct(95) * 1000])
        figures[str(count)] = {label: t.figures("ms") for label, t in timings.items()}
    ctx.out("cost growth with the tenant's invoices (one call at a time)")
    ctx.out(table(["invoices", "what", "p50 ms", "p95 ms"], rows))
    return figures


def _range(days: int) -> tuple[str, str, datetime, datetime]:
    today = datetime.now(UTC).date()
    start, end = (today - timedelta(days=days - 1)).isoformat(), today.isoformat()
    lo = to_naive_utc(parse_date_or_timestamp(start, end_of_day=False))
    hi = to_naive_utc(parse_date_or_timestamp(end, end_of_day=True))
    return start, end, lo, hi


@benchmark(
    "report_latency",
    "GET /reports/financial over 100k seeded invoices (30/365 days) vs. its SQL and COUNT(*)",
)
async def report_latency(ctx: BenchContext) -> dict[str, Any]:
    main_count = ctx.scale(100_000, 10_000)
    noise_count = ctx.scale(20_000, 2_000)
    calls = ctx.scale(20, 10)
    tenant, key = await ctx.create_merchant_key(name="bench report_latency")
    headers = {"X-API-Key": key}
    engine = create_engine(ctx.database_url, pool_size=2, max_overflow=0)
    sessions = create_session_factory(engine)
    figures: dict[str, Any] = {"tenant_id": tenant, "calls_per_range": calls}
    try:
        growth = [(f"{tenant}-g{n}", n) for n in GROWTH_SIZES if n < main_count]
        tenants = [
            (tenant, main_count),
            *((f"{tenant}-noise{i}", noise_count) for i in range(1, 3)),
            *growth,
        ]
        figures["seed"] = await seed(engine, tenants)
        # The bulk load bypassed the api, so the rollups are rebuilt by the migration.
        rebuilt = time.perf_counter()
        await asyncio.to_thread(rebuild_rollups, ctx.database_url)
        figures["rollup_rebuild_s"] = round(time.perf_counter() - rebuilt, 2)
        ctx.out(f"rollups rebuilt from the invoices in {figures['rollup_rebuild_s']} s")
        s = figures["seed"]
        ctx.out(
            f"seeded {s['invoices']:,} invoices + {s['line_items']:,} line items "
            f"({main_count:,} for the report tenant, 2 x {noise_count:,} noise) in "
            f"{s['seconds']} s ({s['invoices_per_s']:,.0f} invoices/s, bulk INSERT, "
            f"{CHUNK} rows/statement); ANALYZE TABLE after"
        )
        # Measure the report, not what came before it: an earlier benchmark's workflows (in a
        # whole `make bench`, the open loop's) or the bulk load's flushing in MariaDB.
        figures["waited_for_quiet_s"] = round(
            await wait_until_quiet(ctx, mariadb=True, what="before the report calls"), 1
        )
        # Warm: the key verified and cached in the api, buffer pool pages read once.
        for days in (30, 365):
            start, end, _, _ = _range(days)
            response = await ctx.http.get(
                "/reports/financial",
                params={"start_date": start, "end_date": end},
                headers=headers,
            )
            response.raise_for_status()

        rows = []
        for days in (30, 365):
            start, end, lo, hi = _range(days)
            http, sql, count = Timing([]), Timing([]), Timing([])
            parts = {name: Timing([]) for name in QUERIES}
            matched = 0

            async def call_http(start: str = start, end: str = end) -> None:
                response = await ctx.http.get(
                    "/reports/financial",
                    params={"start_date": start, "end_date": end},
                    headers=headers,
                )
                response.raise_for_status()

            async def call_sql(
                lo: datetime = lo, hi: datetime = hi, parts: dict[str, Timing] = parts
            ) -> None:
                async with sessions() as session:
                    for name in QUERIES:
                        t = time.perf_counter()
                        await getattr(ReportRepository(session, tenant), name)(lo, hi)
                        parts[name].samples.append(time.perf_counter() - t)

            async def call_count(lo: datetime = lo, hi: datetime = hi) -> int:
                async with engine.connect() as conn:
                    return int(
                        (
                            await conn.execute(
                                text(
                                    "SELECT COUNT(*) FROM invoices WHERE tenant_id = :t "
                                    "AND created_at BETWEEN :lo AND :hi"
                                ),
                                {"t": tenant, "lo": lo, "hi": hi},
                            )
                        ).scalar_one()
                    )

            for _ in range(calls):
                for timing, fn in ((http, call_http), (sql, call_sql), (count, call_count)):
                    t = time.perf_counter()
                    result = await fn()
                    timing.samples.append(time.perf_counter() - t)
                    if isinstance(result, int):
                        matched = result
            figures[f"range_{days}d"] = {
                "start_date": start,
                "end_date": end,
                "invoices_in_range": matched,
                "http_report": http.figures("ms"),
                "report_sql_in_process": sql.figures("ms"),
                "report_sql_per_query": {name: t.figures("ms") for name, t in parts.items()},
                "floor_count": count.figures("ms"),
            }
            for label, timing in (
                ("GET /reports/financial (HTTP)", http),
                ("  raw: 3 GROUP BY over invoices (pre-rollup)", sql),
                *((f"    {name}", parts[name]) for name in QUERIES),
                ("  floor: SELECT COUNT(*) same range", count),
            ):
                rows.append(
                    [
                        f"{days}d",
                        matched,
                        label,
                        timing.pct(50) * 1000,
                        timing.pct(95) * 1000,
                        max(timing.samples) * 1000,
                    ]
                )
        ctx.out(f"{calls} calls per range, interleaved call by call, one at a time")
        ctx.out(table(["range", "invoices in range", "what", "p50 ms", "p95 ms", "max ms"], rows))
        for days in (30, 365):
            r = figures[f"range_{days}d"]
            http_p50 = r["http_report"]["p50_ms"]
            sql_p50 = r["report_sql_in_process"]["p50_ms"]
            floor_p50 = r["floor_count"]["p50_ms"]
            goal = {30: 50, 365: 250}[days]
            ctx.out(
                f"{days}d: HTTP report p95 {r['http_report']['p95_ms']:.1f} ms (goal <= {goal}); "
                f"HTTP report = {http_p50 / max(floor_p50, 1e-9):.1f} x the COUNT(*) "
                f"floor (p50); the raw aggregation it replaced takes {sql_p50:.1f} ms "
                f"({sql_p50 / max(http_p50, 1e-9):.1f} x the HTTP report)"
            )
        figures["growth"] = await cost_growth(ctx, [*growth, (tenant, main_count)], calls)
        figures["explain"] = await explain(ctx, engine, sessions, tenant)
    finally:
        await engine.dispose()
    return figures


async def explain(
    ctx: BenchContext, engine: AsyncEngine, sessions: Any, tenant: str
) -> dict[str, Any]:
    """EXPLAIN each statement the report repository sends (captured from the driver)."""
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    out: dict[str, Any] = {}
    for days in (30, 365):
        _, _, lo, hi = _range(days)
        captured.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", capture)
        try:
            async with sessions() as session:
                await ReportRepository(session, tenant).currency_totals(lo, hi)
                await ReportRepository(session, tenant).tax_breakdown(lo, hi)
                await ReportRepository(session, tenant).fee_breakdown(lo, hi)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
        for name, (statement, parameters) in zip(QUERIES, captured, strict=False):
            async with engine.connect() as conn:
                result = await conn.exec_driver_sql("EXPLAIN " + statement, parameters)
                columns = list(result.keys())
                plan = [dict(zip(columns, row, strict=True)) for row in result.fetchall()]
            out[f"{days}d_{name}"] = plan
            if name == "currency_totals" or days == 365:
                ctx.out(f"EXPLAIN {name} ({days}d):")
                ctx.out(
                    table(
                        ["table", "type", "key", "key_len", "rows", "Extra"],
                        [
                            [
                                p.get("table"),
                                p.get("type"),
                                p.get("key"),
                                p.get("key_len"),
                                p.get("rows"),
                                p.get("Extra"),
                            ]
                            for p in plan
                        ],
                    )
                )
            if days == 365 and "FROM invoices " in statement:
                out[f"{days}d_{name}_what_if"] = await _what_if(engine, statement, parameters)
    rows = [
        [name.split("_", 1)[1].removesuffix("_what_if"), v["as_sent_ms"], v["forced_ms"]]
        for name, v in out.items()
        if name.endswith("_what_if")
    ]
    ctx.out(
        f"what-if (a diagnostic, not a floor): the 365d statements as sent vs. with "
        f"FORCE INDEX ({TENANT_INDEX}), best of 3:"
    )
    ctx.out(table(["query", "as sent ms", "forced ms"], rows))
    return out


async def _what_if(engine: AsyncEngine, statement: str, parameters: Any) -> dict[str, float]:
    forced = statement.replace("FROM invoices ", f"FROM invoices FORCE INDEX ({TENANT_INDEX}) ", 1)
    best = {"as_sent_ms": float("inf"), "forced_ms": float("inf")}
    for _ in range(3):
        for label, sql in (("as_sent_ms", statement), ("forced_ms", forced)):
            async with engine.connect() as conn:
                t = time.perf_counter()
                (await conn.exec_driver_sql(sql, parameters)).fetchall()
                best[label] = min(best[label], round((time.perf_counter() - t) * 1000, 1))
    return best
