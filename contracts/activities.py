"""Typed references to every activity, by the workflow that calls it. The activities register
under these names (their method names); `tests/unit/test_contract_refs.py` checks each
reference's name and types against the activity the worker registers."""

from __future__ import annotations

from contracts.maintenance import ArchiveBatchInput, ArchiveBatchResult, PurgeResult
from contracts.refs import ActivityRef
from contracts.webhooks import (
    DeliverInput,
    RecordAttemptInput,
    ResolvedEvent,
    WebhookInput,
)

# --- ArchivalWorkflow, MaintenanceWorkflow (activities/archival.py, maintenance.py) ----------

ARCHIVE_TRANSACTIONS_BATCH = ActivityRef[ArchiveBatchInput, ArchiveBatchResult](
    "archive_transactions_batch", ArchiveBatchInput, ArchiveBatchResult
)
PURGE_EXPIRED_IDEMPOTENCY_KEYS = ActivityRef[None, PurgeResult](
    "purge_expired_idempotency_keys", None, PurgeResult
)

# --- WebhookWorkflow (activities/webhooks.py) ------------------------------------------------

RESOLVE_WEBHOOK_EVENT = ActivityRef[WebhookInput, ResolvedEvent](
    "resolve_webhook_event", WebhookInput, ResolvedEvent
)
DELIVER_TO_INVOICE = ActivityRef[DeliverInput, None]("deliver_to_invoice", DeliverInput, None)
RECORD_WEBHOOK_ATTEMPT = ActivityRef[RecordAttemptInput, int](
    "record_webhook_attempt", RecordAttemptInput, int
)
