"""The OpenAPI document (API.md: "the live OpenAPI document must describe exactly this").

FastAPI generates it from the routes and models; `install_openapi` adds what it cannot know:
the `Idempotency-Key` header the idempotency middleware honours on every authenticated POST
(its bound included), and an example for each request body and each success response, so
Swagger UI, ReDoc and the generated client show real payloads. `tests/api/test_openapi.py`
validates the document and each example against its schema.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

IDEMPOTENCY_KEY_MAX_LENGTH = 255

IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes the POST safe to retry: a replay with the same key and body returns the first "
        "status and body; the same key with another body is a 409. Scoped to the caller, kept "
        "at least 24 h."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH},
    "example": "order-1001-create",
}

_IDEMPOTENCY_CONFLICT: dict[str, Any] = {
    "description": "Idempotency-Key reused with a different body (or still in progress)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
}

_LINE_ITEM_OUT = {
    "id": 1,
    "description": "Widget",
    "quantity": 2,
    "unit_price": "50000",
    "subtotal": "100000",
    "tax_rate": "0.1100",
    "tax_category": "VAT",
    "tax_amount": "11000",
}
_INSTALLMENT_OUT = {
    "number": 1,
    "amount": "38633",
    "tax_amount": "3667",
    "service_fee_amount": "1633",
    "due_date": "2026-11-26T10:00:00Z",
    "status": "unpaid",
    "paid_amount": "0",
    "paid_at": None,
}
_INVOICE_OUT = {
    "id": 42,
    "external_id": "order-1001",
    "status": "draft",
    "currency": "IDR",
    "gateway_id": 1,
    "gateway": "xendit",
    "description": "Order 1001",
    "customer": {"name": "Ani", "email": "ani@example.com"},
    "metadata": {},
    "line_items": [_LINE_ITEM_OUT],
    "subtotal": "100000",
    "tax_total": "11000",
    "service_fee": "4900",
    "total": "115900",
    "amount_paid": "0",
    "amount_due": "115900",
    "amount_refunded": "0",
    "overpayment_amount": "0",
    "installments": [],
    "payment_initiated_at": None,
    "original_invoice_id": None,
    "expires_at": "2026-11-27T10:00:00Z",
    "created_at": "2026-11-26T10:00:00Z",
    "updated_at": "2026-11-26T10:00:00Z",
}
_API_KEY_OUT = {
    "id": 7,
    "tenant_id": "acme",
    "name": "backend",
    "key_prefix": "pt_live_a1b2",
    "status": "active",
    "created_at": "2026-11-26T10:00:00Z",
    "rotated_at": None,
    "revoked_at": None,
    "last_used_at": None,
}
_HEALTH = {"status": "ok", "checks": {"database": "ok", "temporal": "ok"}}
_ACCEPTED = {"status": "accepted", "event_id": "evt_5f0c2a"}


_GATEWAY_ACCOUNT_OUT = {
    "id": "gwa_3q2X9mTzW1c8kRr5yVb0hLdN",
    "gateway": "xendit",
    "status": "active",
    "credentials": {"secret_key": "••••_key", "callback_token": "••••oken"},
    "webhook_url": "https://pay.example.com/webhooks/xendit/gwa_3q2X9mTzW1c8kRr5yVb0hLdN",
    "created_at": "2026-11-26T10:00:00Z",
    "updated_at": "2026-11-26T10:00:00Z",
    "deleted_at": None,
}


_EVENT_OUT = {
    "id": "evt_2Hq8cV0bX1sQk3r9",
    "type": "invoice.paid",
    "created_at": "2026-11-26T10:05:00Z",
    "invoice_id": 42,
    "sequence": 3,
    "data": {"object": {"id": 42, "status": "fully_paid", "amount_paid": "115900"}},
}
_ENDPOINT_OUT = {
    "id": 7,
    "url": "https://shop.example.com/paytrust/webhooks",
    "events": ["invoice.paid", "refund.*"],
    "description": "order service",
    "disabled": False,
    "disabled_reason": None,
    "previous_secret_expires_at": None,
    "created_at": "2026-11-26T10:00:00Z",
    "updated_at": "2026-11-26T10:00:00Z",
}
_DELIVERY_OUT = {
    "id": 31,
    "endpoint_id": 7,
    "event_id": "evt_2Hq8cV0bX1sQk3r9",
    "event_type": "invoice.paid",
    "invoice_id": 42,
    "sequence": 3,
    "status": "succeeded",
    "attempt_count": 1,
    "next_attempt_at": None,
    "last_attempt_at": "2026-11-26T10:05:01Z",
    "delivered_at": "2026-11-26T10:05:01Z",
    "created_at": "2026-11-26T10:05:00Z",
    "attempts": [
        {
            "attempted_at": "2026-11-26T10:05:01Z",
            "status_code": 200,
            "duration_ms": 42,
            "error": None,
            "response_body": "ok",
        }
    ],
}
_REFUND_OUT = {
    "refund_id": "rf_9b1d2c3e4f5a6b7c8d9e0f1a",
    "invoice_id": 42,
    "transaction_id": 3,
    "refund_amount": "50000",
    "amount_refunded": "50000",
    "currency": "IDR",
    "refund_timestamp": "2026-11-27T09:00:02Z",
    "refund_reason": "damaged item",
    "status": "succeeded",
    "source": "merchant",
    "failure_reason": None,
    "requested_at": "2026-11-27T09:00:00Z",
    "settled_at": "2026-11-27T09:00:02Z",
    "parts": [
        {
            "transaction_id": 3,
            "amount": "50000",
            "status": "succeeded",
            "gateway_refund_id": "rfd-6f4a9b8e-2c1d-4e5f-9a8b-7c6d5e4f3a2b",
            "failure_reason": None,
            "settled_at": "2026-11-27T09:00:02Z",
        }
    ],
}
_REFUND_PENDING = {
    **_REFUND_OUT,
    "amount_refunded": "0",
    "refund_timestamp": "2026-11-27T09:00:00Z",
    "status": "pending",
    "settled_at": None,
    "parts": [
        {
            "transaction_id": 3,
            "amount": "50000",
            "status": "pending",
            "gateway_refund_id": None,
            "failure_reason": None,
            "settled_at": None,
        }
    ],
}
_SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 (a documentation example)


def _page(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": [item],
        "page": 1,
        "page_size": 50,
        "total": 1,
        "has_more": False,
        "next_cursor": None,
    }


# Component schema name → one example payload.
EXAMPLES: dict[str, Any] = {
    "InvoiceCreate": {
        "external_id": "order-1001",
        "currency": "IDR",
        "gateway_id": 1,
        "description": "Order 1001",
        "customer": {"name": "Ani", "email": "ani@example.com"},
        "line_items": [
            {
                "description": "Widget",
                "quantity": 2,
                "unit_price": "50000",
                "tax_rate": "0.11",
                "tax_category": "VAT",
            }
        ],
        "metadata": {"cart": "c-77"},
    },
    "SupplementaryCreate": {
        "external_id": "order-1001-extra",
        "description": "Extra shipping",
        "line_items": [{"description": "Shipping", "quantity": 1, "unit_price": "20000"}],
    },
    "InvoicePatch": {
        "description": "Order 1001 (gift wrapped)",
        "line_items": [{"description": "Widget", "quantity": 3, "unit_price": "50000"}],
    },
    "PaymentInitiate": {
        "installment_number": 1,
        "success_redirect_url": "https://shop.example.com/orders/1001/thanks",
        "failure_redirect_url": "https://shop.example.com/orders/1001/retry",
    },
    "CancelIn": {"reason": "customer changed their mind"},
    "AdjustInstallmentsRequest": {
        "installments": [{"number": 2, "amount": "40000", "due_date": "2026-12-10T10:00:00Z"}]
    },
    "ApiKeyCreate": {"tenant_id": "acme", "name": "backend"},
    "ApiKeyRotate": {"grace_period_seconds": 3600},
    "InvoiceOut": _INVOICE_OUT,
    "Page_InvoiceOut_": _page(_INVOICE_OUT),
    "PaymentOut": {
        "invoice_id": 42,
        "installment_number": None,
        "amount": "115900",
        "currency": "IDR",
        "gateway": "xendit",
        "gateway_reference": "inv_9f2c4e1a7b",
        "payment_url": "https://checkout.xendit.co/web/inv_9f2c4e1a7b",
        "expires_at": "2026-11-27T10:00:00Z",
    },
    "InstallmentList": {"invoice_id": 42, "data": [_INSTALLMENT_OUT]},
    "TransactionList": {
        "invoice_id": 42,
        "data": [
            {
                "id": 3,
                "installment_number": None,
                "gateway": "xendit",
                "gateway_transaction_id": "inv_9f2c4e1a7b",
                "amount": "115900",
                "currency": "IDR",
                "status": "paid",
                "overpayment_amount": "0",
                "refunded_amount": "0",
                "failure_reason": None,
                "paid_at": "2026-11-26T10:05:00Z",
                "created_at": "2026-11-26T10:01:00Z",
            }
        ],
    },
    "DiscrepancyList": {
        "invoice_id": 42,
        "discrepancies": [
            {
                "transaction_id": 3,
                "installment_number": None,
                "expected_amount": "115900",
                "paid_amount": "100000",
                "difference": "-15900",
                "type": "underpayment",
            }
        ],
    },
    "OverpaymentOut": {
        "invoice_id": 42,
        "total_amount": "115900",
        "total_paid": "120000",
        "overpayment_amount": "4100",
    },
    "RefundCreate": {"amount": "50000", "reason": "damaged item"},
    "RefundFail": {"reason": "Xendit support confirmed the refund was never made"},
    "RefundOut": _REFUND_OUT,
    "RefundList": {"invoice_id": 42, "data": [_REFUND_OUT]},
    "PendingRefundList": {"data": [_REFUND_PENDING]},
    "GatewayList": {
        "data": [
            {
                "id": 1,
                "name": "xendit",
                "supported_currencies": ["IDR", "MYR", "USD"],
                "fees": [{"currency": "IDR", "fee_percentage": "0.0290", "fee_fixed": "2000"}],
                "region": "Southeast Asia",
            }
        ]
    },
    "ApiKeyWithSecret": {
        **_API_KEY_OUT,
        "key": "pt_live_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",
        "previous_key_expires_at": None,
    },
    "Page_ApiKeyOut_": _page(_API_KEY_OUT),
    "Page_AuditEntry_": _page(
        {
            "id": 11,
            "api_key_id": 7,
            "tenant_id": "acme",
            "operation_type": "created",
            "actor_identifier": "admin",
            "ip_address": "203.0.113.9",
            "success_status": True,
            "created_at": "2026-11-26T10:00:00Z",
        }
    ),
    "Page_FailedWebhook_": _page(
        {
            "id": 5,
            "gateway": "xendit",
            "event_id": "inv_9f2c4e1a7b:PAID",
            "event_type": "invoice.paid",
            "invoice_id": 42,
            "attempts": 5,
            "last_error": "invoice 42 not found",
            "failed_at": "2026-11-26T11:00:00Z",
        }
    ),
    "FinancialReport": {
        "start_date": "2026-11-01",
        "end_date": "2026-11-30",
        "currencies": [
            {
                "currency": "IDR",
                "invoice_count": 1,
                "subtotal": "100000",
                "tax_total": "11000",
                "service_fee_total": "4900",
                "total": "115900",
                "amount_paid": "115900",
                "amount_refunded": "0",
                "received_on_closed_invoices": "0",
                "taxes": [
                    {
                        "tax_rate": "0.1100",
                        "tax_category": "VAT",
                        "taxable_amount": "100000",
                        "tax_amount": "11000",
                    }
                ],
                "service_fees": [{"gateway": "xendit", "amount": "4900"}],
            }
        ],
    },
    "GatewayAccountCreate": {
        "gateway": "xendit",
        "credentials": {
            "secret_key": "xnd_production_your_secret_key",
            "callback_token": "your-xendit-callback-token",
        },
    },
    "CredentialsUpdate": {
        "credentials": {
            "secret_key": "xnd_production_the_new_secret_key",
            "callback_token": "the-new-xendit-callback-token",
        }
    },
    "GatewayAccountOut": _GATEWAY_ACCOUNT_OUT,
    "GatewayAccountList": {"data": [_GATEWAY_ACCOUNT_OUT]},
    "EventOut": _EVENT_OUT,
    "EventList": {"data": [_EVENT_OUT], "has_more": False, "next_cursor": None},
    "EndpointCreate": {
        "url": "https://shop.example.com/paytrust/webhooks",
        "events": ["invoice.paid", "refund.*"],
        "description": "order service",
    },
    "EndpointPatch": {"events": ["*"], "disabled": False},
    "RotateSecret": {"expire_previous_in_seconds": 86400},
    "EndpointOut": _ENDPOINT_OUT,
    "EndpointWithSecret": {**_ENDPOINT_OUT, "secret": _SECRET_EXAMPLE},
    "EndpointList": {"data": [_ENDPOINT_OUT]},
    "DeliveryList": {"data": [_DELIVERY_OUT], "has_more": False, "next_cursor": None},
    "DeliveryAccepted": {
        "delivery_id": 31,
        "event_id": "evt_2Hq8cV0bX1sQk3r9",
        "status": "pending",
    },
    "Health": _HEALTH,
    "WebhookAccepted": _ACCEPTED,
}


def _schema_name(schema: dict[str, Any]) -> str | None:
    """The component behind a body schema: a `$ref`, or an optional body's `anyOf [ref, null]`."""
    ref = schema.get("$ref")
    if ref is None:
        refs = [s["$ref"] for s in schema.get("anyOf", []) if "$ref" in s]
        ref = refs[0] if len(refs) == 1 else None
    return ref.rsplit("/", 1)[-1] if ref else None


def _add_example(content: dict[str, Any]) -> None:
    media = content.get("application/json")
    if media is None or "example" in media:
        return
    name = _schema_name(media.get("schema", {}))
    if name in EXAMPLES:
        media["example"] = copy.deepcopy(EXAMPLES[name])


def enrich(document: dict[str, Any]) -> dict[str, Any]:
    """Idempotency-Key on authenticated POSTs; examples on bodies, responses and schemas."""
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if name in EXAMPLES:
            schema.setdefault("examples", [copy.deepcopy(EXAMPLES[name])])
    for operations in document.get("paths", {}).values():
        for method, operation in operations.items():
            if method == "post" and operation.get("security"):
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "Idempotency-Key" for p in parameters):
                    parameters.append(copy.deepcopy(IDEMPOTENCY_PARAMETER))
                operation.setdefault("responses", {}).setdefault(
                    "409", copy.deepcopy(_IDEMPOTENCY_CONFLICT)
                )
            if "requestBody" in operation:
                _add_example(operation["requestBody"].get("content", {}))
            for code, response in operation.get("responses", {}).items():
                if str(code).startswith("2"):
                    _add_example(response.get("content", {}))
    return document


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = enrich(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                    separate_input_output_schemas=app.separate_input_output_schemas,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
