"""Prometheus metrics: the api process serves them at GET /metrics; the worker process (whose
activities also count here) on WORKER_APP_METRICS_PORT (see worker.py)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "paytrust_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "paytrust_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
WEBHOOKS = Counter(
    "paytrust_webhooks_total",
    "Webhook deliveries by outcome (accepted, duplicate, unauthorized, malformed, unavailable)",
    ["gateway", "outcome"],
)
# Worker side (activities/webhooks.py record_webhook_attempt), once the attempt is recorded:
# processed (delivered to its invoice), retried (an attempt failed, another is scheduled),
# failed (permanently failed: retries exhausted or a non-retryable error). The webhook success
# rate of NFR-004 is processed / (processed + failed).
WEBHOOK_PROCESSING = Counter(
    "paytrust_webhook_processing_total",
    "Webhook processing outcomes in the worker (processed, retried, failed)",
    ["gateway", "outcome"],
)
GATEWAY_CALLS = Counter(
    "paytrust_gateway_calls_total", "Gateway API calls", ["gateway", "operation", "outcome"]
)
GATEWAY_LATENCY = Histogram(
    "paytrust_gateway_call_duration_seconds", "Gateway API latency", ["gateway", "operation"]
)
# Worker side (activities/invoices.py apply_payment_event): paid events applied, by how they
# reached us: notification (a gateway webhook), sync (the workflow asked the gateway: the
# notification was lost or late), reconciliation (asked just before expiry).
PAYMENTS_APPLIED = Counter(
    "paytrust_payments_applied_total",
    "Payments applied to invoices, by gateway and source (notification, sync, reconciliation)",
    ["gateway", "source"],
)
INVOICE_TRANSITIONS = Counter(
    "paytrust_invoice_transitions_total", "Invoice status transitions", ["from_status", "to_status"]
)

API_KEY_VERIFICATIONS = Counter(
    "paytrust_api_key_verifications_total",
    "argon2 verifications of API keys (a cache miss; cached requests do not hash)",
    ["outcome"],
)

WEBHOOKS_REJECTED = Counter(
    "paytrust_webhooks_rejected_total",
    "Verified notifications refused by the worker: not a link PayTrust issued, or not "
    "confirmed by the gateway (reason: not_issued, unknown_to_gateway, transaction_mismatch, "
    "status_mismatch, unknown_refund, gateway_refused)",
    ["gateway", "reason"],
)
# Merchant webhooks (worker side, activities/deliveries.py): each attempt's outcome
# (succeeded; retrying: failed, another attempt scheduled; failed: the last attempt failed;
# blocked: the URL failed the SSRF guard, counted as a failure too), the time from the event's
# commit to its successful delivery, and deliveries waiting per endpoint.
WEBHOOK_DELIVERIES = Counter(
    "paytrust_webhook_deliveries_total",
    "Outbound webhook delivery attempts by outcome (succeeded, retrying, failed)",
    ["outcome"],
)
WEBHOOK_DELIVERY_LATENCY = Histogram(
    "paytrust_webhook_delivery_latency_seconds",
    "From an event's commit to its successful delivery",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000, 100000),
)
WEBHOOK_QUEUED = Gauge(
    "paytrust_webhook_deliveries_queued",
    "Pending deliveries per webhook endpoint",
    ["endpoint_id"],
)
# Per endpoint (bounded: at most 16 per tenant): attempts that got a 2xx (ok) or not (error).
# The "ok" series is created with the first error, so "no success in an hour" is a 0, not an
# absent series (alert WebhookEndpointFailing).
WEBHOOK_ENDPOINT_ATTEMPTS = Counter(
    "paytrust_webhook_endpoint_attempts_total",
    "Outbound webhook attempts per endpoint (ok, error)",
    ["endpoint_id", "result"],
)
