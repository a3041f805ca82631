"""What crosses the Temporal boundary of InvoiceWorkflow: one pydantic model in and one out
for every workflow, activity, signal and update, so fields can be added later without
breaking running histories.

Money is `Decimal` (the pydantic data converter carries it exactly); times are aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from contracts.gateway_events import WebhookEvent
from domain.bounds import AmountIn, BoundedDatetime
from domain.drafts import InstallmentsIn, LineItemIn
from domain.events import OVERDUE_AFTER
from domain.payments import amount_due


class InstallmentSnapshot(BaseModel):
    number: int
    amount: Decimal
    tax_amount: Decimal
    service_fee_amount: Decimal
    due_date: datetime
    status: str
    paid_amount: Decimal = Decimal(0)

    def overdue_check_at(self) -> datetime | None:
        """When InvoiceWorkflow checks this installment for installment.overdue (a day after
        its due date), or None once it is paid."""
        return None if self.status == "paid" else self.due_date + OVERDUE_AFTER


class InvoiceSnapshot(BaseModel):
    """What the invoice workflow knows of its invoice: read from MySQL by the activity that last
    changed it, and used by update validators (MySQL stays the truth; activities re-check)."""

    invoice_id: int
    tenant_id: str
    status: str
    currency: str
    gateway: str
    total: Decimal
    amount_paid: Decimal
    overpayment_amount: Decimal
    expires_at: datetime
    payment_initiated: bool
    installments: list[InstallmentSnapshot] = Field(default_factory=list)

    @property
    def amount_due(self) -> Decimal:
        return amount_due(self.total, self.amount_paid)

    def first_timer_at(self) -> datetime:
        """When a new run of this invoice, with nothing else to do, first acts on its own: at
        its expiry or, sooner, the overdue check a day after an unpaid installment's due date
        (the timers of InvoiceWorkflow's main loop; a new invoice has no live payment link, so
        no payment-sync timer). `InvoiceStarts.first_task_delay` delays the run's first
        workflow task until then."""
        checks = (i.overdue_check_at() for i in self.installments)
        return min([self.expires_at, *(at for at in checks if at is not None)])


class PaymentEvent(BaseModel):
    """A verified gateway event for this invoice, delivered by a WebhookWorkflow."""

    webhook_event_id: int | None = None
    event: WebhookEvent
    # How PayTrust learnt of it (paytrust_payments_applied_total{source}): a gateway
    # notification, the workflow's payment sync, or the reconciliation before expiry.
    source: Literal["notification", "sync", "reconciliation"] = "notification"


class InvoiceWorkflowInput(BaseModel):
    invoice_id: int
    tenant_id: str
    # Carried across continue-as-new: the snapshot, events not yet applied, payment attempts.
    snapshot: InvoiceSnapshot | None = None
    # False when the api starts us: the row is committed just after, so it is confirmed (and
    # an orphan start detected) by reading it; True when carried over by continue-as-new.
    confirmed: bool = False
    pending_events: list[PaymentEvent] = Field(default_factory=list)
    # Continue-as-new once the history has this many events (Temporal's own suggestion too).
    history_limit: int = 2000
    # When the workflow next asks the gateway about its live links (payment sync).
    next_sync_at: datetime | None = None
    # The behaviour this run was started with (recorded in its first event, so replay sees the
    # same): 0, the default, for runs started before revisions existed, which ask
    # `workflow.patched` for each later behaviour; INVOICE_WORKFLOW_REVISION for every run
    # started or continued since, which has every patch of that revision from its start and
    # asks nothing (no patch markers and no TemporalChangeVersion upserts in its history).
    revision: int = 0


# The newest revision this code runs. Bump when a new `workflow.patched` behaviour is folded
# into what a new run has from its start (workflows/invoice.py REVISION_PATCHES lists each
# revision's patches). Which revision starters use is a setting (INVOICE_WORKFLOW_REVISION,
# docs/deployment.md): a worker of an older release must never get a run of a newer revision.
INVOICE_WORKFLOW_REVISION = 2
# From this revision a new invoice's run sleeps until its first timer: the api delays its
# first workflow task (Temporal's start delay), and the run confirms its row before a timer
# acts (workflows/invoice.py). Anything that reaches it sooner runs it at once: an update
# (payment initiation, cancel, ...) or a signal-with-start (a gateway event). A new invoice then
# costs Temporal a start and no workflow task (docs/performance.md "Creation").
FIRST_TASK_DELAY_REVISION = 2


@dataclass(frozen=True)
class InvoiceStarts:
    """How the api and the worker start InvoiceWorkflow runs: on which task queue, and with
    which revision (`Settings.invoice_workflow_revision`)."""

    task_queue: str
    revision: int
    # False on a Temporal server not known to wake a delayed run on an update (the api checks
    # on connecting, workflows/client.py): runs of any revision then start awake.
    sleeping_starts: bool = True

    def first_task_delay(self, snapshot: InvoiceSnapshot, now: datetime) -> timedelta | None:
        """The start delay of a new invoice's run (None: its first workflow task at once)."""
        if self.revision < FIRST_TASK_DELAY_REVISION or not self.sleeping_starts:
            return None
        delay = snapshot.first_timer_at() - now
        return delay if delay > timedelta(0) else None


