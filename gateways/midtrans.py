"""Midtrans client (Snap for payment pages, Core API v2 for status, refund, expire) and
notification verification/parsing (see GATEWAYS.md).

Snap lives on `app.*.midtrans.com`, the Core API on `api.*.midtrans.com`: two base URLs, one
pooled HTTP client. Nothing in here knows about the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from urllib.parse import quote

from pydantic import SecretStr

from contracts.gateway_events import EventKind, GatewayName, WebhookEvent
from domain.money import Currency, decimal_places
from domain.timeutil import utcnow
from gateways.base import (
    ORDER_ID_TAKEN,
    CreatedPayment,
    GatewayError,
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
    json_loads_object,
    require_str,
    wire_amount,
    wire_currency,
)
from gateways.http import DEFAULT_TIMEOUT_SECONDS, build_http_client, response_json, send
from gateways.wire import midtrans_expiry_start, parse_midtrans_time

GATEWAY: Final[GatewayName] = "midtrans"
SUPPORTED_CURRENCIES: Final = frozenset({Currency.IDR})
ITEM_NAME_MAX: Final = 50
ITEM_ID_MAX: Final = 50

# Body status codes that are answers, not errors ("407" is an expired transaction).
_STATUS_OK: Final = frozenset({"200", "201", "202", "407"})
_REFUND_OK: Final = frozenset({"200"})
_EXPIRE_OK: Final = frozenset({"200", "407"})


def _secret(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def midtrans_signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    """hex(SHA512(order_id + status_code + gross_amount + server_key)), as Midtrans signs."""
    payload = f"{order_id}{status_code}{gross_amount}{server_key}".encode()
    return hashlib.sha512(payload).hexdigest()


def payment_state(transaction_status: str, fraud_status: str | None) -> PaymentState:
    """Midtrans `transaction_status` (+ `fraud_status` for card captures) → PaymentState."""
    if transaction_status == "settlement":
        return PaymentState.PAID
    if transaction_status == "capture":
        if fraud_status == "accept":
            return PaymentState.PAID
        if fraud_status == "deny":
            return PaymentState.FAILED
        return PaymentState.PENDING  # challenge: the merchant must still approve it
    if transaction_status in ("pending", "authorize"):
        return PaymentState.PENDING
    if transaction_status == "expire":
        return PaymentState.EXPIRED
    if transaction_status in ("deny", "cancel", "failure"):
        return PaymentState.FAILED
    if transaction_status == "refund":
        return PaymentState.REFUNDED
    if transaction_status == "partial_refund":
        return PaymentState.PARTIALLY_REFUNDED
    raise ValueError(f"unknown Midtrans transaction_status {transaction_status!r}")


_EVENT_KINDS: Final[dict[PaymentState, EventKind]] = {
    PaymentState.PAID: EventKind.PAID,
    PaymentState.PENDING: EventKind.PENDING,
    PaymentState.EXPIRED: EventKind.EXPIRED,
    PaymentState.FAILED: EventKind.FAILED,
    PaymentState.REFUNDED: EventKind.REFUNDED,
    PaymentState.PARTIALLY_REFUNDED: EventKind.REFUNDED,
}


def snap_item_details(req: PaymentRequest) -> list[dict[str, Any]]:
    """`item_details` whose price * quantity sum is exactly the gross amount.

    The request's items plus tax and service fee as their own lines when they add up to the
    amount (an invoice paid at once); otherwise (an installment, a partial amount) one line for
    the amount, since Midtrans refuses any mismatch.
    """
    gross = int(req.amount)
    lines: list[dict[str, Any]] = []
    for index, item in enumerate(req.items, start=1):
        line: dict[str, Any] = {
            "id": f"item-{index}"[:ITEM_ID_MAX],
            "price": item.price,
            "quantity": item.quantity,
            "name": item.name[:ITEM_NAME_MAX],
        }
        if item.category:
            line["category"] = item.category[:ITEM_NAME_MAX]
        lines.append(line)
    if req.tax_amount:
        lines.append({"id": "tax", "price": req.tax_amount, "quantity": 1, "name": "Tax"})
    if req.service_fee:
        lines.append(
            {"id": "service-fee", "price": req.service_fee, "quantity": 1, "name": "Service fee"}
        )
    integral = all(decimal_places(line["price"]) == 0 for line in lines)
    total = sum((line["price"] * line["quantity"] for line in lines), Decimal(0))
    if lines and integral and total == req.amount:
        return [{**line, "price": int(line["price"])} for line in lines]
    label = req.description or f"Invoice {req.invoice_id}"
    if req.installment_number is not None:
        label = f"Installment {req.installment_number} of invoice {req.invoice_id}"
    return [{"id": "payment", "price": gross, "quantity": 1, "name": label[:ITEM_NAME_MAX]}]


class MidtransGateway:
    """`PaymentGateway` over Midtrans Snap + Core API v2, with one pooled HTTP client."""

    def __init__(
        self,
        *,
        snap_base_url: str,
        api_base_url: str,
        server_key: str | SecretStr,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._server_key = _secret(server_key)
        self._timeout_seconds = timeout_seconds
        self._snap_base = snap_base_url.rstrip("/")
        self._api_base = api_base_url.rstrip("/")
        self._http = build_http_client(self._server_key, timeout_seconds)

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> MidtransGateway:
        """Build from PayTrust settings (`midtrans_*`, `gateway_timeout_seconds`)."""
        return cls(
            snap_base_url=settings.midtrans_snap_base_url,
            api_base_url=settings.midtrans_api_base_url,
            server_key=settings.midtrans_server_key,
            timeout_seconds=settings.gateway_timeout_seconds,
        )

    @property
    def name(self) -> GatewayName:
        """Always "midtrans"."""
        return GATEWAY

    @property
    def supported_currencies(self) -> frozenset[Currency]:
        """IDR only."""
        return SUPPORTED_CURRENCIES

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # -- API calls ----------------------------------------------------------------------------

    async def create_payment(self, req: PaymentRequest) -> CreatedPayment:
        """Snap `POST /snap/v1/transactions` → 201 {token, redirect_url}.

        The Snap page expires `floor(minutes until req.expires_at)` after now, so never later
        than PayTrust's own expiry. A reused order_id raises `GatewayRejected` with
        `gateway_code == ORDER_ID_TAKEN`: create again with the next attempt number.
        """
        if req.currency not in SUPPORTED_CURRENCIES:
            raise GatewayRejected(f"Midtrans accepts IDR only, not {req.currency}", gateway=GATEWAY)
        start = utcnow().replace(microsecond=0)
        minutes = int((req.expires_at - start).total_seconds() // 60)
        if minutes < 1:
            raise GatewayRejected(
                "expires_at is less than a minute away; Midtrans cannot honour it",
                gateway=GATEWAY,
            )
        order_id = req.merchant_reference
        body: dict[str, Any] = {
            "transaction_details": {"order_id": order_id, "gross_amount": int(req.amount)},
            "item_details": snap_item_details(req),
            "expiry": {
                "start_time": midtrans_expiry_start(start),
                "unit": "minute",
                "duration": minutes,
            },
            # Merchant-side bookkeeping (not shown to the payer; references carry no ids).
            "custom_field1": str(req.invoice_id),
        }
        customer: dict[str, str] = {}
        if req.customer_name:
            customer["first_name"] = req.customer_name
        if req.customer_email:
            customer["email"] = req.customer_email
        if customer:
            body["customer_details"] = customer
        callbacks = {
            name: url
            for name, url in (
                ("finish", req.success_redirect_url),
                ("error", req.failure_redirect_url),
            )
            if url
        }
        if callbacks:
            body["callbacks"] = callbacks
        # Snap's other free-text fields, shown to the merchant: which installment, whose invoice
        # (custom_field1 is our invoice id, above).
        if req.installment_number and req.installment_count:
            body["custom_field2"] = f"{req.installment_number}/{req.installment_count}"
        if req.merchant_name:
            body["custom_field3"] = req.merchant_name[:255]

        url = f"{self._snap_base}/snap/v1/transactions"
        response = await send(self._http, "POST", url, gateway=GATEWAY, body=body)
        data = response_json(response)
        if not response.is_success:
            raise snap_error(response.status_code, data)
        if not isinstance(data, dict) or not isinstance(data.get("redirect_url"), str):
            raise GatewayUnavailable(
                "Midtrans Snap answered without a redirect_url",
                status_code=response.status_code,
                gateway=GATEWAY,
            )
        return CreatedPayment(
            gateway=GATEWAY,
            reference=order_id,
            merchant_reference=order_id,
            payment_url=data["redirect_url"],
            expires_at=start + timedelta(minutes=minutes),
            amount=req.amount,
            currency=req.currency,
        )

    async def get_status(self, reference: str) -> PaymentStatus:
        """Core API `GET /v2/{order_id or transaction_id}/status`.

        An unknown id (body status_code "404", even with HTTP 200) raises `PaymentNotFound`;
        note that real Midtrans also answers 404 for a Snap order whose payer has not chosen
        a payment method yet.
        """
        data = await self._core("GET", f"/v2/{quote(reference, safe='')}/status", _STATUS_OK)
        transaction_status = str(data.get("transaction_status", ""))
        fraud = data.get("fraud_status")
        try:
            state = payment_state(transaction_status, fraud if isinstance(fraud, str) else None)
        except ValueError as exc:
            raise GatewayUnavailable(str(exc), gateway=GATEWAY) from None
        currency = _core_currency(data)
        gross = _core_amount(data.get("gross_amount"), currency)
        refunded = _core_amount(data.get("refund_amount"), currency)
        paid_states = (PaymentState.PAID, PaymentState.REFUNDED, PaymentState.PARTIALLY_REFUNDED)
        paid_at = _core_time(data.get("settlement_time")) if state in paid_states else None
        return PaymentStatus(
            gateway=GATEWAY,
            reference=str(data.get("order_id", reference)),
            merchant_reference=data.get("order_id"),
            gateway_transaction_id=data.get("transaction_id"),
            state=state,
            gateway_status=transaction_status,
            amount=gross,
            paid_amount=gross if state in paid_states else None,
            refunded_amount=refunded if refunded is not None else Decimal(0),
            currency=currency,
            paid_at=paid_at,
            raw=data,
        )

    async def check_credentials(self) -> None:
        """The status of an order that cannot exist: "not found" means the server key was
        accepted; a bad key raises `GatewayRejected` with Midtrans's reason."""
        probe = f"paytrust-key-check-{secrets.token_hex(8)}"
        try:
            await self._core("GET", f"/v2/{probe}/status", _STATUS_OK)
        except PaymentNotFound:
            return

    def with_credentials(self, server_key: str) -> MidtransGateway:
        """A client for another Midtrans account on the same base URLs and timeout."""
        return MidtransGateway(
            snap_base_url=self._snap_base,
            api_base_url=self._api_base,
            server_key=server_key,
            timeout_seconds=self._timeout_seconds,
        )

    async def expire(self, reference: str) -> None:
        """Core API `POST /v2/{order_id}/expire` (pending transactions only)."""
        await self._core("POST", f"/v2/{quote(reference, safe='')}/expire", _EXPIRE_OK)

    async def refund(
        self,
        reference: str,
        amount: Decimal,
        currency: Currency,
        reason: str,
        idempotency_key: str,
    ) -> RefundResult:
        """Core API `POST /v2/{order_id}/refund` with `refund_key = idempotency_key`."""
        if currency not in SUPPORTED_CURRENCIES:
            raise GatewayRejected(f"Midtrans accepts IDR only, not {currency}", gateway=GATEWAY)
        if amount <= 0 or decimal_places(amount) > 0:
            raise GatewayRejected(
                f"refund amount {amount} must be a positive whole IDR amount", gateway=GATEWAY
            )
        body = {"refund_key": idempotency_key, "amount": int(amount), "reason": reason}
        data = await self._core(
            "POST", f"/v2/{quote(reference, safe='')}/refund", _REFUND_OK, body=body
        )
        status = str(data.get("transaction_status", ""))
        return RefundResult(
            gateway=GATEWAY,
            reference=reference,
            refund_id=str(data.get("refund_key") or idempotency_key),
            status=(
                RefundStatus.SUCCEEDED
                if status in ("refund", "partial_refund")
                else RefundStatus.PENDING
            ),
            amount=_core_amount(data.get("refund_amount"), currency) or amount,
            currency=currency,
            raw=data,
        )

    # -- webhooks -----------------------------------------------------------------------------

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> None:
        """Check the body's `signature_key` (SHA-512, constant-time compare).

        A body that is not a JSON object raises `WebhookPayloadError` (nothing to verify).
        """
        verify_midtrans_notification(body, self._server_key)

    def parse_webhook(self, body: bytes) -> WebhookEvent:
        """Normalize a Midtrans HTTP notification."""
        return parse_midtrans_notification(body)

    # -- internals ----------------------------------------------------------------------------

    async def _core(
        self, method: str, path: str, ok_codes: frozenset[str], *, body: Any = None
    ) -> dict[str, Any]:
        url = f"{self._api_base}{path}"
        response = await send(self._http, method, url, gateway=GATEWAY, body=body)
        data = response_json(response)
        what = f"{method} {path}"
        if not response.is_success:
            raise core_error(response.status_code, data, what, http_status=response.status_code)
        if not isinstance(data, dict):
            raise GatewayUnavailable(
                f"Midtrans answered {what} with a body that is not a JSON object",
                status_code=response.status_code,
                gateway=GATEWAY,
            )
        body_code = str(data.get("status_code", ""))
        if body_code not in ok_codes:
            # Midtrans reports many errors with HTTP 200 and the real code in the body.
            code = int(body_code) if body_code.isdigit() else 500
            raise core_error(code, data, what, http_status=response.status_code)
        return data


