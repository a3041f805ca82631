"""Xendit Invoices API v2 client and callback verification/parsing (see GATEWAYS.md).

Pointing this client at production is a settings change (`xendit_base_url`, keys); nothing in
here knows about the sandbox.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

from pydantic import SecretStr

from contracts.gateway_events import EventKind, GatewayName, WebhookEvent
from domain.money import Currency, quantize
from domain.timeutil import parse_iso, utcnow
from gateways.base import (
    CreatedPayment,
    GatewayRejected,
    GatewaySettings,
    GatewayUnavailable,
    PaymentNotFound,
    PaymentRequest,
    PaymentState,
    PaymentStatus,
    RefundResult,
    RefundStatus,
    WebhookAuthError,
    WebhookPayloadError,
    header_value,
    json_loads_object,
    require_str,
    wire_amount,
    wire_currency,
)
from gateways.http import DEFAULT_TIMEOUT_SECONDS, build_http_client, response_json, send

GATEWAY: Final[GatewayName] = "xendit"
CALLBACK_TOKEN_HEADER: Final = "x-callback-token"  # noqa: S105  (a header name)
SUPPORTED_CURRENCIES: Final = frozenset({Currency.IDR, Currency.MYR, Currency.USD})
REFUND_REASONS: Final = frozenset(
    {"FRAUDULENT", "DUPLICATE", "REQUESTED_BY_CUSTOMER", "CANCELLATION", "OTHERS"}
)
MAX_METADATA_KEYS: Final = 50

_INVOICE_STATES: Final[dict[str, PaymentState]] = {
    "PENDING": PaymentState.PENDING,
    "PAID": PaymentState.PAID,
    "SETTLED": PaymentState.PAID,
    "EXPIRED": PaymentState.EXPIRED,
}
_REFUND_STATES: Final[dict[str, RefundStatus]] = {
    "PENDING": RefundStatus.PENDING,
    "SUCCEEDED": RefundStatus.SUCCEEDED,
    "FAILED": RefundStatus.FAILED,
}


def _secret(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def xendit_amount(amount: Decimal, currency: Currency) -> int | Decimal:
    """IDR goes out as an integer (Xendit truncates IDR decimals); others at their scale."""
    quantized = quantize(amount, currency)
    if currency.scale == 0:
        return int(quantized)
    return quantized


class XenditGateway:
    """`PaymentGateway` over Xendit's Invoices API v2, with one pooled HTTP client."""

    def __init__(
        self,
        *,
        base_url: str,
        secret_key: str | SecretStr,
        callback_token: str | SecretStr,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._callback_token = _secret(callback_token)
        self._timeout_seconds = timeout_seconds
        self._http = build_http_client(_secret(secret_key), timeout_seconds, base_url=base_url)

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> XenditGateway:
        """Build from PayTrust settings (`xendit_*`, `gateway_timeout_seconds`)."""
        return cls(
            base_url=settings.xendit_base_url,
            secret_key=settings.xendit_secret_key,
            callback_token=settings.xendit_callback_token,
            timeout_seconds=settings.gateway_timeout_seconds,
        )

    @property
    def name(self) -> GatewayName:
        """Always "xendit"."""
        return GATEWAY

    @property
    def supported_currencies(self) -> frozenset[Currency]:
        """IDR, MYR and USD (the PayTrust currencies Xendit invoices accept)."""
        return SUPPORTED_CURRENCIES

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- API calls ----------------------------------------------------------------------------

    async def create_payment(self, req: PaymentRequest) -> CreatedPayment:
        """`POST /v2/invoices`; the invoice lives until `req.expires_at` (whole seconds)."""
        if req.currency not in SUPPORTED_CURRENCIES:
            raise GatewayRejected(f"Xendit does not accept {req.currency}", gateway=GATEWAY)
        duration = int((req.expires_at - utcnow()).total_seconds())
        if duration < 1:
            raise GatewayRejected("expires_at is already in the past", gateway=GATEWAY)
        metadata = {
            "invoice_id": str(req.invoice_id),
            "installment_number": str(req.installment_number or 0),
            "attempt": str(req.attempt),
            **req.metadata,
        }
        if req.merchant_name:
            metadata["merchant"] = req.merchant_name
        if req.installment_count and req.installment_number:
            metadata["installment_count"] = str(req.installment_count)
        if len(metadata) > MAX_METADATA_KEYS:
            raise GatewayRejected("Xendit allows at most 50 metadata keys", gateway=GATEWAY)
        body: dict[str, Any] = {
            "external_id": req.merchant_reference,
            "amount": xendit_amount(req.amount, req.currency),
            "currency": req.currency.value,
            "description": req.description,
            "invoice_duration": duration,
            "metadata": metadata,
        }
        if req.items:
            body["items"] = [
                {
                    "name": item.name,
                    "price": xendit_amount(item.price, req.currency),
                    "quantity": item.quantity,
                    **({"category": item.category} if item.category else {}),
                }
                for item in req.items
            ]
        fees = [
            {"type": label, "value": xendit_amount(value, req.currency)}
            for label, value in (("Tax", req.tax_amount), ("Service fee", req.service_fee))
            if value
        ]
        if fees:
            body["fees"] = fees
        if req.success_redirect_url:
            body["success_redirect_url"] = req.success_redirect_url
        if req.failure_redirect_url:
            body["failure_redirect_url"] = req.failure_redirect_url
        if req.customer_email:
            body["payer_email"] = req.customer_email
        if req.customer_name or req.customer_email:
            customer: dict[str, str] = {}
            if req.customer_name:
                customer["given_names"] = req.customer_name
            if req.customer_email:
                customer["email"] = req.customer_email
            body["customer"] = customer

        data = await self._call("POST", "/v2/invoices", body=body)
        try:
            expires_at = parse_iso(str(data["expiry_date"]))
        except (KeyError, ValueError):
            # Xendit always sends expiry_date; if not, the duration we asked for is the truth.
            expires_at = utcnow() + timedelta(seconds=duration)
        return CreatedPayment(
            gateway=GATEWAY,
            reference=self._field(data, "id"),
            merchant_reference=self._field(data, "external_id"),
            payment_url=self._field(data, "invoice_url"),
            expires_at=expires_at,
            amount=req.amount,
            currency=req.currency,
        )

    async def get_status(self, reference: str) -> PaymentStatus:
        """`GET /v2/invoices/{id}`. Xendit invoices do not report refunds here."""
        data = await self._call("GET", f"/v2/invoices/{quote(reference, safe='')}")
        status = str(data.get("status", ""))
        state = _INVOICE_STATES.get(status)
        if state is None:
            raise GatewayUnavailable(f"Xendit returned unknown status {status!r}", gateway=GATEWAY)
        currency = self._currency(data)
        paid_at = data.get("paid_at")
        return PaymentStatus(
            gateway=GATEWAY,
            reference=self._field(data, "id"),
            merchant_reference=data.get("external_id"),
            gateway_transaction_id=data.get("id"),
            state=state,
            gateway_status=status,
            amount=self._amount(data.get("amount"), currency),
            paid_amount=self._amount(data.get("paid_amount"), currency),
            refunded_amount=None,
            currency=currency,
            paid_at=parse_iso(paid_at) if isinstance(paid_at, str) else None,
            raw=data,
        )

    async def get_refund(self, refund_id: str) -> dict[str, Any]:
        """`GET /refunds/{id}`: the refund as Xendit has it (confirms refund webhooks)."""
        if not refund_id:
            raise PaymentNotFound("no refund id", status_code=404, gateway=GATEWAY)
        return await self._call("GET", f"/refunds/{quote(refund_id, safe='')}")

    async def check_credentials(self) -> None:
        """`GET /balance`: raises `GatewayRejected` (the gateway's reason) for a bad key."""
        await self._call("GET", "/balance")

    def with_credentials(self, secret_key: str, callback_token: str) -> XenditGateway:
        """A client for another Xendit account on the same base URL and timeout."""
        return XenditGateway(
            base_url=str(self._http.base_url),
            secret_key=secret_key,
            callback_token=callback_token,
            timeout_seconds=self._timeout_seconds,
        )

    async def expire(self, reference: str) -> None:
        """`POST /invoices/{id}/expire!` (no `/v2`, literal `!`)."""
        await self._call("POST", f"/invoices/{quote(reference, safe='')}/expire!")

    async def refund(
        self,
        reference: str,
        amount: Decimal,
        currency: Currency,
        reason: str,
        idempotency_key: str,
    ) -> RefundResult:
        """`POST /refunds` for the invoice `reference`, with an `idempotency-key` header.

        `reason` is one of Xendit's codes (FRAUDULENT, DUPLICATE, REQUESTED_BY_CUSTOMER,
        CANCELLATION, OTHERS); any other text is sent as OTHERS with the text in metadata.
        """
        if currency not in SUPPORTED_CURRENCIES:
            raise GatewayRejected(f"Xendit does not accept {currency}", gateway=GATEWAY)
        if amount <= 0:
            raise GatewayRejected("refund amount must be positive", gateway=GATEWAY)
        code = reason.strip().upper()
        body: dict[str, Any] = {
            "invoice_id": reference,
            "reference_id": idempotency_key,
            "amount": xendit_amount(amount, currency),
            "currency": currency.value,
            "reason": code if code in REFUND_REASONS else "OTHERS",
        }
        if code not in REFUND_REASONS and reason:
            body["metadata"] = {"reason": reason[:500]}
        data = await self._call(
            "POST", "/refunds", body=body, headers={"idempotency-key": idempotency_key}
        )
        return self._refund_result(data, reference, amount, currency)

    async def refund_result(
        self, refund_id: str, reference: str, amount: Decimal, currency: Currency
    ) -> RefundResult:
        """`GET /refunds/{id}` as a `RefundResult`: where a refund stands now (the answer to
        `POST /refunds` is always PENDING; the outcome otherwise comes by webhook)."""
        return self._refund_result(await self.get_refund(refund_id), reference, amount, currency)

    def _refund_result(
        self, data: dict[str, Any], reference: str, amount: Decimal, currency: Currency
    ) -> RefundResult:
        status = _REFUND_STATES.get(str(data.get("status", "PENDING")).upper())
        return RefundResult(
            gateway=GATEWAY,
            reference=reference,
            refund_id=self._field(data, "id"),
            status=status or RefundStatus.PENDING,
            amount=self._amount(data.get("amount"), currency) or amount,
            currency=currency,
            raw=data,
            failure_reason=refund_failure_of(data) if status is RefundStatus.FAILED else None,
        )

    # -- webhooks -----------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check `x-callback-token` against the account's callback token in constant time."""
        verify_xendit_callback(headers, self._callback_token)

    def parse_webhook(self, body: bytes) -> WebhookEvent:
        """Normalize an invoice callback or a refund envelope."""
        return parse_xendit_webhook(body)

    # -- internals ----------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await send(self._http, method, path, gateway=GATEWAY, body=body, headers=headers)
        data = response_json(response)
        if response.is_success:
            if not isinstance(data, dict):
                raise GatewayUnavailable(
                    f"Xendit answered {method} {path} with a body that is not a JSON object",
                    status_code=response.status_code,
                    gateway=GATEWAY,
                )
            return data
        raise xendit_error(response.status_code, data, f"{method} {path}")

    @staticmethod
    def _field(data: Mapping[str, Any], key: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise GatewayUnavailable(f"Xendit response has no {key!r}", gateway=GATEWAY)
        return value

    @staticmethod
    def _currency(data: Mapping[str, Any]) -> Currency:
        try:
            return Currency(str(data.get("currency", "")).upper())
        except ValueError:
            raise GatewayRejected(
                f"Xendit payment in unsupported currency {data.get('currency')!r}",
                gateway=GATEWAY,
            ) from None

    @staticmethod
    def _amount(value: object, currency: Currency) -> Decimal | None:
        if value is None:
            return None
        try:
            return wire_amount(value, currency, what="amount", gateway=GATEWAY)
        except WebhookPayloadError as exc:
            raise GatewayUnavailable(f"Xendit sent a bad amount: {exc}", gateway=GATEWAY) from None


def xendit_error(status_code: int, data: Any, what: str) -> Exception:
    """Map a non-2xx Xendit answer (`{"error_code", "message"}`) onto our error classes."""
    code = data.get("error_code") if isinstance(data, dict) else None
    message = data.get("message") if isinstance(data, dict) else None
    text = f"Xendit {what} failed with HTTP {status_code}"
    if code:
        text += f" {code}"
    if message:
        text += f": {message}"
    code_str = str(code) if code else None
    if status_code >= 500 or status_code in (408, 429):
        return GatewayUnavailable(
            text, status_code=status_code, gateway_code=code_str, gateway=GATEWAY
        )
    if status_code == 404:
        return PaymentNotFound(
            text, status_code=status_code, gateway_code=code_str, gateway=GATEWAY
        )
    return GatewayRejected(text, status_code=status_code, gateway_code=code_str, gateway=GATEWAY)


def verify_xendit_callback(headers: Mapping[str, str], callback_token: str) -> None:
    """Raise `WebhookAuthError` unless `x-callback-token` equals the token (constant time)."""
    received = header_value(headers, CALLBACK_TOKEN_HEADER)
    if not received:
        raise WebhookAuthError("missing x-callback-token header", gateway=GATEWAY)
    if not hmac.compare_digest(received.encode(), callback_token.encode()):
        raise WebhookAuthError("x-callback-token does not match", gateway=GATEWAY)


def _time(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise WebhookPayloadError(f"webhook field {what!r} is missing", gateway=GATEWAY)
    try:
        return parse_iso(value)
    except ValueError:
        raise WebhookPayloadError(
            f"webhook field {what!r} is not a time", gateway=GATEWAY
        ) from None


def parse_xendit_webhook(body: bytes) -> WebhookEvent:
    """Normalize Xendit's flat invoice callback (PAID, SETTLED, EXPIRED) or refund envelope."""
    data = json_loads_object(body, gateway=GATEWAY)
    if "event" in data:
        return _parse_refund_envelope(data)
    invoice_id = require_str(data, "id", gateway=GATEWAY)
    external_id = require_str(data, "external_id", gateway=GATEWAY)
    status = require_str(data, "status", gateway=GATEWAY).upper()
    currency = wire_currency(data.get("currency"), gateway=GATEWAY)

    if status in ("PAID", "SETTLED"):
        kind = EventKind.PAID
        paid = data.get("paid_amount", data.get("amount"))
        amount = wire_amount(paid, currency, what="paid_amount", gateway=GATEWAY)
        occurred_at = _time(data.get("paid_at") or data.get("updated"), "paid_at")
        # PAID and SETTLED describe one payment: they share an event id, so only one counts.
        event_status = "PAID"
    elif status == "EXPIRED":
        kind = EventKind.EXPIRED
        amount = wire_amount(data.get("amount"), currency, what="amount", gateway=GATEWAY)
        occurred_at = _time(data.get("updated") or data.get("created"), "updated")
        event_status = status
    elif status == "PENDING":
        kind = EventKind.PENDING
        amount = wire_amount(data.get("amount"), currency, what="amount", gateway=GATEWAY)
        occurred_at = _time(data.get("updated") or data.get("created"), "updated")
        event_status = status
    else:
        raise WebhookPayloadError(f"unknown invoice status {status!r}", gateway=GATEWAY)

    return WebhookEvent(
        gateway=GATEWAY,
        kind=kind,
        event_id=f"{invoice_id}:{event_status}",
        gateway_transaction_id=invoice_id,
        reference=invoice_id,
        merchant_reference=external_id,
        invoice_id=None,
        installment_number=None,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        raw=data,
    )


def _parse_refund_envelope(envelope: dict[str, Any]) -> WebhookEvent:
    event = require_str(envelope, "event", gateway=GATEWAY)
    if event == "refund.succeeded":
        kind = EventKind.REFUNDED
    elif event == "refund.failed":
        kind = EventKind.FAILED
    else:
        raise WebhookPayloadError(f"unsupported Xendit event {event!r}", gateway=GATEWAY)
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise WebhookPayloadError("refund webhook has no 'data' object", gateway=GATEWAY)
    refund_id = require_str(data, "id", gateway=GATEWAY)
    currency = wire_currency(data.get("currency"), gateway=GATEWAY)
    amount = wire_amount(data.get("amount"), currency, what="data.amount", gateway=GATEWAY)
    reference = data.get("invoice_id") or data.get("payment_request_id") or data.get("payment_id")
    if not isinstance(reference, str) or not reference:
        raise WebhookPayloadError("refund webhook names no invoice or payment", gateway=GATEWAY)
    occurred_at = _time(
        data.get("updated") or data.get("created") or envelope.get("created"), "created"
    )
    payment_id = data.get("payment_id")
    reason = refund_reason_of(data)
    return WebhookEvent(
        gateway=GATEWAY,
        kind=kind,
        event_id=f"{refund_id}:{event}",
        gateway_transaction_id=payment_id if isinstance(payment_id, str) else None,
        reference=reference,
        merchant_reference=None,
        invoice_id=None,
        installment_number=None,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        refund_id=refund_id,
        refund_amount=amount,
        refund_reason=reason,
        refund_key=refund_key_of(data),
        refund_failure=refund_failure_of(data) if kind is EventKind.FAILED else None,
        raw=envelope,
    )


def refund_reason_of(data: Mapping[str, Any]) -> str | None:
    """A Xendit refund's reason: the free text PayTrust sent in metadata, else its code."""
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("reason"), str):
        return str(metadata["reason"])
    reason = data.get("reason")
    return reason if isinstance(reason, str) else None


def refund_key_of(data: Mapping[str, Any]) -> str | None:
    """The `reference_id` PayTrust gave the refund (its refund key), if any."""
    key = data.get("reference_id")
    return key[:100] if isinstance(key, str) and key else None


def refund_failure_of(data: Mapping[str, Any]) -> str:
    """Why Xendit failed a refund: its `failure_code` (and message when it sends one)."""
    code = data.get("failure_code")
    message = data.get("failure_message")
    parts = [str(v) for v in (code, message) if isinstance(v, str) and v]
    return (": ".join(parts) or "Xendit reported the refund as failed")[:255]
