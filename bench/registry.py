"""The benchmark registry: name -> async function(ctx) returning a dict of figures."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.context import BenchContext

Figures = dict[str, Any]
BenchFn = Callable[["BenchContext"], Awaitable[Figures]]


@dataclass(frozen=True)
class Benchmark:
    name: str
    description: str
    run: BenchFn


REGISTRY: dict[str, Benchmark] = {}


def benchmark(name: str, description: str = "") -> Callable[[BenchFn], BenchFn]:
    """Register `fn` under `name`; registration order is run order."""

    def register(fn: BenchFn) -> BenchFn:
        if name in REGISTRY:
            raise ValueError(f"benchmark {name!r} is registered twice")
        REGISTRY[name] = Benchmark(name=name, description=description or (fn.__doc__ or ""), run=fn)
        return fn

    return register


def load_all() -> dict[str, Benchmark]:
    """Import every module of `bench.benchmarks` so their decorators register them."""
    import bench.benchmarks as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
    return REGISTRY
