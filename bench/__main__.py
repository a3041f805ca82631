"""`python -m bench [--quick] [--only NAME ...] [--list]`: start one stack, run the benchmarks,
print figures and write JSON under bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.context import PAYMENT_SYNC_SCALE, BenchContext
from bench.measure import client_limits
from bench.registry import Benchmark, load_all
from devstack import Ports, Stack

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "mysql+asyncmy://root@127.0.0.1:3306/paytrust_bench"
)


class BenchStack(Stack):
    """A devstack whose sandbox is optional: benchmarks that need it check `has_sandbox`."""

    def start_sandbox(self) -> Any:
        try:
            return super().start_sandbox()
        except Exception as exc:
            print(f"note: sandbox did not start ({exc}); continuing without it", flush=True)
            self.stop_process("sandbox")
            return None


def machine_info() -> dict[str, Any]:
    """Logical CPUs, CPUs this process may use, the cgroup quota and physical cores."""
    info: dict[str, Any] = {
        "os_cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
    }
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        info["cgroup_cpu_limit"] = None if quota == "max" else round(int(quota) / int(period), 2)
    except (OSError, ValueError):
        info["cgroup_cpu_limit"] = None
    try:
        cores: set[tuple[str, str]] = set()
        physical = core = ""
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip(), value.strip()
            if key == "physical id":
                physical = value
            elif key == "core id":
                core = value
                cores.add((physical, core))
            elif key == "model name":
                info["cpu_model"] = value
        info["physical_cores"] = len(cores) or None
    except OSError:
        info["physical_cores"] = None
    return info


def header(info: dict[str, Any], quick: bool) -> str:
    limit = info["cgroup_cpu_limit"]
    return (
        f"PayTrust benchmarks ({'quick' if quick else 'full'}) "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M:%SZ}\n"
        f"  os.cpu_count()={info['os_cpu_count']}  usable={info['usable_cpus']}  "
        f"physical cores={info['physical_cores']}  "
        f"cgroup limit={'none' if limit is None else limit}\n"
        f"  cpu: {info.get('cpu_model', '?')}  python {info['python']}  "
        f"load average {' '.join(str(x) for x in info['load_average'])}\n"
        "  Figures are from this machine and this run only; compare each with its floor."
    )


def recreate_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    from db.urls import database_name, server_url

    name = database_name(url)
    engine = create_engine(server_url(url))
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(
            text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        )
    engine.dispose()


def write_result(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


async def run_all(
    stack: Stack, selected: list[Benchmark], quick: bool, info: dict[str, Any], sandbox: bool
) -> int:
    status = 0
    limits = client_limits(200)
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=30, limits=limits) as http:
        ctx = BenchContext(
            stack=stack,
            http=http,
            admin_key=stack.admin_api_key,
            database_url=stack.database_url,
            quick=quick,
            has_sandbox=sandbox,
        )
        for bench in selected:
            print(f"\n== {bench.name}: {bench.description}", flush=True)
            started = time.perf_counter()
            try:
                figures = await bench.run(ctx)
            except Exception:
                traceback.print_exc()
                print(f"!! {bench.name} failed", flush=True)
                status = 1
                continue
            took = time.perf_counter() - started
            path = write_result(
                bench.name,
                {
                    "benchmark": bench.name,
                    "description": bench.description,
                    "utc": datetime.now(UTC).isoformat(),
                    "quick": quick,
                    "machine": info,
                    "duration_s": round(took, 2),
                    "figures": figures,
                },
            )
            print(f"   ({took:.1f}s; figures in {path.relative_to(ROOT)})", flush=True)
    return status


def main(argv: list[str] | None = None) -> int:
    registry = load_all()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer requests: a smoke run")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=sorted(registry))
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--keep", action="store_true", help="keep the stack's temp dir and logs")
    args = parser.parse_args(argv)
    if args.list:
        for bench in registry.values():
            print(f"{bench.name:24} {bench.description}")
        return 0
    selected = [b for name, b in registry.items() if not args.only or name in args.only]
    info = machine_info()
    print(header(info, args.quick), flush=True)

    data_dir = Path(tempfile.mkdtemp(prefix="paytrust-bench-"))
    stack = BenchStack(
        ports=Ports.free(),
        data_dir=data_dir,
        database_url=BENCH_DATABASE_URL,
        admin_api_key="adm_" + secrets.token_urlsafe(36),
        log_dir=data_dir / "logs",
        extra_env={
            "RATE_LIMIT_PER_MINUTE": "1000000",
            # Payment sync's schedule compressed 50x (first check 1.2 s after a link is made),
            # so the sync path can be measured (bench/benchmarks/payment_sync.py).
            "PAYMENT_SYNC_SCALE": str(PAYMENT_SYNC_SCALE),
            # Merchant webhooks to the sandbox's receivers, retry schedule compressed 1000x.
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "WEBHOOK_DELIVERY_SCALE": "0.001",
        },
    )
    status = 1
    keep = args.keep
    try:
        started = time.perf_counter()
        recreate_database(BENCH_DATABASE_URL)
        stack.start()
        sandbox = "sandbox" in stack.processes
        print(
            f"stack up in {time.perf_counter() - started:.1f}s: api {stack.api_url}, "
            f"temporal {stack.temporal_target}, sandbox {'up' if sandbox else 'absent'}, "
            f"db {BENCH_DATABASE_URL.rsplit('/', 1)[-1]}",
            flush=True,
        )
        status = asyncio.run(run_all(stack, selected, args.quick, info, sandbox))
    except Exception as exc:
        print(f"bench failed: {exc!r}; stack logs in {stack.log_dir}", file=sys.stderr)
        keep = True
        status = 1
    finally:
        stack.stop()
        if keep:
            print(f"stack data and logs kept in {data_dir}", flush=True)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return status


if __name__ == "__main__":
    code = main()
    # temporalio sdk-python#300: the interpreter can abort at shutdown; leave with our status.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
