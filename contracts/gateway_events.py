"""The normalized gateway event: a Xendit or Midtrans notification (or a payment found by
asking the gateway) in PayTrust's terms. It crosses the api -> webhook workflow -> invoice
workflow boundary, so it lives here and the gateway clients produce it."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.bounds import MAX_ID, BoundedDatetime
from domain.money import MAX_AMOUNT, Currency

GatewayName = Literal["xendit", "midtrans"]


class EventKind(StrEnum):
    PAID = "paid"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    FAILED = "failed"
    PENDING = "pending"


# webhook_events.event_id is VARCHAR(191); transaction ids and references VARCHAR(100).
EVENT_ID_MAX_LENGTH: Final = 191
REFERENCE_MAX_LENGTH: Final = 100


class WebhookEvent(BaseModel):
    """A gateway notification in PayTrust's terms.

    `event_id` is the de-duplication key (two deliveries of the same fact share it). `amount` is
    the amount actually paid for `paid`, the amount of this refund for `refunded`, and the
    payment's amount (informational) otherwise; it is at the currency's scale.
    `gateway_transaction_id` is Xendit's invoice id / Midtrans's transaction_id.
    """

    model_config = ConfigDict(frozen=True)

    # Bounded by the columns they are stored in (and the workflow id they become), so an
    # over-long value is a malformed notification before any write or workflow start.
    gateway: GatewayName
    kind: EventKind
    event_id: Annotated[str, Field(min_length=1, max_length=EVENT_ID_MAX_LENGTH)]
    gateway_transaction_id: Annotated[str, Field(max_length=REFERENCE_MAX_LENGTH)] | None
    reference: Annotated[str, Field(max_length=REFERENCE_MAX_LENGTH)]
    merchant_reference: Annotated[str, Field(max_length=REFERENCE_MAX_LENGTH)] | None
    # Not derived from any reference (they are opaque); kept so recorded events still load.
    invoice_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    installment_number: Annotated[int, Field(ge=1, le=1000)] | None = None
    amount: Annotated[Decimal, Field(le=MAX_AMOUNT, ge=-MAX_AMOUNT)] | None
    currency: Currency
    occurred_at: BoundedDatetime
    refund_id: Annotated[str, Field(max_length=REFERENCE_MAX_LENGTH)] | None = None
    refund_amount: Annotated[Decimal, Field(le=MAX_AMOUNT, ge=-MAX_AMOUNT)] | None = None
    refund_reason: str | None = None
    # The key PayTrust sent with a refund it asked for (Xendit `reference_id`, Midtrans
    # `refund_key`), and the gateway's reason when the refund failed.
    refund_key: Annotated[str, Field(max_length=REFERENCE_MAX_LENGTH)] | None = None
    refund_failure: Annotated[str, Field(max_length=255)] | None = None
    raw: dict[str, Any]
