"""WebhookDeliveryWorkflow (`webhook-delivery-{endpoint}-{invoice}`): sends one endpoint the
events of one invoice, in `sequence` order, each retried on durable timers (5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 10 h) until it succeeds or finally fails; only then the next.

Since the `delivery-rounds` patch the workflow runs rounds: one `deliver_pending` activity
sends the pair's pending events one after the other and returns when nothing is pending, when
one failed (the workflow sleeps its retry delay, then starts the next round with it), or after
its time budget; runs started before the patch keep their one-step-per-event shape.

The outbox (`webhook_deliveries`) is the queue: the workflow holds no events, only the pair,
so a dead endpoint with thousands of queued events is thousands of MySQL rows and, per
invoice, one workflow asleep on a timer: no polling, and histories stay small (continue-as-new
after `HISTORY_LIMIT` events). Started or woken by signal-with-start (notify/dispatch.py):
`new_work` (more rows; the current timer keeps running) or `retry_now` (a manual retry:
attempt at once). It ends when the pair has nothing pending, or its endpoint is disabled or
deleted; the next hand-over starts it again.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        ATTEMPT_DELIVERY,
        DELIVER_PENDING,
        NEXT_DELIVERY,
        SWEEP_OUTBOX,
    )
    from contracts.deliveries import (
        AttemptInput,
        AttemptResult,
        DeliveryPair,
        DeliveryRound,
        SweepResult,
    )
    from contracts.workflows import DELIVERY_WORKFLOW, SWEEPER_WORKFLOW
    from workflows.calls import run_activity

# MySQL steps: retried until MySQL is back; a delivery is never dropped.
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
HISTORY_LIMIT = 1000
# One activity per burst of events instead of two per event (see the module docstring).
DELIVERY_ROUNDS = "delivery-rounds"
# A round POSTs for at most 10 s (activities/deliveries.py), plus one 15 s POST and MySQL.
ROUND_TIMEOUT = timedelta(seconds=60)


@workflow.defn(name=DELIVERY_WORKFLOW.name)
class WebhookDeliveryWorkflow:
    def __init__(self) -> None:
        self._more = False
        self._retry_now = False

    @workflow.signal
    def new_work(self) -> None:
        self._more = True

    @workflow.signal
    def retry_now(self) -> None:
        self._more = True
        self._retry_now = True

    @workflow.run
    async def run(self, pair: DeliveryPair) -> int:
        if workflow.patched(DELIVERY_ROUNDS):
            return await self._rounds(pair)
        delivered = 0
        while True:
            self._more = False
            nxt = await run_activity(
                NEXT_DELIVERY,
                pair,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=DB_RETRY,
            )
            if nxt is None:
                if self._more:
                    continue
                return pair.delivered + delivered
            if not await self._deliver(nxt.delivery_id):
                return pair.delivered + delivered
            delivered += 1
            await self._continue_as_new_if_long(pair, delivered)

    async def _rounds(self, pair: DeliveryPair) -> int:
        delivered = 0
        while True:
            self._more = False
            self._retry_now = False
            done: DeliveryRound = await run_activity(
                DELIVER_PENDING,
                pair,
                start_to_close_timeout=ROUND_TIMEOUT,
                retry_policy=DB_RETRY,
            )
            delivered += done.delivered
            if done.outcome == "stopped" or (done.outcome == "idle" and not self._more):
                return pair.delivered + delivered
            if done.outcome == "retrying" and done.retry_in_seconds is not None:
                # n+1 waits for n: new work only joins the next round, after the retry.
                with suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: self._retry_now,
                        timeout=timedelta(seconds=done.retry_in_seconds),
                    )
            await self._continue_as_new_if_long(pair, delivered)

    async def _continue_as_new_if_long(self, pair: DeliveryPair, delivered: int) -> None:
        info = workflow.info()
        if info.is_continue_as_new_suggested() or (
            info.get_current_history_length() > HISTORY_LIMIT
        ):
            await workflow.wait_condition(workflow.all_handlers_finished)
            workflow.continue_as_new(
                DeliveryPair(
                    endpoint_id=pair.endpoint_id,
                    invoice_key=pair.invoice_key,
                    delivered=pair.delivered + delivered,
                )
            )

    async def _deliver(self, delivery_id: int) -> bool:
        """Attempt until succeeded or finally failed; False if the endpoint stopped."""
        while True:
            self._retry_now = False
            result: AttemptResult = await run_activity(
                ATTEMPT_DELIVERY,
                AttemptInput(delivery_id=delivery_id),
                # 15 s for the POST, the rest for MySQL.
                start_to_close_timeout=timedelta(seconds=45),
                retry_policy=DB_RETRY,
            )
            if result.outcome == "stopped":
                return False
            if result.outcome != "retrying" or result.retry_in_seconds is None:
                return True
            with suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._retry_now,
                    timeout=timedelta(seconds=result.retry_in_seconds),
                )


@workflow.defn(name=SWEEPER_WORKFLOW.name)
class WebhookSweeperWorkflow:
    """Run every minute by the `paytrust-webhook-sweeper` schedule: hands over outbox rows
    that no delivery workflow owns (see DeliveryActivities.sweep_outbox)."""

    @workflow.run
    async def run(self) -> SweepResult:
        return await run_activity(
            SWEEP_OUTBOX,
            None,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_attempts=3),
        )
