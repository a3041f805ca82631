"""How `python worker.py` polls: pollers that scale with the server's backlog, so a burst of
new invoices' first workflow tasks is not served by one poller (docs/performance.md
"Creation"; the speed itself is a benchmark, `python -m bench --only invoices`)."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import PollerBehaviorAutoscaling

from db.engine import SessionFactory
from gateways.base import PaymentGateway
from worker import MAX_POLLERS, build_worker


async def test_the_worker_scales_its_workflow_and_activity_pollers(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
) -> None:
    async with build_worker(env.client, sessions, dict(gateways), task_queue) as worker:
        config = worker.config()
    for name in ("workflow_task_poller_behavior", "activity_task_poller_behavior"):
        behavior = config.get(name)
        assert isinstance(behavior, PollerBehaviorAutoscaling), name
        assert behavior.maximum == MAX_POLLERS
