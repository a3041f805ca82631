"""Workflow ids and the task queue: how the api, the worker and operators name a workflow."""

from __future__ import annotations

INVOICE_TASK_QUEUE_DEFAULT = "paytrust"


def invoice_workflow_id(invoice_id: int) -> str:
    return f"invoice-{invoice_id}"


def webhook_workflow_id(gateway: str, event_id: str) -> str:
    return f"webhook-{gateway}-{event_id}"
