"""How the api, the worker and operators name a workflow: the task queue, workflow ids, and
typed references to each workflow and its updates and signals (`contracts.refs`)."""

from __future__ import annotations

from contracts.deliveries import DeliveryPair, SweepResult
from contracts.invoices import (
    AdjustInstallmentsRequest,
    CancelRequest,
    ExtendExpiryRequest,
    InitiatePaymentRequest,
    InvoiceOutcome,
    InvoiceSnapshot,
    InvoiceWorkflowInput,
    ModifyInvoiceRequest,
    PaymentEvent,
    PaymentLink,
    SyncRequest,
    SyncResult,
)
from contracts.refs import SignalRef, UpdateRef, WorkflowRef
from contracts.refunds import FailRefundRequest, RefundOutcome, RefundRequest, RetryRefundRequest
from contracts.webhooks import WebhookInput, WebhookOutcome

INVOICE_TASK_QUEUE_DEFAULT = "paytrust"


def invoice_workflow_id(invoice_id: int) -> str:
    return f"invoice-{invoice_id}"


def webhook_workflow_id(gateway: str, event_id: str) -> str:
    return f"webhook-{gateway}-{event_id}"


def delivery_workflow_id(endpoint_id: int, invoice_key: int) -> str:
    return f"webhook-delivery-{endpoint_id}-{invoice_key}"


# --- InvoiceWorkflow (workflows/invoice.py) --------------------------------------------------

INVOICE_WORKFLOW = WorkflowRef[InvoiceWorkflowInput, InvoiceOutcome](
    "InvoiceWorkflow", InvoiceWorkflowInput, InvoiceOutcome
)
PAYMENT_RECEIVED = SignalRef[PaymentEvent]("payment_received", PaymentEvent)
INITIATE_PAYMENT = UpdateRef[InitiatePaymentRequest, PaymentLink](
    "initiate_payment", InitiatePaymentRequest, PaymentLink
)
CANCEL = UpdateRef[CancelRequest, InvoiceSnapshot]("cancel", CancelRequest, InvoiceSnapshot)
MODIFY = UpdateRef[ModifyInvoiceRequest, InvoiceSnapshot](
    "modify", ModifyInvoiceRequest, InvoiceSnapshot
)
ADJUST_INSTALLMENTS = UpdateRef[AdjustInstallmentsRequest, InvoiceSnapshot](
    "adjust_installments", AdjustInstallmentsRequest, InvoiceSnapshot
)
EXTEND_EXPIRY = UpdateRef[ExtendExpiryRequest, InvoiceSnapshot](
    "extend_expiry", ExtendExpiryRequest, InvoiceSnapshot
)
SYNC_PAYMENTS = UpdateRef[SyncRequest, SyncResult]("sync_payments", SyncRequest, SyncResult)
REQUEST_REFUND = UpdateRef[RefundRequest, RefundOutcome](
    "request_refund", RefundRequest, RefundOutcome
)
RETRY_REFUND = UpdateRef[RetryRefundRequest, RefundOutcome](
    "retry_refund", RetryRefundRequest, RefundOutcome
)
FAIL_REFUND = UpdateRef[FailRefundRequest, RefundOutcome](
    "fail_refund", FailRefundRequest, RefundOutcome
)

# --- WebhookWorkflow (workflows/webhook.py) --------------------------------------------------

WEBHOOK_WORKFLOW = WorkflowRef[WebhookInput, WebhookOutcome](
    "WebhookWorkflow", WebhookInput, WebhookOutcome
)

# --- WebhookDeliveryWorkflow, WebhookSweeperWorkflow (workflows/delivery.py) -----------------

DELIVERY_WORKFLOW = WorkflowRef[DeliveryPair, int]("WebhookDeliveryWorkflow", DeliveryPair, int)
# More outbox rows for the pair (the current retry timer keeps running).
NEW_WORK = SignalRef[None]("new_work", None)
# A manual retry: attempt at once.
RETRY_NOW = SignalRef[None]("retry_now", None)
SWEEPER_WORKFLOW = WorkflowRef[None, SweepResult]("WebhookSweeperWorkflow", None, SweepResult)
