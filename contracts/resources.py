"""Invoice request and response bodies (API.md "Invoices"). Money out is a decimal string."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    field_serializer,
    model_validator,
)

from domain.bounds import MAX_ID, AmountIn, BoundedDatetime, JsonObject, check_json_object
from domain.drafts import InstallmentsIn, LineItemIn
from domain.timeutil import iso_utc


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http or https URL")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("must not contain spaces or control characters")
    return value


# A payer's browser follows it: http(s) with a host, nothing else (no javascript:, no data:).
RedirectUrl = Annotated[str, Field(min_length=1, max_length=2048), AfterValidator(_http_url)]


class Timestamped(BaseModel):
    @field_serializer("*", when_used="json", check_fields=False)
    def _utc(self, value: object) -> object:
        return iso_utc(value) if isinstance(value, datetime) else value


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: Annotated[str, Field(max_length=255)] | None = None
    email: Annotated[str, Field(max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None

    @model_validator(mode="after")
    def _bounded(self) -> CustomerIn:
        """Extra fields are free-form JSON: bounded like `metadata` (depth and size)."""
        check_json_object(self.model_dump(exclude_none=True))
        return self


class InvoiceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The merchant's reference, unique per tenant"
    )
    currency: Annotated[str, Field(min_length=1, max_length=8)] = Field(
        description="IDR, MYR or USD"
    )
    gateway_id: Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
    description: Annotated[str, Field(max_length=2000)] | None = None
    customer: CustomerIn | None = None
    expires_at: BoundedDatetime | None = Field(
        default=None, description="Default: 24 h from now, or the last due date + 24 h"
    )
    line_items: list[LineItemIn] = Field(description="At least one")
    installments: InstallmentsIn | None = None
    metadata: JsonObject | None = None


class SupplementaryCreate(BaseModel):
    """A supplementary invoice: as POST /invoices, currency and gateway inherited."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[str, Field(min_length=1, max_length=255)]
    description: Annotated[str, Field(max_length=2000)] | None = None
    customer: CustomerIn | None = None
    expires_at: BoundedDatetime | None = None
    line_items: list[LineItemIn]
    installments: InstallmentsIn | None = None
    metadata: JsonObject | None = None


class InvoicePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, Field(max_length=2000)] | None = None
    line_items: list[LineItemIn] | None = None
    expires_at: BoundedDatetime | None = None
    installments: InstallmentsIn | None = None
    metadata: JsonObject | None = None


class LineItemOut(BaseModel):
    id: int
    description: str
    quantity: int
    unit_price: str
    subtotal: str
    tax_rate: str
    tax_category: str | None
    tax_amount: str


class InstallmentOut(Timestamped):
    number: int
    amount: str
    tax_amount: str
    service_fee_amount: str
    due_date: datetime
    status: str
    paid_amount: str
    paid_at: datetime | None


class InvoiceOut(Timestamped):
    id: int
    external_id: str
    status: str
    currency: str
    gateway_id: int
    gateway: str
    description: str | None
    customer: dict[str, Any] | None
    metadata: dict[str, Any]
    line_items: list[LineItemOut]
    subtotal: str
    tax_total: str
    service_fee: str
    total: str
    amount_paid: str
    amount_due: str
    amount_refunded: str
    overpayment_amount: str
    installments: list[InstallmentOut]
    payment_initiated_at: datetime | None
    original_invoice_id: int | None
    expires_at: datetime
    created_at: datetime
    updated_at: datetime


class PaymentInitiate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    installment_number: Annotated[StrictInt, Field(ge=1, le=1000)] | None = None
    success_redirect_url: RedirectUrl | None = Field(
        default=None, description="Where the gateway's page sends the payer after paying"
    )
    failure_redirect_url: RedirectUrl | None = Field(
        default=None, description="Where it sends the payer when the payment fails"
    )


class PaymentOut(Timestamped):
    invoice_id: int
    installment_number: int | None
    amount: str
    currency: str
    gateway: str
    gateway_reference: str
    payment_url: str
    expires_at: datetime


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, Field(max_length=255)] | None = None


class TransactionOut(Timestamped):
    id: int
    installment_number: int | None
    gateway: str
    gateway_transaction_id: str
    amount: str
    currency: str
    status: str
    overpayment_amount: str
    refunded_amount: str
    failure_reason: str | None
    paid_at: datetime | None
    created_at: datetime


class TransactionList(BaseModel):
    invoice_id: int
    data: list[TransactionOut]


class DiscrepancyOut(BaseModel):
    transaction_id: int
    installment_number: int | None
    expected_amount: str
    paid_amount: str
    difference: str
    type: str


class DiscrepancyList(BaseModel):
    invoice_id: int
    discrepancies: list[DiscrepancyOut]


class OverpaymentOut(BaseModel):
    invoice_id: int
    total_amount: str
    total_paid: str
    overpayment_amount: str


class InstallmentList(BaseModel):
    invoice_id: int
    data: list[InstallmentOut]


# --- refunds -----------------------------------------------------------------------------

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
