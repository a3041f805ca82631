"""`BENCH_PROFILE=1`: a py-spy profile of the api while wrk drives one target (collapsed stacks
under bench/results/, the frames with most own time printed). Used by hot_reads (each GET) and
invoices (POST /invoices)."""

from __future__ import annotations

import asyncio
import collections
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.context import BenchContext
from bench.proc import run_wrk

RESULTS = Path(__file__).resolve().parent / "results"


def wanted() -> bool:
    return bool(os.environ.get("BENCH_PROFILE"))


def summarize_profile(path: Path, top: int = 15) -> list[tuple[str, float]]:
    """Share of samples per leaf frame ("own" time) in a py-spy raw (collapsed) file."""
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = stack.split(";")
        n = int(count)
        total += n
        own[frames[-1].split(" (")[0] + " " + frames[-1].rsplit("/", 1)[-1]] += n
    return [(name, round(100 * n / max(total, 1), 1)) for name, n in own.most_common(top)]


async def profile(
    ctx: BenchContext,
    wrk: str,
    name: str,
    url: str,
    headers: dict[str, str],
    *,
    connections: int,
    script: Path | None = None,
) -> Path | None:
    """py-spy records the api for 8 s while wrk drives `url` for 7 s (with `script`, e.g. a
    `post_script`); prints the top own-time frames and returns the profile's path."""
    pyspy = Path(sys.executable).with_name("py-spy")
    if not pyspy.exists():
        ctx.out("py-spy not installed in the venv: no profile")
        return None
    RESULTS.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
    out = RESULTS / f"profile-{slug}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.txt"
    spy = subprocess.Popen(  # noqa: ASYNC220 - started, not waited on here
        [
            str(pyspy),
            "record",
            "--pid",
            str(ctx.stack.processes["api"].pid),
            "--duration",
            "8",
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await asyncio.sleep(0.5)
    await asyncio.to_thread(
        run_wrk, wrk, url, seconds=7, connections=connections, headers=headers, script=script
    )
    await asyncio.to_thread(spy.wait, 60)
    if not out.exists():
        return None
    ctx.out(f"profile of {name} (own time, % of samples) -> {out.name}")
    for frame, pct in summarize_profile(out):
        ctx.out(f"  {pct:5.1f}%  {frame}")
    return out
