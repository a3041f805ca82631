"""Authenticated request overhead with a cached key vs. no auth, and what the cache saves.

Over real HTTP on loopback (closed loop, N concurrent clients):
- floor: `GET /docs`, unauthenticated, a static HTML string (the bare FastAPI + middleware cost);
- `GET /metrics`, unauthenticated, in-process Prometheus exposition (no I/O);
- `GET /gateways` with a cached valid key: auth + rate limit + one small SELECT.

In-process, against the real database, `ApiKeyAuthenticator.authenticate()`:
- cached: per-call microseconds (a status re-read by primary key every
  API_KEY_STATUS_TTL_SECONDS, 1 s, shows in the max when the loop outlasts it);
  floor: SHA-256 of the key + dict look-up, the least a cached check can do;
- uncached (first sight of the key, a fresh authenticator): SELECT by prefix + argon2 verify
  + the once-a-minute `used` audit row; floors: argon2 verify alone, the SELECT alone.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from sqlalchemy import select

from api.auth import ApiKeyAuthenticator, key_prefix, verify_argon2
from bench.context import BenchContext
from bench.measure import LoadResult, Timing, interleaved_load, table, time_async, time_sync
from bench.registry import benchmark
from db.engine import create_engine, create_session_factory
from db.models import ApiKey

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "20"))


@benchmark(
    "auth_overhead",
    "authenticated GET (cached key) vs. no auth over HTTP; authenticate() cached vs. argon2",
)
async def auth_overhead(ctx: BenchContext) -> dict[str, Any]:
    total = ctx.scale(3000, 600)
    tenant, key = await ctx.create_merchant_key(name="bench auth_overhead")
    auth = {"X-API-Key": key}
    targets: list[tuple[str, str, dict[str, str] | None]] = [
        ("GET /docs (no auth, floor)", "/docs", None),
        ("GET /metrics (no auth)", "/metrics", None),
        ("GET /gateways (cached key)", "/gateways", auth),
    ]
    # Warm up: connections open, the key verified and cached in the api, code paths hot.
    for _, path, headers in targets:
        for _ in range(3):
            response = await ctx.http.get(path, headers=headers)
            response.raise_for_status()
    await interleaved_load(ctx.http, targets, total=CONCURRENCY * 10, concurrency=CONCURRENCY)

    http = await interleaved_load(ctx.http, targets, total=total, concurrency=CONCURRENCY)
    floor, gateways = http[targets[0][0]], http[targets[2][0]]

    ctx.out(f"HTTP on loopback: {total} requests per endpoint, {CONCURRENCY} concurrent clients,")
    ctx.out("3 alternating rounds (httpx client in this process, api under uvicorn, 1 worker)")
    ctx.out(
        table(
            ["endpoint", "req/s", "ms/req (1/rate)", "p50 ms", "p95 ms", "p99 ms", "errors"],
            _rows(http),
        )
    )
    ratio_p50 = gateways.pct_ms(50) / floor.pct_ms(50) if floor.pct_ms(50) else 0.0
    ratio_rps = floor.throughput / gateways.throughput if gateways.throughput else 0.0
    ctx.out(
        f"GET /gateways (cached key) vs. floor GET /docs: p50 x{ratio_p50:.2f} "
        f"(+{gateways.pct_ms(50) - floor.pct_ms(50):.2f} ms), throughput /{ratio_rps:.2f}"
    )

    in_process = await _authenticate_in_process(ctx, key)
    cached, cached_floor = in_process["cached"], in_process["cached_floor"]
    uncached = in_process["uncached"]
    argon2_floor, select_floor = in_process["argon2_floor"], in_process["select_floor"]
    ctx.out("")
    ctx.out("In-process ApiKeyAuthenticator.authenticate(), real MariaDB:")
    ctx.out(
        table(
            ["call", "calls", "mean", "p50", "p99", "floor (same run)"],
            [
                [
                    "cached key",
                    cached["calls"],
                    f"{cached['mean_us']:.2f} us",
                    f"{cached['p50_us']:.2f} us",
                    f"{cached['p99_us']:.2f} us",
                    f"sha256+dict {cached_floor['mean_us']:.2f} us",
                ],
                [
                    "first sight (argon2)",
                    uncached["calls"],
                    f"{uncached['mean_ms']:.2f} ms",
                    f"{uncached['p50_ms']:.2f} ms",
                    f"{uncached['p99_ms']:.2f} ms",
                    f"argon2 {argon2_floor['mean_ms']:.2f} ms + "
                    f"SELECT {select_floor['mean_ms']:.2f} ms",
                ],
            ],
        )
    )
    speedup = uncached["mean_ms"] * 1000 / cached["mean_us"] if cached["mean_us"] else 0.0
    ctx.out(
        f"the cache makes authenticate() x{speedup:,.0f} cheaper "
        f"({uncached['mean_ms']:.2f} ms -> {cached['mean_us']:.2f} us per call)"
    )
    return {
        "tenant_id": tenant,
        "concurrency": CONCURRENCY,
        "requests_per_endpoint": total,
        "http": {label: result.figures() for label, result in http.items()},
        "http_ratio_p50_gateways_over_docs": round(ratio_p50, 3),
        "http_ratio_rps_docs_over_gateways": round(ratio_rps, 3),
        "authenticate": in_process,
        "authenticate_cache_speedup": round(speedup, 1),
    }


def _rows(results: dict[str, LoadResult]) -> list[list[object]]:
    return [
        [
            label,
            r.throughput,
            1000 / r.throughput if r.throughput else 0.0,
            r.pct_ms(50),
            r.pct_ms(95),
            r.pct_ms(99),
            r.errors,
        ]
        for label, r in results.items()
    ]


async def _authenticate_in_process(ctx: BenchContext, key: str) -> dict[str, dict[str, Any]]:
    engine = create_engine(ctx.database_url, pool_size=5, max_overflow=0)
    sessions = create_session_factory(engine)
    try:
        # Cached: one verification, then the steady state (TTL re-reads included).
        authenticator = ApiKeyAuthenticator(sessions, status_ttl_seconds=1.0)
        assert await authenticator.authenticate(key) is not None
        cached = await time_async(
            lambda: authenticator.authenticate(key), ctx.scale(50_000, 10_000)
        )
        store = {hashlib.sha256(key.encode()).hexdigest(): object()}
        cached_floor = time_sync(
            lambda: store.get(hashlib.sha256(key.encode()).hexdigest()), ctx.scale(50_000, 10_000)
        )

        # Uncached: each call is a fresh authenticator seeing the key for the first time.
        async def first_sight() -> None:
            fresh = ApiKeyAuthenticator(sessions, status_ttl_seconds=1.0)
            assert await fresh.authenticate(key) is not None

        prefix = key_prefix(key)

        async def select_row() -> ApiKey:
            async with sessions() as session:
                row = (
                    await session.execute(select(ApiKey).where(ApiKey.key_prefix == prefix))
                ).scalar_one()
            return row

        row = await select_row()
        # Interleaved, sample by sample, so the machine's drift hits figure and floors alike.
        uncached, select_floor, argon2_floor = Timing([]), Timing([]), Timing([])
        for _ in range(ctx.scale(30, 8)):
            uncached.samples += (await time_async(first_sight, 1)).samples
            select_floor.samples += (await time_async(select_row, 1)).samples
            argon2_floor.samples += time_sync(lambda: verify_argon2(row.key_hash, key), 1).samples
    finally:
        await engine.dispose()
    return {
        "cached": cached.figures("us"),
        "cached_floor": cached_floor.figures("us"),
        "uncached": uncached.figures("ms"),
        "argon2_floor": argon2_floor.figures("ms"),
        "select_floor": select_floor.figures("ms"),
    }
