"""The `ApplicationError.type` values PayTrust's activities and workflows raise, and the api
maps to HTTP (`api/invoices/service.py:_update_error`). One enum, so a type is never a typo."""

from __future__ import annotations

from enum import StrEnum


class ErrorType(StrEnum):
    # A business rule refused the change (400): the message says which.
    BUSINESS_RULE = "BusinessRule"
    NOT_FOUND = "NotFound"  # 404
    # The workflow has not loaded its invoice yet (409, retry).
    NOT_READY = "NotReady"
    GATEWAY_REJECTED = "GatewayRejected"  # the gateway refused the request (400)
    GATEWAY_UNAVAILABLE = "GatewayUnavailable"  # 503, retry
    # The gateway answered 409 for a refund key: the refund may exist, so it stays pending
    # for an operator (runbook); never retried. The api answers it as a business rule (400).
    GATEWAY_CONFLICT = "GatewayConflict"
    UNAVAILABLE = "Unavailable"  # a dependency (MySQL, an activity) did not answer: 503
    # Deterministic bad data an activity cannot store or compute: never retried.
    INVALID_DATA = "InvalidData"
    # Webhooks: the gateway did not confirm the notification; the event is refused.
    WEBHOOK_REJECTED = "WebhookRejected"
    WEBHOOK_IN_FLIGHT = "WebhookInFlight"
    WEBHOOK_PERMANENTLY_FAILED = "WebhookPermanentlyFailed"
    CURRENCY_MISMATCH = "CurrencyMismatch"
