"""WebhookWorkflow (`webhook-{gateway}-{event_id}`): one verified gateway event.

A duplicate delivery maps to the same workflow id and is absorbed by Temporal. The event is
resolved to its invoice and handed to that invoice's workflow. A retryable failure (MySQL or
Temporal unavailable, a timeout over 10 s) is retried at T+1 min, T+6 min and T+36 min on
durable timers; a non-retryable one (unknown invoice, currency mismatch) fails at once. Every
attempt is logged; after the last the event is permanently failed and the workflow fails, so
an operator can replay it with the same id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.webhooks import DeliverInput, RecordAttemptInput, WebhookActivities
    from workflows.contracts import (
        WEBHOOK_RETRY_WAITS_SECONDS,
        ResolvedEvent,
        WebhookAttempt,
        WebhookInput,
        WebhookOutcome,
    )

# One try per attempt: the retry schedule is ours (durable timers), not an activity policy.
SINGLE_TRY = RetryPolicy(maximum_attempts=1)
ATTEMPT_TIMEOUT = timedelta(seconds=10)
# Writing the attempt log retries until MySQL answers (bounded, so the workflow moves on).
LOG_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30)
)
LOG_DEADLINE = timedelta(minutes=30)


@workflow.defn
class WebhookWorkflow:
    def __init__(self) -> None:
        self._attempt = 0
        self._status = "received"

    @workflow.run
    async def run(self, inp: WebhookInput) -> WebhookOutcome:
        waits = WEBHOOK_RETRY_WAITS_SECONDS
        attempts = len(waits) + 1
        for attempt in range(1, attempts + 1):
            self._attempt = attempt
            resolved: ResolvedEvent | None = None
            try:
                resolved = await workflow.execute_activity_method(
                    WebhookActivities.resolve_webhook_event,
                    inp,
                    start_to_close_timeout=ATTEMPT_TIMEOUT,
                    retry_policy=SINGLE_TRY,
                )
                await workflow.execute_activity_method(
                    WebhookActivities.deliver_to_invoice,
                    DeliverInput(resolved=resolved, webhook=inp),
                    start_to_close_timeout=ATTEMPT_TIMEOUT,
                    retry_policy=SINGLE_TRY,
                )
            except ActivityError as err:
                cause = err.cause
                message = str(
                    cause.message if isinstance(cause, ApplicationError) else cause or err
                )
                retryable = not (isinstance(cause, ApplicationError) and cause.non_retryable)
                last = attempt == attempts or not retryable
                await self._record(
                    inp,
                    attempt,
                    "failed" if last else "retrying",
                    message,
                    resolved,
                    "permanently_failed" if last else None,
                )
                if last:
                    self._status = "permanently_failed"
                    raise ApplicationError(
                        f"webhook permanently failed after {attempt} attempt(s): {message}",
                        type="WebhookPermanentlyFailed",
                        non_retryable=True,
                    ) from None
                self._status = "retrying"
                await workflow.sleep(timedelta(seconds=waits[attempt - 1]))
                continue
            if resolved.invoice_currency != inp.event.currency.value:
                # Delivered so the invoice records the rejected payment (FR-024); the event
                # itself failed for good, for an operator to look at.
                message = (
                    f"Currency mismatch: invoice is {resolved.invoice_currency}, "
                    f"payment is {inp.event.currency.value}"
                )
                await self._record(inp, attempt, "failed", message, resolved, "permanently_failed")
                self._status = "permanently_failed"
                raise ApplicationError(message, type="CurrencyMismatch", non_retryable=True)
            await self._record(inp, attempt, "succeeded", None, resolved, "processed")
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
    ) -> None:
        try:
            await workflow.execute_activity_method(
                WebhookActivities.record_webhook_attempt,
                RecordAttemptInput(
                    webhook=inp,
                    attempt=WebhookAttempt(
                        webhook_event_id=resolved.webhook_event_id if resolved else None,
                        gateway=inp.gateway,
                        event_id=inp.event.event_id,
                        attempt=attempt,
                        status=status,
                        error=error,
                    ),
                    resolved=resolved,
                    final_status=final_status,
                ),
                start_to_close_timeout=timedelta(seconds=10),
                schedule_to_close_timeout=LOG_DEADLINE,
                retry_policy=LOG_RETRY,
            )
        except ActivityError as err:
            workflow.logger.error("could not log webhook attempt %s: %s", attempt, err.cause)

    @workflow.query
    def progress(self) -> dict[str, object]:
        return {"attempt": self._attempt, "status": self._status}
