"""`python -m bench.floor_worker TARGET TASK_QUEUE`: a worker process for the "one task" floor
(bench/floor_workflow.py), like the real worker in what a workflow task costs: the same data
converter, the same sandbox runner (worker.workflow_runner) and pollers
(worker.poller_behaviors), otherwise default worker options, and nothing else registered.
Runs until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker

from bench.floor_workflow import OneTaskWorkflow
from worker import poller_behaviors, workflow_runner


async def run(target: str, task_queue: str) -> None:
    client = await Client.connect(target, data_converter=pydantic_data_converter)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[OneTaskWorkflow],
        workflow_runner=workflow_runner(),
        **poller_behaviors(),
    )
    async with worker:
        print(f"floor worker polling {task_queue}", flush=True)
        await stop.wait()


def main() -> None:
    asyncio.run(run(sys.argv[1], sys.argv[2]))
    # temporalio sdk-python#300: the interpreter can abort at shutdown after using a client.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
