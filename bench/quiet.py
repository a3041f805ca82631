"""Wait until the stack has worked off what earlier load left behind, so a latency figure is
the path's own and not the backlog's (e.g. workflow tasks after a creation burst, MariaDB
flushing after a bulk load)."""

from __future__ import annotations

import asyncio
import time

from bench.context import BenchContext
from bench.proc import CpuMeter, find_pid

QUIET_SHARE = 0.1  # of one core, per process, for a whole second


async def wait_until_quiet(
    ctx: BenchContext,
    names: tuple[str, ...] = ("worker", "temporal"),
    *,
    mariadb: bool = False,
    limit_s: float = 120,
    what: str = "",
) -> float:
    """Until each named stack process (and MariaDB, if asked) has used < 10 % of a core for a
    whole second; prints and returns how long that took (the limit reached: says so)."""
    pids: dict[str, int | None] = {
        name: proc.pid
        for name, proc in ctx.stack.processes.items()
        if name in names and proc.poll() is None
    }
    if mariadb:
        pids["mariadb"] = find_pid("mariadbd", "mysqld")
    started = time.perf_counter()
    deadline = started + limit_s
    label = f" {what}" if what else ""
    while time.perf_counter() < deadline:
        meter = CpuMeter(pids)
        meter.start()
        await asyncio.sleep(1)
        busiest = max(meter.stop().values(), default=0.0)
        if busiest < QUIET_SHARE:
            waited = time.perf_counter() - started
            ctx.out(f"stack quiet{label} after {waited:.1f} s")
            return waited
    ctx.out(f"stack not quiet{label} after {limit_s:.0f} s: measuring anyway")
    return limit_s
