"""WebhookWorkflow (`webhook-{gateway}-{event_id}`): one verified gateway event.

A duplicate delivery maps to the same workflow id and is absorbed by Temporal. The event is
resolved to its invoice and handed to that invoice's workflow. A retryable failure (MySQL or
Temporal unavailable, a timeout over 10 s) is retried at T+1 min, T+6 min and T+36 min on
durable timers; a non-retryable one (unknown invoice, currency mismatch) fails at once. Every
attempt is logged; after the last the event is permanently failed and the workflow fails, so
an operator can replay it with the same id.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        DELIVER_TO_INVOICE,
        RECORD_WEBHOOK_ATTEMPT,
        RESOLVE_WEBHOOK_EVENT,
    )
    from contracts.errors import ErrorType
    from contracts.webhooks import (
        WEBHOOK_RETRY_WAITS_SECONDS,
        DeliverInput,
        RecordAttemptInput,
        ResolvedEvent,
        WebhookAttempt,
        WebhookInput,
        WebhookOutcome,
    )
    from contracts.workflows import WEBHOOK_WORKFLOW
    from domain.payments import currency_mismatch
    from workflows.calls import run_activity

# An attempt lasts at most 10 s. Within it, a lost worker is retried quickly (the activities
# are idempotent); the retry schedule across attempts is ours (durable timers).
ATTEMPT_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500), backoff_coefficient=2, maximum_attempts=3
)
ATTEMPT_TIMEOUT = timedelta(seconds=10)
TRY_TIMEOUT = timedelta(seconds=4)
# Writing the attempt log retries until MySQL answers (bounded, so the workflow moves on).
LOG_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
LOG_DEADLINE = timedelta(minutes=30)


@workflow.defn(name=WEBHOOK_WORKFLOW.name)
class WebhookWorkflow:
    def __init__(self) -> None:
        self._attempt = 0
        self._status = "received"

    @workflow.run
    async def run(self, inp: WebhookInput) -> WebhookOutcome:
        # Attempt k runs at start + offset[k] (T+0, T+1 min, T+6 min, T+36 min), measured from
        # the start so neither slow attempts nor slow log writes push the schedule back.
        start = workflow.now()
        offsets = [0]
        for wait in WEBHOOK_RETRY_WAITS_SECONDS:
            offsets.append(offsets[-1] + wait)
        logs: list[asyncio.Task[None]] = []
        for attempt, offset in enumerate(offsets, start=1):
            delay = start + timedelta(seconds=offset) - workflow.now()
            if delay > timedelta(0):
                await workflow.sleep(delay)
            self._attempt = attempt
            started = workflow.now()
            resolved: ResolvedEvent | None = None
            try:
                resolved = await run_activity(
                    RESOLVE_WEBHOOK_EVENT,
                    inp,
                    start_to_close_timeout=TRY_TIMEOUT,
                    schedule_to_close_timeout=ATTEMPT_TIMEOUT,
                    retry_policy=ATTEMPT_RETRY,
                )
                await run_activity(
                    DELIVER_TO_INVOICE,
                    DeliverInput(resolved=resolved, webhook=inp),
                    start_to_close_timeout=TRY_TIMEOUT,
                    schedule_to_close_timeout=ATTEMPT_TIMEOUT,
                    retry_policy=ATTEMPT_RETRY,
                )
            except ActivityError as err:
                cause = err.cause
                message = str(
                    cause.message if isinstance(cause, ApplicationError) else cause or err
                )
                retryable = not (isinstance(cause, ApplicationError) and cause.non_retryable)
                if attempt < len(offsets) and retryable:
                    workflow.logger.warning(
                        "webhook attempt %s failed, retrying: %s",
                        attempt,
                        message,
                        extra={"gateway": inp.gateway, "gateway_event_id": inp.event.event_id},
                    )
                    self._status = "retrying"
                    # Logged alongside the schedule: a slow MySQL must not delay the retry.
                    logs.append(
                        asyncio.create_task(
                            self._record(inp, attempt, "retrying", message, resolved, None, started)
                        )
                    )
                    continue
                workflow.logger.error(
                    "webhook permanently failed after %s attempt(s): %s",
                    attempt,
                    message,
                    extra={"gateway": inp.gateway, "gateway_event_id": inp.event.event_id},
                )
                await asyncio.gather(*logs)
                await self._record(
                    inp, attempt, "failed", message, resolved, "permanently_failed", started
                )
                self._status = "permanently_failed"
                raise ApplicationError(
                    f"webhook permanently failed after {attempt} attempt(s): {message}",
                    type=ErrorType.WEBHOOK_PERMANENTLY_FAILED,
                    non_retryable=True,
                ) from None
            await asyncio.gather(*logs)
            # The currency the gateway confirmed (histories before confirmation: the body's).
            currency = (resolved.event or inp.event).currency.value
            mismatch = currency_mismatch(resolved.invoice_currency, currency)
            if mismatch is not None:
                # Delivered so the invoice records the rejected payment (FR-024); the event
                # itself failed for good, for an operator to look at.
                message = mismatch
                await self._record(
                    inp, attempt, "failed", message, resolved, "permanently_failed", started
                )
                self._status = "permanently_failed"
                raise ApplicationError(
                    message, type=ErrorType.CURRENCY_MISMATCH, non_retryable=True
                )
            await self._record(inp, attempt, "succeeded", None, resolved, "processed", started)
            self._status = "processed"
            return WebhookOutcome(
                webhook_event_id=resolved.webhook_event_id, status="processed", attempts=attempt
            )
        raise AssertionError("unreachable")

    async def _record(
        self,
        inp: WebhookInput,
        attempt: int,
        status: Literal["succeeded", "retrying", "failed"],
        error: str | None,
        resolved: ResolvedEvent | None,
        final_status: str | None,
        started: datetime,
    ) -> None:
        """Log one attempt. An intermediate attempt's log gives up after LOG_DEADLINE; the
        final outcome (processed / permanently failed) is retried until MySQL takes it, so a
        failed event is always listed for an operator."""
        try:
            await run_activity(
                RECORD_WEBHOOK_ATTEMPT,
                RecordAttemptInput(
                    webhook=inp,
                    attempt=WebhookAttempt(
                        webhook_event_id=resolved.webhook_event_id if resolved else None,
                        gateway=inp.gateway,
                        event_id=inp.event.event_id,
                        attempt=attempt,
                        status=status,
                        error=error,
                        run_id=workflow.info().run_id,
                        attempted_at=started,
                    ),
                    resolved=resolved,
                    final_status=final_status,
                ),
                start_to_close_timeout=timedelta(seconds=10),
                schedule_to_close_timeout=None if final_status else LOG_DEADLINE,
                retry_policy=LOG_RETRY,
            )
        except ActivityError as err:
            workflow.logger.error("could not log webhook attempt %s: %s", attempt, err.cause)

    @workflow.query
    def progress(self) -> dict[str, object]:
        return {"attempt": self._attempt, "status": self._status}
