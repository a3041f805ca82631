"""Measuring helpers: closed-loop HTTP load, latency percentiles, timing, tables."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

# The api closes a keep-alive connection idle for HTTP_TIMEOUT_KEEP_ALIVE_SECONDS (5 s), and
# httpx's own idle expiry is also 5 s: a request sent on a connection idle for about that long
# can meet the server closing it (the likely cause of the rare ReadError, status 0, about one
# call in 1,000 in loaded runs; not reproduced in isolation). The load generator lets its idle
# connections go well before the server does, as a client of the api should.
CLIENT_KEEPALIVE_EXPIRY_SECONDS = 2.0


def client_limits(connections: int, keepalive: int | None = None) -> httpx.Limits:
    """Connection limits for a load generator against the api (see above)."""
    return httpx.Limits(
        max_connections=connections,
        max_keepalive_connections=connections if keepalive is None else keepalive,
        keepalive_expiry=CLIENT_KEEPALIVE_EXPIRY_SECONDS,
    )


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(pct / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


@dataclass
class LoadResult:
    """Requests sent by a closed loop of `concurrency` clients; latencies in seconds."""

    label: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    # Status 0 is a call that raised: what it raised (a bench client's error, not an answer).
    exceptions: Counter[str] = field(default_factory=Counter)

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400 or status == 0)

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def pct_ms(self, pct: float) -> float:
        return percentile(sorted(self.latencies), pct) * 1000

    def merge(self, other: LoadResult) -> None:
        self.latencies.extend(other.latencies)
        self.elapsed += other.elapsed
        self.statuses.update(other.statuses)
        self.exceptions.update(other.exceptions)

    def figures(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "concurrency": self.concurrency,
            "elapsed_s": round(self.elapsed, 4),
            "throughput_rps": round(self.throughput, 1),
            "p50_ms": round(self.pct_ms(50), 3),
            "p95_ms": round(self.pct_ms(95), 3),
            "p99_ms": round(self.pct_ms(99), 3),
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 3) if self.latencies else 0,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            **({"exceptions": dict(self.exceptions)} if self.exceptions else {}),
        }


async def http_load(
    client: httpx.AsyncClient,
    path: str,
    *,
    total: int,
    concurrency: int,
    headers: dict[str, str] | None = None,
    label: str | None = None,
) -> LoadResult:
    """`total` GETs of `path` from `concurrency` clients, each sending its next request as soon
    as its previous answer is read (closed loop)."""
    result = LoadResult(label=label or path, concurrency=concurrency)
    tickets = iter(range(total))  # shared: each request is taken by exactly one client

    async def client_loop() -> None:
        for _ in tickets:
            started = time.perf_counter()
            try:
                response = await client.get(path, headers=headers)
                status = response.status_code
            except httpx.HTTPError as exc:
                status = 0
                result.exceptions[type(exc).__name__] += 1
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    return result


async def interleaved_load(
    client: httpx.AsyncClient,
    targets: Sequence[tuple[str, str, dict[str, str] | None]],
    *,
    total: int,
    concurrency: int,
    rounds: int = 3,
) -> dict[str, LoadResult]:
    """Each (label, path, headers) target gets `total` requests, split over `rounds` rounds that
    alternate between the targets, so drift of the machine hits all of them alike."""
    results = {label: LoadResult(label=label, concurrency=concurrency) for label, _, _ in targets}
    per_round = [total // rounds + (1 if i < total % rounds else 0) for i in range(rounds)]
    for index, count in enumerate(per_round):
        order = targets if index % 2 == 0 else list(reversed(targets))
        for label, path, headers in order:
            part = await http_load(
                client, path, total=count, concurrency=concurrency, headers=headers, label=label
            )
            results[label].merge(part)
    return results


@dataclass
class Timing:
    """Per-call durations in seconds."""

    samples: list[float]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples) if self.samples else 0.0

    def pct(self, pct: float) -> float:
        return percentile(sorted(self.samples), pct)

    def figures(self, unit: str = "us") -> dict[str, Any]:
        scale = {"us": 1e6, "ms": 1e3}[unit]
        return {
            "calls": len(self.samples),
            f"mean_{unit}": round(self.mean * scale, 3),
            f"p50_{unit}": round(self.pct(50) * scale, 3),
            f"p95_{unit}": round(self.pct(95) * scale, 3),
            f"p99_{unit}": round(self.pct(99) * scale, 3),
            f"max_{unit}": round(max(self.samples, default=0.0) * scale, 3),
        }


async def time_async(fn: Callable[[], Awaitable[object]], calls: int) -> Timing:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return Timing(samples)


def time_sync(fn: Callable[[], object], calls: int) -> Timing:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return Timing(samples)


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A plain text table, numbers right-aligned."""
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str], header: bool = False) -> str:
        parts = []
        for i, value in enumerate(row):
            left = i == 0 or header
            parts.append(value.ljust(widths[i]) if left else value.rjust(widths[i]))
        return "  ".join(parts).rstrip()

    out = [line(cells[0], header=True), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells[1:]]
    return "\n".join(out)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    return str(value)


@dataclass
class OpenLoopResult:
    """Requests sent on a fixed schedule (open loop). Each latency runs from the request's
    *scheduled* send time to its answer, so a stall of the server or of this client shows up
    as latency instead of silently lowering the send rate (no coordinated omission)."""

    load: LoadResult
    target_rate: float
    duration_s: float
    send_lags: list[float] = field(default_factory=list)  # actual send - scheduled send
    send_window_s: float = 0.0

    @property
    def achieved_send_rate(self) -> float:
        return len(self.send_lags) / self.send_window_s if self.send_window_s else 0.0

    def figures(self) -> dict[str, Any]:
        lags = sorted(self.send_lags)
        return {
            "target_rate_rps": round(self.target_rate, 2),
            "duration_s": round(self.duration_s, 2),
            "achieved_send_rate_rps": round(self.achieved_send_rate, 2),
            "completion_rate_rps": round(self.load.throughput, 2),
            "send_lag_p50_ms": round(percentile(lags, 50) * 1000, 3),
            "send_lag_p99_ms": round(percentile(lags, 99) * 1000, 3),
            "send_lag_max_ms": round(max(lags, default=0.0) * 1000, 3),
            **self.load.figures(),
        }


async def open_loop(
    label: str,
    rate: float,
    duration: float,
    call: Callable[[int], Awaitable[int]],
) -> OpenLoopResult:
    """`call(i)` (returns a status; 0 on an exception) started at t0 + i/rate for `duration`
    seconds, whether or not earlier calls have answered."""
    count = max(1, int(rate * duration))
    load = LoadResult(label=label, concurrency=0)
    result = OpenLoopResult(load=load, target_rate=rate, duration_s=duration)
    in_flight: set[asyncio.Task[None]] = set()
    peak = 0

    async def one(index: int, scheduled: float) -> None:
        try:
            status = await call(index)
        except Exception as exc:
            status = 0
            load.exceptions[type(exc).__name__] += 1
        load.latencies.append(time.perf_counter() - scheduled)
        load.statuses[status] += 1

    t0 = time.perf_counter() + 0.05
    for index in range(count):
        scheduled = t0 + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        result.send_lags.append(time.perf_counter() - scheduled)
        task = asyncio.create_task(one(index, scheduled))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        peak = max(peak, len(in_flight))
    result.send_window_s = time.perf_counter() - t0
    if in_flight:
        await asyncio.gather(*in_flight)
    load.elapsed = time.perf_counter() - t0
    load.concurrency = peak  # the most requests outstanding at once
    return result
