"""PayTrust benchmarks: `python -m bench [--quick] [--only NAME ...]` (`make bench`).

Benchmarks print figures, never assert them (docs TESTING.md, "Benchmarks are not tests"). Each
prints a floor measured in the same run beside its figure, because this machine's absolute
numbers move from run to run.

Adding one: drop a module into `bench/benchmarks/` (it is imported automatically) with

    from bench.registry import benchmark
    from bench.context import BenchContext

    @benchmark("my_name", "one line saying what it shows")
    async def my_name(ctx: BenchContext) -> dict[str, object]:
        ...  # ctx.http, ctx.stack, ctx.admin_key, await ctx.create_merchant_key(...)
        return {"figure": value, "floor": value}

The runner starts one stack for the whole run (Temporal dev server, migrations, worker, api,
sandbox if present) on free ports with a fresh `paytrust_bench` database, hands each benchmark
a `BenchContext`, and writes each benchmark's figures to `bench/results/<name>-<UTC>.json`.
"""
