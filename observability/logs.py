"""Structured JSON logs: one object per line with the context of the line. No secrets.

Every line carries what is known where it was logged:
- api: `request_id` and `tenant_id` (contextvars set by the request middleware);
- activities: `workflow_id`, `run_id`, `workflow_type`, `activity_type`, `activity_id`,
  `activity_attempt` (from `temporalio.activity.info()`), and `invoice_id` / `tenant_id` / `gateway`
  read from the activity's input by `ActivityLogContextInterceptor` (registered in the worker);
- workflows (`workflow.logger`): the SDK's `temporal_workflow` extra, flattened into
  `workflow_id`, `run_id`, `workflow_type`, ...;
- an invoice workflow's id (`invoice-42`) also gives `invoice_id`.
Explicit `extra={...}` of a logging call wins over the context.

Redaction is a safety net, not the policy (nothing should log a secret in the first place):
the formatter masks known secret shapes (PayTrust API keys, Xendit / Midtrans keys, auth
headers, `key=value` pairs of credential names) and the literal secrets of the process's
settings (`register_secrets`).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from observability.context import request_id_var, tenant_var

_RESERVED = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    # Core log forwarding attaches its raw entry; its text is already in the message.
    "temporal_log",
    # Flattened below.
    "temporal_workflow",
    "temporal_activity",
}

# invoice_id, tenant_id, gateway, gateway_event_id of the running activity (from its input).
_activity_fields: ContextVar[dict[str, Any] | None] = ContextVar(
    "paytrust_activity_log_fields", default=None
)

_INVOICE_WORKFLOW_ID = re.compile(r"^invoice-(\d+)$")

# --- redaction ----------------------------------------------------------------------------

REDACTED = "[REDACTED]"
_CREDENTIAL_NAMES = (
    r"x-api-key|x-admin-key|x-callback-token|admin[_-]?api[_-]?key|api[_-]?key|"
    r"signature[_-]?key|server[_-]?key|secret[_-]?key|callback[_-]?token|password|passwd|"
    r"authorization|client[_-]?secret"
)
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "x-api-key": "pt_...", api_key=..., 'authorization': 'Basic ...' (JSON, reprs, headers)
    (
        re.compile(
            r"(?i)(?P<name>[\"']?(?:" + _CREDENTIAL_NAMES + r")[\"']?\s*[:=]\s*)"
            r"(?P<quote>[\"']?)(?:(?:basic|bearer)\s+)?[^\s\"',;}\]]+"
        ),
        r"\g<name>\g<quote>" + REDACTED,
    ),
    # PayTrust API keys: pt_<12 hex prefix>_<secret>; the prefix is not secret (it is stored).
    (re.compile(r"\b(pt_[0-9a-f]{12}_)[A-Za-z0-9_\-]{8,}"), r"\1" + REDACTED),
    # Xendit secret / public keys.
    (re.compile(r"\bxnd_(?:development|production|public)_[A-Za-z0-9_\-]+"), "xnd_" + REDACTED),
    # Midtrans server / client keys (sandbox ones start with SB-).
    (re.compile(r"\b(?:SB-)?Mid-(?:server|client)-[A-Za-z0-9_\-]+"), "Mid-" + REDACTED),
    # HTTP auth schemes anywhere in a text (a token-like word: not "basic information").
    (
        re.compile(r"\b(Basic|Bearer)\s+(?=[A-Za-z0-9+/=._\-]*[0-9=])[A-Za-z0-9+/=._\-]{12,}"),
        r"\1 " + REDACTED,
    ),
    # Passwords in URLs: scheme://user:password@host
    (re.compile(r"(?P<pre>[a-z][a-z0-9+.\-]*://[^/\s:@]+:)[^/\s@]+@"), r"\g<pre>" + REDACTED + "@"),
)
_CREDENTIAL_KEY = re.compile(r"(?i)" + _CREDENTIAL_NAMES)
# One search that matches wherever any of the patterns above could (case ignored: a superset),
# so the common text with no secret costs one scan instead of one substitution per pattern.
_MAYBE_SECRET = re.compile(
    "|".join(f"(?:{pattern.pattern.removeprefix('(?i)')})" for pattern, _ in _SECRET_PATTERNS),
    re.IGNORECASE,
)
# The literal secrets, longest first (a secret containing another is masked whole); kept
# sorted by register_secrets / forget_secrets, so redact() does no sorting.
_literal_secrets: tuple[str, ...] = ()


def register_secrets(values: Iterable[str | None]) -> None:
    """Literal secrets of this process (the admin key, gateway keys) to mask wherever they
    appear. Short values are ignored: masking them would mangle ordinary text."""
    global _literal_secrets
    added = {value for value in values if value and len(value) >= 8}
    if added.issubset(_literal_secrets):  # the usual call: the secrets are known already
        return
    _literal_secrets = tuple(sorted(set(_literal_secrets) | added, key=len, reverse=True))


def forget_secrets(values: Iterable[str]) -> None:
    """Stop masking these literal secrets (a rotated key; tests)."""
    global _literal_secrets
    dropped = set(values)
    _literal_secrets = tuple(secret for secret in _literal_secrets if secret not in dropped)


def settings_secrets(settings: Any) -> list[str]:
    """The secret values of a `config.Settings` (its `SecretStr` fields)."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        getter = getattr(value, "get_secret_value", None)
        if callable(getter):
            found.append(str(getter()))
    return found


