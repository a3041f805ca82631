"""Typed references to every activity, by the workflow that calls it. The activities register
under these names (their method names); `tests/unit/test_contract_refs.py` checks each
reference's name and types against the activity the worker registers."""

from __future__ import annotations

from contracts.deliveries import (
    AttemptInput,
    AttemptResult,
    DeliveryPair,
    DeliveryRound,
    NextDelivery,
    SweepResult,
)
from contracts.invoices import (
    AdjustInput,
    ApplyPaymentInput,
    ApplyResult,
    CancelInput,
    ChangeResult,
    CreatePaymentInput,
    ExpireGatewayPaymentInput,
    ExpireInput,
    ExtendExpiryInput,
    InvoiceSnapshot,
    LoadInvoiceInput,
    ModifyInput,
    OverdueInput,
    PaymentEvent,
    PaymentLinkResult,
    SyncInput,
    SyncResult,
    UnappliedEventInput,
)
from contracts.maintenance import ArchiveBatchInput, ArchiveBatchResult, PurgeResult
from contracts.refs import ActivityRef
from contracts.refunds import (
    FailRefundInput,
    LoadRefundInput,
    RefundOutcome,
    ReserveRefundInput,
    SubmitRefundInput,
)
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

# --- InvoiceWorkflow (activities/invoices.py, activities/overdue.py) -------------------------

LOAD_INVOICE = ActivityRef[LoadInvoiceInput, InvoiceSnapshot | None](
    "load_invoice", LoadInvoiceInput, InvoiceSnapshot | None
)
CONFIRM_INVOICE_ROW = ActivityRef[LoadInvoiceInput, bool](
    "confirm_invoice_row", LoadInvoiceInput, bool
)
CREATE_PAYMENT_LINK = ActivityRef[CreatePaymentInput, PaymentLinkResult](
    "create_payment_link", CreatePaymentInput, PaymentLinkResult
)
APPLY_PAYMENT_EVENT = ActivityRef[ApplyPaymentInput, ApplyResult](
    "apply_payment_event", ApplyPaymentInput, ApplyResult
)
FAIL_UNAPPLIED_EVENT = ActivityRef[UnappliedEventInput, None](
    "fail_unapplied_event", UnappliedEventInput, None
)
EXPIRE_INVOICE = ActivityRef[ExpireInput, ChangeResult]("expire_invoice", ExpireInput, ChangeResult)
CANCEL_INVOICE = ActivityRef[CancelInput, ChangeResult]("cancel_invoice", CancelInput, ChangeResult)
MODIFY_INVOICE = ActivityRef[ModifyInput, ChangeResult]("modify_invoice", ModifyInput, ChangeResult)
ADJUST_INSTALLMENTS_ACTIVITY = ActivityRef[AdjustInput, ChangeResult](
    "adjust_installments", AdjustInput, ChangeResult
)
EXTEND_EXPIRY_ACTIVITY = ActivityRef[ExtendExpiryInput, ChangeResult](
    "extend_expiry", ExtendExpiryInput, ChangeResult
)
RECONCILE_LIVE_PAYMENTS = ActivityRef[LoadInvoiceInput, list[PaymentEvent]](
    "reconcile_live_payments", LoadInvoiceInput, list[PaymentEvent]
)
SYNC_LIVE_PAYMENTS = ActivityRef[SyncInput, SyncResult]("sync_live_payments", SyncInput, SyncResult)
EXPIRE_GATEWAY_PAYMENT = ActivityRef[ExpireGatewayPaymentInput, None](
    "expire_gateway_payment", ExpireGatewayPaymentInput, None
)
MARK_INSTALLMENT_OVERDUE = ActivityRef[OverdueInput, bool](
    "mark_installment_overdue", OverdueInput, bool
)

# --- WebhookDeliveryWorkflow, WebhookSweeperWorkflow (activities/deliveries.py) --------------

NEXT_DELIVERY = ActivityRef[DeliveryPair, NextDelivery | None](
    "next_delivery", DeliveryPair, NextDelivery | None
)
ATTEMPT_DELIVERY = ActivityRef[AttemptInput, AttemptResult](
    "attempt_delivery", AttemptInput, AttemptResult
)
DELIVER_PENDING = ActivityRef[DeliveryPair, DeliveryRound](
    "deliver_pending", DeliveryPair, DeliveryRound
)
SWEEP_OUTBOX = ActivityRef[None, SweepResult]("sweep_outbox", None, SweepResult)

# --- InvoiceWorkflow refunds (activities/refunds.py) -----------------------------------------

RESERVE_REFUND = ActivityRef[ReserveRefundInput, RefundOutcome](
    "reserve_refund", ReserveRefundInput, RefundOutcome
)
SUBMIT_REFUND = ActivityRef[SubmitRefundInput, RefundOutcome](
    "submit_refund", SubmitRefundInput, RefundOutcome
)
LOAD_REFUND = ActivityRef[LoadRefundInput, RefundOutcome](
    "load_refund", LoadRefundInput, RefundOutcome
)
FAIL_REFUND_ACTIVITY = ActivityRef[FailRefundInput, RefundOutcome](
    "fail_refund", FailRefundInput, RefundOutcome
)
