"""Per-request context (request id, tenant) carried by contextvars into logs and errors."""

from __future__ import annotations

from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
tenant_var: ContextVar[str | None] = ContextVar("tenant_id", default=None)


def current_request_id() -> str | None:
    return request_id_var.get()
