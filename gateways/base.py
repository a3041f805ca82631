"""The gateway boundary: one protocol, the models that cross it, and the errors it raises.

Workflows and activities talk to Xendit and Midtrans only through `PaymentGateway`. Every
amount is a `Decimal` at its currency's scale (`domain.money`), every time is aware UTC
(`domain.timeutil`). Webhooks from either gateway are normalized into one `WebhookEvent` whose
`event_id` is the de-duplication key described in GATEWAYS.md.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from contracts.gateway_events import GatewayName, WebhookEvent
from domain.money import Currency, MoneyError, decimal_places, parse_amount
from domain.timeutil import ensure_utc

# ---------------------------------------------------------------------------------------------
# Merchant reference: the external_id (Xendit) / order_id (Midtrans) we send.
# ---------------------------------------------------------------------------------------------

MERCHANT_REFERENCE_PREFIX = "pt"
MERCHANT_REFERENCE_MAX_LENGTH = 50  # Midtrans order_id limit; Xendit accepts longer.


def new_merchant_reference() -> str:
    """A fresh, opaque merchant reference: `pt-` and 24 random hex digits.

    It encodes nothing (no invoice id, tenant or count), so it reveals nothing and cannot be
    forged into a match: an event is applied only to a link whose reference PayTrust stored.
    Every gateway call gets a new one (Midtrans refuses a reused order_id).
    """
    return f"{MERCHANT_REFERENCE_PREFIX}-{secrets.token_hex(12)}"


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class GatewayError(Exception):
    """A gateway call or webhook that did not succeed.

    `retryable` tells an activity whether trying again can help. `status_code` is the HTTP status
    (or Midtrans's body `status_code`), `gateway_code` the gateway's own error code. The message
    carries the gateway's message, never a key.
    """

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status_code: int | None = None,
        gateway_code: str | None = None,
        gateway: GatewayName | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status_code = status_code
        self.gateway_code = gateway_code
        self.gateway = gateway

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, retryable={self.retryable}, "
            f"status_code={self.status_code}, gateway_code={self.gateway_code!r})"
        )


class GatewayUnavailable(GatewayError):
    """Retryable: 5xx, 429, timeouts, connection errors. The request may have been applied."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        gateway_code: str | None = None,
        gateway: GatewayName | None = None,
    ) -> None:
        super().__init__(
            message,
            retryable=True,
            status_code=status_code,
            gateway_code=gateway_code,
            gateway=gateway,
        )


class GatewayRejected(GatewayError):
    """Not retryable: the gateway (or our own pre-check) refused the request as it stands."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        gateway_code: str | None = None,
        gateway: GatewayName | None = None,
    ) -> None:
        super().__init__(
            message,
            retryable=False,
            status_code=status_code,
            gateway_code=gateway_code,
            gateway=gateway,
        )


class PaymentNotFound(GatewayRejected):
    """The gateway does not know the reference (Xendit 404, Midtrans body status_code 404)."""


# Midtrans answers a reused order_id with 400; callers that retry a create after a lost response
# see this code and must move on to a new attempt number.
ORDER_ID_TAKEN = "ORDER_ID_TAKEN"


class WebhookAuthError(GatewayRejected):
    """A webhook whose token or signature is missing or wrong: answer 401."""

    def __init__(self, message: str, *, gateway: GatewayName | None = None) -> None:
        super().__init__(message, status_code=401, gateway=gateway)


class WebhookPayloadError(GatewayRejected):
    """A webhook that cannot be understood (bad JSON, missing field, amount off-scale): 400."""

    def __init__(self, message: str, *, gateway: GatewayName | None = None) -> None:
        super().__init__(message, status_code=400, gateway=gateway)


# ---------------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------------


def _check_scale(amount: Decimal, currency: Currency, what: str) -> Decimal:
    if not amount.is_finite():
        raise ValueError(f"{what} must be a finite decimal")
    if decimal_places(amount) > currency.scale:
        raise ValueError(f"{what} {amount} has more decimal places than {currency} allows")
    return amount


class PaymentItem(BaseModel):
    """One line shown to the payer. `price` is the unit price in the request's currency."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    price: Decimal
    quantity: int = Field(ge=1)
    category: str | None = None