def _midtrans_message(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    messages = data.get("error_messages")
    if isinstance(messages, list) and messages:
        return "; ".join(str(message) for message in messages)
    message = data.get("status_message")
    return str(message) if message else None


def snap_error(status_code: int, data: Any) -> GatewayError:
    """Map a non-2xx Snap answer (`{"error_messages": [...]}`) onto our error classes."""
    message = _midtrans_message(data)
    text = f"Midtrans Snap create failed with HTTP {status_code}"
    if message:
        text += f": {message}"
    if status_code >= 500 or status_code in (408, 429):
        return GatewayUnavailable(text, status_code=status_code, gateway=GATEWAY)
    code = ORDER_ID_TAKEN if message and "has already been taken" in message else None
    return GatewayRejected(text, status_code=status_code, gateway_code=code, gateway=GATEWAY)


def core_error(code: int, data: Any, what: str, *, http_status: int) -> GatewayError:
    """Map a Core API error (HTTP status, or body `status_code` under HTTP 200)."""
    message = _midtrans_message(data)
    text = f"Midtrans {what} failed with status {code}"
    if http_status != code:
        text += f" (HTTP {http_status})"
    if message:
        text += f": {message}"
    gateway_code = str(code)
    if code >= 500 or code in (408, 429):
        return GatewayUnavailable(
            text, status_code=code, gateway_code=gateway_code, gateway=GATEWAY
        )
    if code == 404:
        return PaymentNotFound(text, status_code=code, gateway_code=gateway_code, gateway=GATEWAY)
    return GatewayRejected(text, status_code=code, gateway_code=gateway_code, gateway=GATEWAY)


def _core_currency(data: Mapping[str, Any]) -> Currency:
    try:
        return Currency(str(data.get("currency") or "IDR").upper())
    except ValueError:
        raise GatewayRejected(
            f"Midtrans payment in unsupported currency {data.get('currency')!r}", gateway=GATEWAY
        ) from None


def _core_amount(value: object, currency: Currency) -> Decimal | None:
    if value is None:
        return None
    try:
        return wire_amount(value, currency, what="amount", gateway=GATEWAY)
    except WebhookPayloadError as exc:
        raise GatewayUnavailable(f"Midtrans sent a bad amount: {exc}", gateway=GATEWAY) from None


def _core_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_midtrans_time(value)
    except ValueError:
        return None


def verify_midtrans_notification(body: bytes, server_key: str) -> None:
    """Raise `WebhookAuthError` unless `signature_key` matches the notification.

    The signature covers order_id, status_code and gross_amount exactly as received, so the
    body is read with every number kept as its source text.
    """
    try:
        data = json.loads(body, parse_float=str, parse_int=str)
    except (ValueError, UnicodeDecodeError):
        raise WebhookPayloadError("notification body is not valid JSON", gateway=GATEWAY) from None
    if not isinstance(data, dict):
        raise WebhookPayloadError("notification body is not a JSON object", gateway=GATEWAY)
    received = data.get("signature_key")
    parts = [data.get("order_id"), data.get("status_code"), data.get("gross_amount")]
    if not isinstance(received, str) or not received:
        raise WebhookAuthError("notification has no signature_key", gateway=GATEWAY)
    if not all(isinstance(part, str) for part in parts):
        raise WebhookAuthError(
            "notification lacks order_id, status_code or gross_amount", gateway=GATEWAY
        )
    order_id, status_code, gross_amount = (str(part) for part in parts)
    expected = midtrans_signature(order_id, status_code, gross_amount, server_key)
    if not hmac.compare_digest(received.strip().lower().encode(), expected.encode()):
        raise WebhookAuthError("signature_key does not match", gateway=GATEWAY)


def _jakarta_time(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise WebhookPayloadError(f"notification field {what!r} is missing", gateway=GATEWAY)
    try:
        return parse_midtrans_time(value)
    except ValueError:
        raise WebhookPayloadError(
            f"notification field {what!r} is not a Midtrans time", gateway=GATEWAY
        ) from None


def parse_midtrans_notification(body: bytes) -> WebhookEvent:
    """Normalize a Midtrans notification.

    Paid is `settlement`, or `capture` with `fraud_status` accept; both share the event id
    `{transaction_id}:settlement` so a card's capture and later settlement count once.
    Refund notifications take the latest `refunds[]` entry as the refund, and their event id
    ends with its `refund_key`, so Midtrans's two notifications per refund de-duplicate.
    """
    data = json_loads_object(body, gateway=GATEWAY)
    order_id = require_str(data, "order_id", gateway=GATEWAY)
    transaction_id = require_str(data, "transaction_id", gateway=GATEWAY)
    transaction_status = require_str(data, "transaction_status", gateway=GATEWAY)
    fraud = data.get("fraud_status")
    try:
        state = payment_state(transaction_status, fraud if isinstance(fraud, str) else None)
    except ValueError as exc:
        raise WebhookPayloadError(str(exc), gateway=GATEWAY) from None
    kind = _EVENT_KINDS[state]
    currency = wire_currency(data.get("currency") or "IDR", gateway=GATEWAY)
    gross = wire_amount(data.get("gross_amount"), currency, what="gross_amount", gateway=GATEWAY)

    event_status = transaction_status
    refund_id: str | None = None
    refund_amount: Decimal | None = None
    refund_reason: str | None = None
    amount: Decimal | None = gross
    if kind is EventKind.PAID:
        event_status = "settlement"
        occurred_at = _jakarta_time(
            data.get("settlement_time") or data.get("transaction_time"), "transaction_time"
        )
    elif kind is EventKind.REFUNDED:
        refunds = data.get("refunds")
        if not isinstance(refunds, list) or not refunds or not isinstance(refunds[-1], dict):
            raise WebhookPayloadError("refund notification has no refunds[]", gateway=GATEWAY)
        latest: dict[str, Any] = refunds[-1]
        key = latest.get("refund_key") or latest.get("refund_chargeback_id")
        if key is None or str(key) == "":
            raise WebhookPayloadError("refunds[] entry has no refund_key", gateway=GATEWAY)
        refund_id = str(key)
        refund_amount = wire_amount(
            latest.get("refund_amount"), currency, what="refunds[].refund_amount", gateway=GATEWAY
        )
        amount = refund_amount
        reason = latest.get("reason")
        refund_reason = reason if isinstance(reason, str) else None
        event_status = f"{transaction_status}:{refund_id}"
        occurred_at = _jakarta_time(
            latest.get("created_at") or data.get("transaction_time"), "refunds[].created_at"
        )
    elif kind is EventKind.EXPIRED:
        occurred_at = _jakarta_time(
            data.get("expiry_time") or data.get("transaction_time"), "transaction_time"
        )
    else:
        occurred_at = _jakarta_time(data.get("transaction_time"), "transaction_time")

    return WebhookEvent(
        gateway=GATEWAY,
        kind=kind,
        event_id=f"{transaction_id}:{event_status}",
        gateway_transaction_id=transaction_id,
        reference=order_id,
        merchant_reference=order_id,
        invoice_id=None,
        installment_number=None,
        amount=amount,
        currency=currency,
        occurred_at=occurred_at,
        refund_id=refund_id,
        refund_amount=refund_amount,
        refund_reason=refund_reason,
        raw=data,
    )
