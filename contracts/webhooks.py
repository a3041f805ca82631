"""What crosses the Temporal boundary of WebhookWorkflow (one per gateway notification), and
its retry schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from contracts.gateway_events import WebhookEvent

# Webhook retries happen at T+1 min, T+6 min and T+36 min after the first attempt (durable
# timers): the waits between attempts are therefore 1, 5 and 30 minutes.
WEBHOOK_RETRY_WAITS_SECONDS: tuple[int, ...] = (60, 300, 1800)


class WebhookInput(BaseModel):
    gateway: str
    # As parsed from the notification: a hint until the gateway confirms it.
    event: WebhookEvent
    payload: str
    received_at: datetime
    # The merchant gateway account the notification came in for (None: the platform's).
    account_id: str | None = None


class ResolvedEvent(BaseModel):
    webhook_event_id: int
    invoice_id: int
    tenant_id: str
    invoice_currency: str
    # The event as the gateway confirmed it (what is applied); None in older histories.
    event: WebhookEvent | None = None


class WebhookAttempt(BaseModel):
    webhook_event_id: int | None
    gateway: str
    event_id: str
    attempt: int
    status: Literal["succeeded", "retrying", "failed"]
    error: str | None = None
    # The run and the moment the attempt started (workflow time), for webhook_retry_log.
    run_id: str = ""
    attempted_at: datetime | None = None


class WebhookOutcome(BaseModel):
    webhook_event_id: int | None
    status: Literal["processed", "permanently_failed"]
    attempts: int
    error: str | None = None


class RecordAttemptInput(BaseModel):
    webhook: WebhookInput
    attempt: WebhookAttempt
    resolved: ResolvedEvent | None = None
    final_status: str | None = None


class DeliverInput(BaseModel):
    resolved: ResolvedEvent
    webhook: WebhookInput