class PaymentRequest(BaseModel):
    """What PayTrust asks a gateway to collect: one installment (or the whole amount due)."""

    model_config = ConfigDict(frozen=True)

    invoice_id: int = Field(ge=1)
    installment_number: int | None = Field(default=None, ge=1)
    attempt: int = Field(default=1, ge=1)
    amount: Decimal = Field(gt=0)
    currency: Currency
    description: str
    expires_at: datetime
    items: list[PaymentItem] = Field(default_factory=list)
    tax_amount: Decimal = Decimal(0)
    service_fee: Decimal = Decimal(0)
    customer_name: str | None = None
    customer_email: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    # The external_id / order_id this request is sent under (random, see above).
    merchant_reference: str = Field(
        default_factory=new_merchant_reference, max_length=MERCHANT_REFERENCE_MAX_LENGTH
    )
    # Where the gateway's page sends the payer afterwards (Xendit success/failure_redirect_url,
    # Midtrans Snap callbacks.finish/error).
    success_redirect_url: str | None = None
    failure_redirect_url: str | None = None
    # For the payer's page: whose invoice, and which installment of how many.
    merchant_name: str | None = None
    installment_count: int | None = None

    @field_validator("expires_at")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")
        return ensure_utc(value)

    @model_validator(mode="after")
    def _amounts_at_scale(self) -> PaymentRequest:
        _check_scale(self.amount, self.currency, "amount")
        _check_scale(self.tax_amount, self.currency, "tax_amount")
        _check_scale(self.service_fee, self.currency, "service_fee")
        for item in self.items:
            _check_scale(item.price, self.currency, f"price of {item.name!r}")
        return self


class CreatedPayment(BaseModel):
    """A payment the gateway now holds, with the URL the payer opens."""

    model_config = ConfigDict(frozen=True)

    gateway: GatewayName
    reference: str  # Xendit invoice `id` / Midtrans `order_id`
    merchant_reference: str  # the external_id / order_id we sent
    payment_url: str
    expires_at: datetime
    amount: Decimal
    currency: Currency


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RefundResult(BaseModel):
    """The gateway's answer to a refund request; the final word arrives by webhook.

    `refund_id` is the id the refund webhook's `WebhookEvent.refund_id` will carry (Xendit's
    refund id, or the Midtrans `refund_key` we sent).
    """

    model_config = ConfigDict(frozen=True)

    gateway: GatewayName
    reference: str
    refund_id: str
    status: RefundStatus
    amount: Decimal
    currency: Currency
    raw: dict[str, Any]
    # The gateway's reason when `status` is failed.
    failure_reason: str | None = None


