"""What crosses the Temporal boundary of WebhookDeliveryWorkflow (one per endpoint and invoice)
and WebhookSweeperWorkflow: outbound merchant webhooks."""

from __future__ import annotations

from pydantic import BaseModel


class DeliveryPair(BaseModel):
    endpoint_id: int
    invoice_key: int
    # Carried across continue-as-new: deliveries sent by earlier runs (for history bounds).
    delivered: int = 0


class NextDelivery(BaseModel):
    delivery_id: int
    attempt_count: int


class AttemptInput(BaseModel):
    delivery_id: int


class AttemptResult(BaseModel):
    # succeeded | retrying | failed | stopped (endpoint disabled or gone) | done (not pending)
    outcome: str
    retry_in_seconds: float | None = None


class DeliveryRound(BaseModel):
    """What one `deliver_pending` round did for its pair."""

    # idle (nothing pending) | more (the round's time budget ran out) | retrying (the lowest
    # pending delivery failed; attempt it again after `retry_in_seconds`) | stopped (endpoint
    # disabled or gone)
    outcome: str
    # Deliveries finished (succeeded or finally failed) in this round.
    delivered: int = 0
    retry_in_seconds: float | None = None


class SweepResult(BaseModel):
    handed_over: int
