"""What crosses the Temporal boundary for refunds: the `InvoiceWorkflow` refund updates and the
refund activities (activities/refunds.py). Pydantic models only, so fields can be added later
without breaking running histories. Money is `Decimal`, times aware UTC."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

RefundStatusName = Literal["pending", "succeeded", "failed"]


class RefundRequest(BaseModel):
    """POST /invoices/{id}/refunds as the workflow receives it. `request_id` is the refund's
    id (derived from the Idempotency-Key when there is one), so a retried request finds the
    refund it made. `amount` None: everything refundable."""

    request_id: str
    amount: Decimal | None = None
    reason: str | None = None


class ReserveRefundInput(BaseModel):
    invoice_id: int
    tenant_id: str
    request: RefundRequest
    # The workflow's clock: the refund's requested_at.
    as_of: datetime


class RefundPartRef(BaseModel):
    """One gateway refund of a request: one payment of the invoice."""

    refund_key: str
    transaction_id: int
    amount: Decimal
    status: RefundStatusName
    gateway_refund_id: str | None = None
    failure_reason: str | None = None


class RefundOutcome(BaseModel):
    """A request and its parts as MySQL has them after the step that returned it. `created`:
    this call reserved it (False: it existed, e.g. a retried request)."""

    request_id: str
    status: RefundStatusName
    parts: list[RefundPartRef] = Field(default_factory=list)
    created: bool = False


class SubmitRefundInput(BaseModel):
    """Ask the gateway for one part (or learn its answer again: the key makes it the same
    refund) and write what it said."""

    invoice_id: int
    tenant_id: str
    request_id: str
    refund_key: str
    # Operators' retries: when the gateway answers "pending" (Xendit always does), read the
    # refund's current status from it too, instead of waiting for a notification.
    check_status: bool = False


class RetryRefundRequest(BaseModel):
    """Operators: ask the gateway again for every pending part of a refund (same keys)."""

    request_id: str


class FailRefundRequest(BaseModel):
    """Operators: give up on the pending parts of a refund the gateway never made."""

    request_id: str
    reason: str = Field(min_length=1, max_length=200)


class LoadRefundInput(BaseModel):
    invoice_id: int
    tenant_id: str
    request_id: str


class FailRefundInput(BaseModel):
    invoice_id: int
    tenant_id: str
    request: FailRefundRequest
