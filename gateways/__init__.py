"""Payment gateways: the `PaymentGateway` protocol, the Xendit and Midtrans clients, and the
normalized models and errors they share. See docs/gateways.md."""

from contracts.gateway_events import EventKind, GatewayName, WebhookEvent
from gateways.base import (
    ORDER_ID_TAKEN,
    CreatedPayment,
    GatewayError,
    GatewayRejected,
    GatewaySettings,
    GatewayUnavailable,
    PaymentGateway,
    PaymentItem,
    PaymentNotFound,
    PaymentRequest,
    PaymentState,
    PaymentStatus,
    RefundResult,
    RefundStatus,
    WebhookAuthError,
    WebhookPayloadError,
    new_merchant_reference,
)
from gateways.midtrans import MidtransGateway
from gateways.registry import build_gateways, close_gateways
from gateways.xendit import XenditGateway

__all__ = [
    "ORDER_ID_TAKEN",
    "CreatedPayment",
    "EventKind",
    "GatewayError",
    "GatewayName",
    "GatewayRejected",
    "GatewaySettings",
    "GatewayUnavailable",
    "MidtransGateway",
    "PaymentGateway",
    "PaymentItem",
    "PaymentNotFound",
    "PaymentRequest",
    "PaymentState",
    "PaymentStatus",
    "RefundResult",
    "RefundStatus",
    "WebhookAuthError",
    "WebhookEvent",
    "WebhookPayloadError",
    "XenditGateway",
    "build_gateways",
    "close_gateways",
    "new_merchant_reference",
]
