"""Refund request and response bodies (API.md "POST /invoices/{id}/refunds" and the refund
resource). Money out is a decimal string at the currency's scale."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.invoices.schemas import Timestamped
from domain.bounds import AmountIn

RefundStatusOut = Literal["pending", "succeeded", "failed"]


class RefundCreate(BaseModel):
    """A refund of the invoice's payments. `amount` left out: everything refundable."""

    model_config = ConfigDict(extra="forbid")

    amount: AmountIn | None = Field(
        default=None, description="At the currency's scale; default: the whole refundable amount"
    )
    reason: Annotated[str, Field(min_length=1, max_length=255)] | None = None


class RefundPartOut(Timestamped):
    """The refund of one payment: a refund is drawn from the invoice's payments newest first,
    so it may have several parts, each its own refund at the gateway."""

    transaction_id: int
    amount: str
    status: RefundStatusOut
    gateway_refund_id: str | None
    failure_reason: str | None
    settled_at: datetime | None


class RefundOut(Timestamped):
    refund_id: str
    invoice_id: int
    transaction_id: int = Field(description="The (first, newest) payment it refunds")
    refund_amount: str = Field(description="What was asked for")
    amount_refunded: str = Field(description="What the gateway has refunded of it")
    currency: str
    refund_timestamp: datetime
    refund_reason: str | None
    status: RefundStatusOut
    source: Literal["merchant", "gateway"]
    failure_reason: str | None
    requested_at: datetime | None
    settled_at: datetime | None
    parts: list[RefundPartOut]


class RefundList(BaseModel):
    invoice_id: int
    data: list[RefundOut]


class PendingRefundList(BaseModel):
    """Refunds still pending, oldest first (operators: GET /refunds)."""

    data: list[RefundOut]


class RefundFail(BaseModel):
    """Operators: why a pending refund is given up (the gateway never made it)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(min_length=1, max_length=200)]