class PaymentState(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class PaymentStatus(BaseModel):
    """A payment as the gateway reports it now (for reconciliation and re-checks).

    `refunded_amount` is None when the gateway's status call does not report refunds (Xendit
    invoices do not).
    """

    model_config = ConfigDict(frozen=True)

    gateway: GatewayName
    reference: str
    merchant_reference: str | None
    gateway_transaction_id: str | None
    state: PaymentState
    gateway_status: str
    amount: Decimal | None
    paid_amount: Decimal | None
    refunded_amount: Decimal | None
    currency: Currency
    paid_at: datetime | None
    raw: dict[str, Any]


class GatewaySettings(Protocol):
    """The part of `config.Settings` the gateway clients read (structural, so that importing a
    client does not import the application's settings module)."""

    @property
    def gateway_timeout_seconds(self) -> float: ...
    @property
    def xendit_base_url(self) -> str: ...
    @property
    def xendit_secret_key(self) -> SecretStr: ...
    @property
    def xendit_callback_token(self) -> SecretStr: ...
    @property
    def midtrans_snap_base_url(self) -> str: ...
    @property
    def midtrans_api_base_url(self) -> str: ...
    @property
    def midtrans_server_key(self) -> SecretStr: ...


@runtime_checkable
class PaymentGateway(Protocol):
    """What PayTrust needs from a payment gateway. Implementations: Xendit, Midtrans."""

    @property
    def name(self) -> GatewayName:
        """ "xendit" or "midtrans"."""
        ...

    @property
    def supported_currencies(self) -> frozenset[Currency]:
        """Currencies `create_payment` accepts."""
        ...

    async def create_payment(self, req: PaymentRequest) -> CreatedPayment:
        """Ask the gateway for a payment page for `req`."""
        ...

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise `WebhookAuthError` unless the token/signature is right."""
        ...

    def parse_webhook(self, body: bytes) -> WebhookEvent:
        """Normalize a verified webhook body; raise `WebhookPayloadError` when malformed."""
        ...

    async def refund(
        self,
        reference: str,
        amount: Decimal,
        currency: Currency,
        reason: str,
        idempotency_key: str,
    ) -> RefundResult:
        """Refund `amount` of the payment `reference`; safe to retry with the same key."""
        ...

    async def get_status(self, reference: str) -> PaymentStatus:
        """The payment as the gateway sees it now."""
        ...

    async def expire(self, reference: str) -> None:
        """Stop the payment from being paid."""
        ...

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        ...


# ---------------------------------------------------------------------------------------------
# Helpers shared by the clients (wire encoding, header look-up, amount parsing)
# ---------------------------------------------------------------------------------------------


def json_dumps(value: Any) -> bytes:
    """JSON with `Decimal` written as a JSON number from its exact digits (never via float)."""
    return _encode(value).encode()


def _encode(value: Any) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("cannot encode a non-finite Decimal")
        return f"{value:f}"
    if isinstance(value, Mapping):
        parts = (f"{json.dumps(str(key))}:{_encode(item)}" for key, item in value.items())
        return "{" + ",".join(parts) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(item) for item in value) + "]"
    if isinstance(value, float):
        raise TypeError("floats are not sent to gateways; use Decimal")
    return json.dumps(value)


def json_loads_object(body: bytes, *, gateway: GatewayName) -> dict[str, Any]:
    """A JSON object with numbers as `int`/`Decimal` (never float); else `WebhookPayloadError`."""
    try:
        data = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise WebhookPayloadError("webhook body is not valid JSON", gateway=gateway) from None
    if not isinstance(data, dict):
        raise WebhookPayloadError("webhook body is not a JSON object", gateway=gateway)
    return data


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header look-up that works on plain dicts as well as Starlette headers."""
    wanted = name.lower()
    direct = headers.get(name)
    if direct is not None:
        return direct
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def wire_amount(value: object, currency: Currency, *, what: str, gateway: GatewayName) -> Decimal:
    """An amount from a webhook (number or string) at the currency's scale.

    A value with more precision than the currency has (`"10000.50"` in IDR) is refused, not
    rounded: it would be money we cannot account for.
    """
    try:
        return parse_amount(value, currency)
    except MoneyError as exc:
        raise WebhookPayloadError(f"{what}: {exc}", gateway=gateway) from None


def require_str(data: Mapping[str, Any], key: str, *, gateway: GatewayName) -> str:
    """A required non-empty string field of a webhook body."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise WebhookPayloadError(
            f"webhook field {key!r} is missing or not a string", gateway=gateway
        )
    return value


def wire_currency(value: object, *, gateway: GatewayName) -> Currency:
    """A currency code PayTrust supports, from a webhook body."""
    if not isinstance(value, str):
        raise WebhookPayloadError("webhook field 'currency' is missing", gateway=gateway)
    try:
        return Currency(value.upper())
    except ValueError:
        raise WebhookPayloadError(f"unsupported currency {value!r}", gateway=gateway) from None