class InvoiceOutcome(BaseModel):
    invoice_id: int
    status: str
    amount_paid: Decimal
    orphan: bool = False


class LoadInvoiceInput(BaseModel):
    invoice_id: int
    tenant_id: str


class ExpireInput(BaseModel):
    invoice_id: int
    tenant_id: str
    # The workflow's clock when its timer fired: the timer decides, not the worker's clock.
    as_of: datetime


class ExtendExpiryRequest(BaseModel):
    """An operator gives an unpaid (or partly paid) invoice more time."""

    expires_at: datetime


class ExtendExpiryInput(BaseModel):
    invoice_id: int
    tenant_id: str
    request: ExtendExpiryRequest


class InitiatePaymentRequest(BaseModel):
    installment_number: int | None = None
    success_redirect_url: str | None = None
    failure_redirect_url: str | None = None


class CreatePaymentInput(BaseModel):
    invoice_id: int
    tenant_id: str
    installment_number: int | None
    attempt: int
    # The workflow's clock at initiation: a new link's issue time, from which payment sync
    # counts (None in histories recorded before payment sync).
    as_of: datetime | None = None
    success_redirect_url: str | None = None
    failure_redirect_url: str | None = None


class PaymentLink(BaseModel):
    invoice_id: int
    installment_number: int | None
    amount: Decimal
    currency: str
    gateway: str
    gateway_reference: str
    payment_url: str
    expires_at: datetime
    reused: bool = False


class PaymentLinkResult(BaseModel):
    link: PaymentLink
    snapshot: InvoiceSnapshot
    # The first payment-sync check of the invoice's live links (None in older histories).
    next_sync_at: datetime | None = None


class SyncInput(BaseModel):
    invoice_id: int
    tenant_id: str
    # The workflow's clock: the schedule is workflow time, not the worker's clock.
    as_of: datetime


class SyncRequest(BaseModel):
    """POST /invoices/{id}/sync: ask the gateway about every live link now."""


class SyncResult(BaseModel):
    """What the gateway said of the invoice's live links: payments it took (as ordinary paid
    events, de-duplicated like notifications by gateway transaction id), the links it could not
    be asked about, and when the next scheduled check is due (None: no live link left)."""

    events: list[PaymentEvent] = Field(default_factory=list)
    unreachable: list[str] = Field(default_factory=list)
    next_sync_at: datetime | None = None


class CancelRequest(BaseModel):
    reason: str | None = None


class ChangeResult(BaseModel):
    """A status change (expire, cancel, modify) and the gateway payments it made stale."""

    snapshot: InvoiceSnapshot
    stale_references: list[str] = Field(default_factory=list)
    changed: bool = True


class ExpireGatewayPaymentInput(BaseModel):
    gateway: str
    reference: str


class ApplyResult(BaseModel):
    outcome: Literal["applied", "duplicate", "rejected_currency", "recorded", "ignored", "deferred"]
    snapshot: InvoiceSnapshot
    transaction_id: int | None = None
    message: str | None = None


class UnappliedEventInput(BaseModel):
    """An accepted gateway event the invoice cannot take (a refund larger than what was paid,
    a PAID of nothing, a refund whose payment never came): its webhook event fails for good,
    with the reason, for an operator to see and replay."""

    invoice_id: int
    tenant_id: str
    payment: PaymentEvent
    reason: str


class ModifyInvoiceRequest(BaseModel):
    """PATCH /invoices/{id} on a draft: the fields given replace the current ones. Line items,
    installments and expiry are validated again and totals recomputed from the locked fees."""

    description: str | None = None
    metadata: dict[str, Any] | None = None
    expires_at: datetime | None = None
    line_items: list[LineItemIn] | None = None
    installments: InstallmentsIn | None = None
    fields_set: list[str] = Field(default_factory=list)


class InstallmentChangeIn(BaseModel):
    number: Annotated[int, Field(ge=1, le=1000)]
    amount: AmountIn | None = None
    due_date: BoundedDatetime | None = None


class AdjustInstallmentsRequest(BaseModel):
    """PATCH /invoices/{id}/installments: new amounts and due dates of unpaid installments."""

    installments: Annotated[list[InstallmentChangeIn], Field(max_length=1000)]


class AdjustInput(BaseModel):
    invoice_id: int
    tenant_id: str
    request: AdjustInstallmentsRequest


class ModifyInput(BaseModel):
    invoice_id: int
    tenant_id: str
    request: ModifyInvoiceRequest


class ApplyPaymentInput(BaseModel):
    invoice_id: int
    tenant_id: str
    payment: PaymentEvent


class CancelInput(BaseModel):
    invoice_id: int
    tenant_id: str
    request: CancelRequest


class OverdueInput(BaseModel):
    invoice_id: int
    tenant_id: str
    installment_number: int
    # The workflow's clock when its timer fired.
    as_of: datetime
