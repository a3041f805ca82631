"""Prometheus metrics of the api process (GET /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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
GATEWAY_CALLS = Counter(
    "paytrust_gateway_calls_total", "Gateway API calls", ["gateway", "operation", "outcome"]
)
GATEWAY_LATENCY = Histogram(
    "paytrust_gateway_call_duration_seconds", "Gateway API latency", ["gateway", "operation"]
)
INVOICE_TRANSITIONS = Counter(
    "paytrust_invoice_transitions_total", "Invoice status transitions", ["from_status", "to_status"]
)
