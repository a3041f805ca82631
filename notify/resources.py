"""How a webhook endpoint is rendered: one home for the api's `EndpointOut` and the
`webhook_endpoint.*` event payloads the worker records (so `activities` never imports `api`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from db.models import WebhookEndpoint
from domain.timeutil import iso_utc


def endpoint_fields(row: WebhookEndpoint) -> dict[str, Any]:
    """The endpoint as the api shows it (never its secrets), as Python values."""
    return {
        "id": row.id,
        "url": row.url,
        "events": list(row.events),
        "description": row.description,
        "disabled": row.disabled,
        "disabled_reason": row.disabled_reason,
        "previous_secret_expires_at": row.previous_secret_expires_at,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def endpoint_resource(row: WebhookEndpoint) -> dict[str, Any]:
    """`endpoint_fields` as JSON (timestamps as the api writes them): an event's data.object."""
    return {
        key: iso_utc(value) if isinstance(value, datetime) else value
        for key, value in endpoint_fields(row).items()
    }