def redact(text: str) -> str:
    for secret in _literal_secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if _MAYBE_SECRET.search(text) is None:
        return text
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            k: REDACTED
            if isinstance(k, str) and _CREDENTIAL_KEY.fullmatch(k) and value[k]
            else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


# --- context -----------------------------------------------------------------------------


def _invoice_from_workflow_id(workflow_id: Any) -> int | None:
    match = _INVOICE_WORKFLOW_ID.match(workflow_id) if isinstance(workflow_id, str) else None
    return int(match.group(1)) if match else None


def _temporal_fields(details: dict[str, Any], attempt_key: str) -> dict[str, Any]:
    """The SDK's `temporal_workflow` / `temporal_activity` extras, flattened."""
    renamed = {"workflow_run_id": "run_id", "attempt": attempt_key}
    return {renamed.get(key, key): value for key, value in details.items()}


def _activity_context() -> dict[str, Any]:
    if not activity.in_activity():
        return {}
    info = activity.info()
    fields: dict[str, Any] = {
        "workflow_id": info.workflow_id,
        "run_id": info.workflow_run_id,
        "workflow_type": info.workflow_type,
        "activity_type": info.activity_type,
        "activity_id": info.activity_id,
        "activity_attempt": info.attempt,
        "task_queue": info.task_queue,
    }
    fields.update(_activity_fields.get() or {})
    return {k: v for k, v in fields.items() if v is not None}


def context_fields(record: logging.LogRecord | None = None) -> dict[str, Any]:
    """What the current context knows: request, tenant, activity, workflow, invoice."""
    fields: dict[str, Any] = {}
    request_id = request_id_var.get()
    if request_id:
        fields["request_id"] = request_id
    tenant = tenant_var.get()
    if tenant:
        fields["tenant_id"] = tenant
    # A log line must never fail for want of context.
    with contextlib.suppress(Exception):
        fields.update(_activity_context())
    if record is not None:
        for attr, attempt_key in (
            ("temporal_activity", "activity_attempt"),
            ("temporal_workflow", "workflow_attempt"),
        ):
            details = record.__dict__.get(attr)
            if isinstance(details, dict):
                fields.update(_temporal_fields(details, attempt_key))
    if "invoice_id" not in fields:
        invoice_id = _invoice_from_workflow_id(fields.get("workflow_id"))
        if invoice_id is not None:
            fields["invoice_id"] = invoice_id
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(context_fields(record))
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(_redact_value(entry), default=str)


class RedactingFormatter(logging.Formatter):
    """The plain-text format (LOG_JSON=false), with the same redaction."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


# --- activity input → log context ---------------------------------------------------------


def fields_from_activity_args(args: Iterable[Any]) -> dict[str, Any]:
    """invoice_id / tenant_id / gateway / gateway_event_id from an activity's input model (or
    the models it nests: `resolved`, `webhook`, `event`)."""
    fields: dict[str, Any] = {}

    def visit(value: Any, depth: int) -> None:
        if value is None or depth > 2 or isinstance(value, str | int | float | bool | bytes):
            return
        for name in ("invoice_id", "tenant_id", "gateway"):
            found = getattr(value, name, None)
            if isinstance(found, str | int) and not isinstance(found, bool):
                fields.setdefault(name, found)
        event_id = getattr(value, "event_id", None)
        if isinstance(event_id, str):
            fields.setdefault("gateway_event_id", event_id)
        for nested in ("resolved", "webhook", "event"):
            visit(getattr(value, nested, None), depth + 1)

    for arg in args:
        visit(arg, 0)
    return fields


class _ActivityLogContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            fields = fields_from_activity_args(input.args)
        except Exception:
            fields = {}
        token = _activity_fields.set(fields)
        try:
            return await self.next.execute_activity(input)
        finally:
            _activity_fields.reset(token)


class ActivityLogContextInterceptor(Interceptor):
    """Worker interceptor: every log line of an activity carries its invoice (and tenant,
    gateway, event) read from the activity's input. Changes nothing else."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityLogContext(next)


# --- setup -------------------------------------------------------------------------------


def configure_logging(
    level: str = "INFO", json_logs: bool = True, secrets: Iterable[str | None] = ()
) -> None:
    register_secrets(secrets)
    handler = logging.StreamHandler(sys.stderr)
    if json_logs:
        handler.setFormatter(JsonFormatter())
        # The JSON line carries the workflow/activity info as fields: not in the message too.
        from temporalio import workflow

        workflow.logger.workflow_info_on_message = False
        activity.logger.activity_info_on_message = False
    else:
        handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log duplicates ours (which carries request ids); keep its errors.
    logging.getLogger("uvicorn.access").disabled = True
