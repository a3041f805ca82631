"""InvoiceWorkflow (`invoice-{id}`): the single writer of an invoice's state after creation.

It waits on its expiration timer (exactly `expires_at`, durable), payment signals and updates.
Every change is an activity that locks the invoice row; the workflow serializes its own steps
with a lock, so an update and a payment never interleave. It completes once the invoice is
final (fully paid, expired, cancelled) and no event is left; an event that arrives later
starts it again (signal-with-start), so late refunds and payments are still applied once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from contracts.activities import (
        ADJUST_INSTALLMENTS_ACTIVITY,
        APPLY_PAYMENT_EVENT,
        CANCEL_INVOICE,
        CONFIRM_INVOICE_ROW,
        CREATE_PAYMENT_LINK,
        EXPIRE_GATEWAY_PAYMENT,
        EXPIRE_INVOICE,
        EXTEND_EXPIRY_ACTIVITY,
        FAIL_REFUND_ACTIVITY,
        FAIL_UNAPPLIED_EVENT,
        LOAD_INVOICE,
        LOAD_REFUND,
        MARK_INSTALLMENT_OVERDUE,
        MODIFY_INVOICE,
        RECONCILE_LIVE_PAYMENTS,
        RESERVE_REFUND,
        SUBMIT_REFUND,
        SYNC_LIVE_PAYMENTS,
    )
    from contracts.errors import ErrorType
    from contracts.invoices import (
        FIRST_TASK_DELAY_REVISION,
        INVOICE_WORKFLOW_REVISION,
        AdjustInput,
        AdjustInstallmentsRequest,
        ApplyPaymentInput,
        CancelInput,
        CancelRequest,
        ChangeResult,
        CreatePaymentInput,
        ExpireGatewayPaymentInput,
        ExpireInput,
        ExtendExpiryInput,
        ExtendExpiryRequest,
        InitiatePaymentRequest,
        InvoiceOutcome,
        InvoiceSnapshot,
        InvoiceWorkflowInput,
        LoadInvoiceInput,
        ModifyInput,
        ModifyInvoiceRequest,
        OverdueInput,
        PaymentEvent,
        PaymentLink,
        SyncInput,
        SyncRequest,
        SyncResult,
        UnappliedEventInput,
    )
    from contracts.refs import ActivityRef
    from contracts.refunds import (
        FailRefundInput,
        FailRefundRequest,
        LoadRefundInput,
        RefundOutcome,
        RefundRequest,
        ReserveRefundInput,
        RetryRefundRequest,
        SubmitRefundInput,
    )
    from contracts.workflows import (
        INVOICE_WORKFLOW,
    )
    from domain.installments import ensure_installment_unpaid
    from domain.payments import ensure_installment_target
    from domain.status import (
        FINAL_STATUSES,
        InvoiceStatus,
        ensure_adjustable,
        ensure_cancellable,
        ensure_extendable,
        ensure_modifiable,
        ensure_payable,
    )
    from workflows.calls import run_activity
    from workflows.rules import domain_rule
    from workflows.search_attributes import invoice_search_attributes, status_update

Out = TypeVar("Out")

# MySQL writes: retried until MySQL is back (a payment is never dropped), backing off to 1 min.
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
# A merchant waits on payment initiation: a few quick tries, then the update fails (503).
GATEWAY_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500), maximum_attempts=3, backoff_coefficient=2
)
# The row is written in the same transaction that starts us; give that transaction time.
ORPHAN_CHECKS = 12
CONFIRM_DELAY = timedelta(seconds=5)
# workflow.patched ids: behaviour added after histories were recorded (tests/histories).
RECONCILE_BEFORE_EXPIRY = "reconcile-before-expiry"
PAYMENT_SYNC = "payment-sync"
INSTALLMENT_OVERDUE = "installment-overdue-timers"
ORPHAN_CHECK_INTERVAL = timedelta(seconds=10)
DEFAULT_HISTORY_LIMIT = 2000
DEFERRED_RETRY_INTERVAL = timedelta(minutes=1)
# A held-back event (a refund before its payment) is retried every DEFERRED_RETRY_INTERVAL, at
# most MAX_DEFERRALS times: the bounded wait (about an hour) for a payment that may never come.
MAX_DEFERRALS = 60
# An accepted event that cannot apply (or whose payment never came) fails its webhook event
# with the reason, instead of being only logged. (Patched in: older histories replay without.)
FAIL_UNAPPLIED_EVENTS = "fail-unapplied-events"
# Merchant refunds (the refund updates; histories recorded before them replay without).
MERCHANT_REFUNDS = "merchant-refunds"
# A run the api started confirms its row with a local activity (issue 16: one workflow task
# and one activity task fewer per created invoice). Older histories replay with the activity.
LOCAL_CONFIRM = "local-row-confirmation"
# ... and at once, in its first workflow task, retrying for a few seconds in the worker while
# the api's commit is on its way, instead of five seconds later: no confirmation timer and no
# second workflow task per invoice. A row still missing then: the delayed checks decide.
CONFIRM_AT_ONCE = "row-confirmation-at-once"
# What a run of each revision (InvoiceWorkflowInput.revision) has from its start without asking
# `workflow.patched`: a new invoice's first workflow task then records no patch markers and no
# TemporalChangeVersion upserts, and no status upsert its start already set (issue 16: about
# an eighth of Temporal's CPU per created invoice). Revision 0 (recorded histories) asks, as before.
REVISION_PATCHES: dict[int, frozenset[str]] = {
    1: frozenset(
        {
            RECONCILE_BEFORE_EXPIRY,
            PAYMENT_SYNC,
            INSTALLMENT_OVERDUE,
            FAIL_UNAPPLIED_EVENTS,
            MERCHANT_REFUNDS,
            LOCAL_CONFIRM,
            CONFIRM_AT_ONCE,
        }
    ),
}
CONFIRM_AT_ONCE_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=50),
    backoff_coefficient=2,
    maximum_interval=timedelta(seconds=1),
    maximum_attempts=8,  # about 3.5 s of waiting for the commit
)
# A refund's gateway call: the merchant waits on the first few tries (the key makes every try
# the same refund); the activity heartbeats, so a killed worker's try is retried within
# REFUND_HEARTBEAT rather than the whole REFUND_CALL_TIMEOUT.
REFUND_CALL_TIMEOUT = timedelta(seconds=45)
REFUND_HEARTBEAT = timedelta(seconds=5)
REFUND_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500), backoff_coefficient=2, maximum_attempts=3
)
# Still unanswered: the workflow keeps asking in the background for about 20 minutes; after
# that the refund stays pending for an operator (docs/operations.md "Pending refunds").
REFUND_BACKGROUND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    backoff_coefficient=2,
    maximum_interval=timedelta(minutes=2),
    maximum_attempts=14,
)
# fail_unapplied_event waits for the WebhookWorkflow's own verdict by retrying.
UNAPPLIED_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=1.5,
    maximum_interval=timedelta(seconds=10),
)


def _business_failure(err: ActivityError) -> ApplicationError:
    """Turn an activity's failure into the update's failure, keeping its message and type."""
    cause = err.cause
    if isinstance(cause, ApplicationError):
        return ApplicationError(cause.message, type=cause.type, non_retryable=True)
    return ApplicationError(str(cause or err), type=ErrorType.UNAVAILABLE, non_retryable=True)


@workflow.defn(name=INVOICE_WORKFLOW.name)
class InvoiceWorkflow:
    @workflow.init
    def __init__(self, inp: InvoiceWorkflowInput) -> None:
        if inp.revision > INVOICE_WORKFLOW_REVISION:
            # A run of a newer release than this worker's: fail the workflow task (it is
            # retried, on a newer worker) instead of running it as something it is not.
            raise RuntimeError(
                f"InvoiceWorkflow revision {inp.revision} is newer than this worker's "
                f"({INVOICE_WORKFLOW_REVISION}): deploy the newer worker"
            )
        self._input = inp
        # The patches this run has from its start (its revision's), asked of no one.
        self._given_patches = frozenset(
            patch
            for revision, patches in REVISION_PATCHES.items()
            if revision <= inp.revision
            for patch in patches
        )
        # Not loaded yet when started by a late event (signal-with-start): `run` reads it.
        # From FIRST_TASK_DELAY_REVISION the start's snapshot is here before any handler: the
        # first workflow task of a sleeping run may be an update's, validated against it.
        self._snapshot: InvoiceSnapshot | None = (
            inp.snapshot if inp.revision >= FIRST_TASK_DELAY_REVISION else None
        )
        # Carried over by continue-as-new first; signals delivered with the start follow.
        self._events: list[PaymentEvent] = list(inp.pending_events)
        # Events that came before what they refer to (a refund before its payment).
        self._deferred: list[PaymentEvent] = []
        self._deferrals: dict[str, int] = {}
        self._lock = asyncio.Lock()
        self._changed = False
        self._orphan = False
        self._background: list[asyncio.Task[None]] = []
        # Payment sync: when the live links are next asked about (None: no live link).
        self._next_sync: datetime | None = inp.next_sync_at
        # Installments whose due-date timer has fired in this run (installment.overdue).
        self._overdue_checked: set[int] = set()

    # --- main loop ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: InvoiceWorkflowInput) -> InvoiceOutcome:
        confirming: asyncio.Task[None] | None = None
        if inp.snapshot is not None:
            self._snapshot = inp.snapshot
            if not inp.confirmed:
                # Started by the api with a snapshot: serve at once, and confirm in the
                # background that the api's transaction committed the row.
                confirming = asyncio.create_task(self._confirm_row(inp))
        else:
            # Started by a late event (signal-with-start): read the invoice first.
            self._snapshot = await self._load(inp)
        if self._snapshot is None or self._orphan:
            return self._orphan_outcome(inp)
        self._upsert_status()
        while True:
            if self._events:
                await self._apply_next()
                continue
            snapshot = self._require_snapshot()
            final = InvoiceStatus(snapshot.status) in FINAL_STATUSES
            if final and not self._deferred:
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._background_done()
                if not self._events:
                    break
                continue
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._background_done()
                workflow.continue_as_new(
                    InvoiceWorkflowInput(
                        invoice_id=inp.invoice_id,
                        tenant_id=inp.tenant_id,
                        snapshot=self._snapshot,
                        confirmed=True,
                        pending_events=self._events + self._deferred,
                        history_limit=inp.history_limit,
                        next_sync_at=self._next_sync,
                        # Its own revision: a worker never starts a run of a revision the
                        # starters (Settings.invoice_workflow_revision) have not chosen.
                        revision=inp.revision,
                    )
                )
            timeout: timedelta | None = None
            if not final:
                timeout = snapshot.expires_at - workflow.now()
                if timeout <= timedelta(0):
                    if not await self._row_confirmed(confirming):
                        return self._orphan_outcome(inp)
                    await self._expire()
                    continue
                sync_due = self._sync_due()
                if sync_due is not None:
                    until_sync = sync_due - workflow.now()
                    if until_sync <= timedelta(0):
                        if not await self._row_confirmed(confirming):
                            return self._orphan_outcome(inp)
                        await self._sync_on_schedule()
                        continue
                    timeout = min(timeout, until_sync)
                if self._patched(INSTALLMENT_OVERDUE):
                    due = self._next_due(snapshot)
                    if due is not None:
                        wait = due[1] - workflow.now()
                        if wait <= timedelta(0):
                            if not await self._row_confirmed(confirming):
                                return self._orphan_outcome(inp)
                            await self._mark_overdue(due[0])
                            continue
                        timeout = min(timeout, wait)
            if self._deferred:
                # Held-back events get another try now and then even if nothing happens.
                timeout = min(timeout or DEFERRED_RETRY_INTERVAL, DEFERRED_RETRY_INTERVAL)
            self._changed = False
            try:
                await workflow.wait_condition(
                    lambda: bool(self._events) or self._changed, timeout=timeout
                )
                if self._orphan:
                    return self._orphan_outcome(inp)
            except TimeoutError:
                # Expiry is re-checked at the top of the loop; held-back events retried.
                self._events.extend(self._deferred)
                self._deferred.clear()
        if confirming is not None and not confirming.done():
            confirming.cancel()
            with suppress(asyncio.CancelledError, ActivityError):
                await confirming
        last = self._require_snapshot()
        return InvoiceOutcome(
            invoice_id=inp.invoice_id, status=last.status, amount_paid=last.amount_paid
        )

    def _patched(self, patch: str) -> bool:
        """`workflow.patched`, unless this run's revision has the patch from its start."""
        return patch in self._given_patches or workflow.patched(patch)

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or (
            info.get_current_history_length() > self._input.history_limit
        )

    async def _confirm_row(self, inp: InvoiceWorkflowInput) -> None:
        """The api commits its row milliseconds after starting us; if the row never appears
        (the api crashed or its commit failed), this run is an orphan and ends untouched."""
        if self._patched(CONFIRM_AT_ONCE):
            try:
                await run_activity(
                    CONFIRM_INVOICE_ROW,
                    LoadInvoiceInput(invoice_id=inp.invoice_id, tenant_id=inp.tenant_id),
                    start_to_close_timeout=timedelta(seconds=10),
                    retry_policy=CONFIRM_AT_ONCE_RETRY,
                    local=True,
                )
                return
            except (ActivityError, ApplicationError):
                # Not committed within a few seconds (or MySQL away): the delayed checks decide.
                # (A local activity's last failure arrives as its ApplicationError.)
                pass
        await workflow.sleep(CONFIRM_DELAY)
        if await self._load(inp, local=self._patched(LOCAL_CONFIRM)) is None:
            self._orphan = True
            self._changed = True

    async def _row_confirmed(self, confirming: asyncio.Task[None] | None) -> bool:
        """Whether a timer's action (expiry, payment sync, an overdue check) may go ahead. From
        FIRST_TASK_DELAY_REVISION it waits for the row's confirmation first: a run the api
        started sleeps until its first timer, so that timer may come in the run's first
        workflow task, before anything has confirmed the row; without it (the api's
        transaction rolled back) the run ends as an orphan, acting on nothing. Older runs
        confirmed long before any timer and do not wait (their histories replay as recorded)."""
        if self._input.revision < FIRST_TASK_DELAY_REVISION:
            return True
        if confirming is not None and not confirming.done():
            # Its failure (a non-retryable load error) is the confirmation's, as for runs that
            # never wait: the timer's action goes ahead on what the run knows.
            with suppress(ActivityError, ApplicationError):
                await confirming
        return not self._orphan

    def _orphan_outcome(self, inp: InvoiceWorkflowInput) -> InvoiceOutcome:
        workflow.logger.warning("invoice %s has no row: orphan start, ending", inp.invoice_id)
        return InvoiceOutcome(
            invoice_id=inp.invoice_id, status="orphan", amount_paid=Decimal(0), orphan=True
        )

    async def _load(
        self, inp: InvoiceWorkflowInput, *, local: bool = False
    ) -> InvoiceSnapshot | None:
        """The invoice row; None if it never appears (the api rolled back after starting us)."""
        for check in range(ORPHAN_CHECKS):
            snapshot = await run_activity(
                LOAD_INVOICE,
                LoadInvoiceInput(invoice_id=inp.invoice_id, tenant_id=inp.tenant_id),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=DB_RETRY,
                local=local,
            )
            if snapshot is not None:
                return snapshot
            if check < ORPHAN_CHECKS - 1:
                await workflow.sleep(ORPHAN_CHECK_INTERVAL)
        return None

    async def _apply_next(self) -> None:
        async with self._lock:
            payment = self._events.pop(0)
            assert self._snapshot is not None
            try:
                result = await run_activity(
                    APPLY_PAYMENT_EVENT,
                    ApplyPaymentInput(
                        invoice_id=self._snapshot.invoice_id,
                        tenant_id=self._snapshot.tenant_id,
                        payment=payment,
                    ),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=DB_RETRY,
                )
            except ActivityError as err:
                # Non-retryable: the event cannot apply (e.g. a refund larger than the payment).
                workflow.logger.error(
                    "event %s not applied to invoice %s: %s",
                    payment.event.event_id,
                    self._snapshot.invoice_id,
                    err.cause,
                )
                cause = err.cause
                reason = cause.message if isinstance(cause, ApplicationError) else str(cause)
                await self._fail_unapplied(payment, f"Not applied: {reason}")
                return
            self._set_snapshot(result.snapshot)
            if result.outcome == "deferred":
                if not self._defer(payment):
                    await self._fail_unapplied(
                        payment,
                        f"Not applied: {result.message or 'no matching payment'} after "
                        f"{MAX_DEFERRALS} tries over "
                        f"{int(MAX_DEFERRALS * DEFERRED_RETRY_INTERVAL.total_seconds() // 60)} min",
                    )
            elif result.outcome == "applied" and self._deferred:
                # A payment landed: events that were waiting for one get another go.
                self._events.extend(self._deferred)
                self._deferred.clear()
            workflow.logger.info(
                "event %s on invoice %s: %s",
                payment.event.event_id,
                self._snapshot.invoice_id,
                result.outcome,
            )

    async def _expire(self) -> None:
        # A payment whose webhooks all failed is still money received: ask the gateway
        # first, and apply what it says was paid before expiring anything. (Patched in:
        # histories recorded before this step replay without it.)
        missed: list[PaymentEvent] = []
        if self._patched(RECONCILE_BEFORE_EXPIRY):
            missed = await self._reconcile()
        if missed:
            self._events.extend(missed)
            return
        async with self._lock:
            assert self._snapshot is not None
            result: ChangeResult = await run_activity(
                EXPIRE_INVOICE,
                ExpireInput(
                    invoice_id=self._snapshot.invoice_id,
                    tenant_id=self._snapshot.tenant_id,
                    as_of=workflow.now(),
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=DB_RETRY,
            )
            self._set_snapshot(result.snapshot)
            self._expire_at_gateway_later(result.stale_references)

    def _next_due(self, snapshot: InvoiceSnapshot) -> tuple[int, datetime] | None:
        """The earliest unpaid installment whose overdue check has not fired in this run, with
        when it fires (`InstallmentSnapshot.overdue_check_at`)."""
        waiting = [
            (at, i.number)
            for i in snapshot.installments
            if (at := i.overdue_check_at()) is not None and i.number not in self._overdue_checked
        ]
        if not waiting:
            return None
        check_at, number = min(waiting)
        return number, check_at

    async def _mark_overdue(self, number: int) -> None:
        """Its due date passed: the activity writes installment.overdue if it is still unpaid
        (and not written before, e.g. by the run before a continue-as-new)."""
        self._overdue_checked.add(number)
        async with self._lock:
            snapshot = self._require_snapshot()
            await run_activity(
                MARK_INSTALLMENT_OVERDUE,
                OverdueInput(
                    invoice_id=snapshot.invoice_id,
                    tenant_id=snapshot.tenant_id,
                    installment_number=number,
                    as_of=workflow.now(),
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=DB_RETRY,
            )

    async def _reconcile(self) -> list[PaymentEvent]:
        snapshot = self._require_snapshot()
        try:
            return await run_activity(
                RECONCILE_LIVE_PAYMENTS,
                LoadInvoiceInput(invoice_id=snapshot.invoice_id, tenant_id=snapshot.tenant_id),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=5),
            )
        except ActivityError as err:
            # The gateway is down: expire anyway; a payment it reports later is still recorded.
            workflow.logger.warning("could not reconcile with the gateway: %s", err.cause)
            return []

    def _sync_due(self) -> datetime | None:
        """The next payment-sync check, for runs that have it (patched in: histories recorded
        before it replay without these timers)."""
        if self._next_sync is None or not self._patched(PAYMENT_SYNC):
            return None
        return self._next_sync

    async def _sync_with_gateway(self) -> SyncResult:
        """Ask the gateway about every live link (under the lock, so no initiation races the
        schedule); what it took is queued as ordinary paid events."""
        async with self._lock:
            snapshot = self._require_snapshot()
            result: SyncResult = await run_activity(
                SYNC_LIVE_PAYMENTS,
                SyncInput(
                    invoice_id=snapshot.invoice_id,
                    tenant_id=snapshot.tenant_id,
                    as_of=workflow.now(),
                ),
                start_to_close_timeout=timedelta(seconds=60),
                retry_policy=DB_RETRY,
            )
            self._next_sync = result.next_sync_at
            self._events.extend(result.events)
            return result

    async def _sync_on_schedule(self) -> None:
        result = await self._sync_with_gateway()
        if result.events:
            workflow.logger.warning(
                "payment sync found %d payment(s) on invoice %s that no notification brought",
                len(result.events),
                self._require_snapshot().invoice_id,
            )

    def _expire_at_gateway_later(self, references: list[str]) -> None:
        """Expire stale links at the gateway without holding up the caller or the lock: a
        gateway that is down must not block a cancel or the payments behind it. The workflow
        finishes these before it completes or continues as new."""
        if references:
            self._background.append(asyncio.create_task(self._expire_at_gateway(references)))

    async def _background_done(self) -> None:
        while self._background:
            await self._background.pop(0)

    async def _expire_at_gateway(self, references: list[str]) -> None:
        assert self._snapshot is not None
        for reference in references:
            try:
                await run_activity(
                    EXPIRE_GATEWAY_PAYMENT,
                    ExpireGatewayPaymentInput(gateway=self._snapshot.gateway, reference=reference),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=RetryPolicy(
                        maximum_attempts=10, maximum_interval=timedelta(minutes=5)
                    ),
                )
            except ActivityError as err:
                workflow.logger.warning("could not expire %s at the gateway: %s", reference, err)

    def _defer(self, payment: PaymentEvent) -> bool:
        """Hold the event back for another try; False once it has waited long enough."""
        key = payment.event.event_id
        self._deferrals[key] = self._deferrals.get(key, 0) + 1
        if self._deferrals[key] > MAX_DEFERRALS:
            workflow.logger.error(
                "event %s never found its payment on invoice %s; dropped for an operator",
                key,
                self._require_snapshot().invoice_id,
            )
            return False
        self._deferred.append(payment)
        return True

    async def _fail_unapplied(self, payment: PaymentEvent, reason: str) -> None:
        """The event's webhook fails for good with `reason` (listed, replayable, alerted)."""
        if not self._patched(FAIL_UNAPPLIED_EVENTS):
            return
        snapshot = self._require_snapshot()
        try:
            await run_activity(
                FAIL_UNAPPLIED_EVENT,
                UnappliedEventInput(
                    invoice_id=snapshot.invoice_id,
                    tenant_id=snapshot.tenant_id,
                    payment=payment,
                    reason=reason[:2000],
                ),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=UNAPPLIED_RETRY,
            )
        except ActivityError as err:
            workflow.logger.error(
                "could not fail webhook of event %s: %s", payment.event.event_id, err
            )

    def _set_snapshot(self, snapshot: InvoiceSnapshot) -> None:
        previous = self._snapshot.status if self._snapshot else None
        self._snapshot = snapshot
        self._changed = True
        if snapshot.status != previous:
            self._upsert_status()

    def _upsert_status(self) -> None:
        assert self._snapshot is not None
        current = workflow.info().typed_search_attributes
        if current.get(invoice_search_attributes.invoice_id) is None:
            workflow.upsert_search_attributes(invoice_search_attributes.all_for(self._snapshot))
        elif self._input.revision >= 1 and (
            current.get(invoice_search_attributes.status) == self._snapshot.status
        ):
            return  # the start (or an earlier upsert) already says so
        else:
            workflow.upsert_search_attributes([status_update(self._snapshot.status)])

    # --- signals -----------------------------------------------------------------------------

    @workflow.signal
    def payment_received(self, payment: PaymentEvent) -> None:
        """A verified gateway event (paid, refunded, expired...) for this invoice."""
        self._events.append(payment)

    # --- updates -----------------------------------------------------------------------------

    @workflow.update
    async def initiate_payment(self, request: InitiatePaymentRequest) -> PaymentLink:
        """Create (or return the live) gateway payment for the next unpaid installment."""
        await self._loaded()
        async with self._lock:
            assert self._snapshot is not None
            try:
                result = await run_activity(
                    CREATE_PAYMENT_LINK,
                    CreatePaymentInput(
                        invoice_id=self._snapshot.invoice_id,
                        tenant_id=self._snapshot.tenant_id,
                        installment_number=request.installment_number,
                        attempt=1,
                        as_of=workflow.now(),
                        success_redirect_url=request.success_redirect_url,
                        failure_redirect_url=request.failure_redirect_url,
                    ),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=GATEWAY_RETRY,
                )
            except ActivityError as err:
                raise _business_failure(err) from None
            self._set_snapshot(result.snapshot)
            if result.next_sync_at is not None and self._patched(PAYMENT_SYNC):
                self._next_sync = _sooner(self._next_sync, result.next_sync_at)
            return result.link

    @initiate_payment.validator
    def _validate_initiate_payment(self, request: InitiatePaymentRequest) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return  # restarted by a late event and not loaded yet: the handler checks
        with domain_rule():
            ensure_payable(InvoiceStatus(snapshot.status))
            ensure_installment_target(snapshot.installments, request.installment_number)

    @workflow.update
    async def cancel(self, request: CancelRequest) -> InvoiceSnapshot:
        """Cancel while nothing has been paid; live payment links are expired at the gateway."""
        return await self._change(CANCEL_INVOICE, CancelInput, request)

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        with domain_rule():
            ensure_cancellable(InvoiceStatus(snapshot.status), snapshot.amount_paid)

    @workflow.update
    async def modify(self, request: ModifyInvoiceRequest) -> InvoiceSnapshot:
        """PATCH of a draft whose payment was never initiated (FR-051)."""
        return await self._change(MODIFY_INVOICE, ModifyInput, request)

    @workflow.update
    async def adjust_installments(self, request: AdjustInstallmentsRequest) -> InvoiceSnapshot:
        """Change unpaid installments' amounts and due dates; serialized with payments."""
        return await self._change(ADJUST_INSTALLMENTS_ACTIVITY, AdjustInput, request)

    @workflow.update
    async def extend_expiry(self, request: ExtendExpiryRequest) -> InvoiceSnapshot:
        """Operators: a later expiry for an invoice not yet final; the timer is re-armed."""
        return await self._change(EXTEND_EXPIRY_ACTIVITY, ExtendExpiryInput, request)

    @extend_expiry.validator
    def _validate_extend_expiry(self, request: ExtendExpiryRequest) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        with domain_rule():
            ensure_extendable(InvoiceStatus(snapshot.status))

    @workflow.update
    async def sync_payments(self, request: SyncRequest) -> SyncResult:
        """POST /invoices/{id}/sync: ask the gateway about the live links now and apply what
        it took before answering (exactly once, like a notification)."""
        await self._loaded()
        result = await self._sync_with_gateway()
        await workflow.wait_condition(lambda: not self._events and not self._lock.locked())
        return result

    @workflow.update
    async def request_refund(self, request: RefundRequest) -> RefundOutcome:
        """POST /invoices/{id}/refunds: reserve the refund (under the lock, so it is serialized
        with payments and other refunds), then ask the gateway. Answers once the gateway has
        answered (or stayed unreachable for a few tries: the refund is then pending and asked
        for again in the background). No validator: the snapshot may not have taken in a
        payment MySQL already holds, and only the reservation, under the row lock, decides."""
        self._patched(MERCHANT_REFUNDS)
        await self._loaded()
        async with self._lock:
            snapshot = self._require_snapshot()
            try:
                reserved: RefundOutcome = await run_activity(
                    RESERVE_REFUND,
                    ReserveRefundInput(
                        invoice_id=snapshot.invoice_id,
                        tenant_id=snapshot.tenant_id,
                        request=request,
                        as_of=workflow.now(),
                    ),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=RetryPolicy(maximum_attempts=5),
                )
            except ActivityError as err:
                raise _business_failure(err) from None
        return await self._submit_refund(reserved)

    @workflow.update
    async def retry_refund(self, request: RetryRefundRequest) -> RefundOutcome:
        """Operators: ask the gateway again for a refund's pending parts (with the same keys,
        so a refund the gateway already made is answered, not made twice)."""
        self._patched(MERCHANT_REFUNDS)
        await self._loaded()
        snapshot = self._require_snapshot()
        try:
            refund: RefundOutcome = await run_activity(
                LOAD_REFUND,
                LoadRefundInput(
                    invoice_id=snapshot.invoice_id,
                    tenant_id=snapshot.tenant_id,
                    request_id=request.request_id,
                ),
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_attempts=5),
            )
        except ActivityError as err:
            raise _business_failure(err) from None
        return await self._submit_refund(refund, check_status=True)

    @workflow.update
    async def fail_refund(self, request: FailRefundRequest) -> RefundOutcome:
        """Operators: give up on a refund the gateway never made (its pending parts fail and
        their reservation is released)."""
        self._patched(MERCHANT_REFUNDS)
        await self._loaded()
        async with self._lock:
            return await self._request_activity(FAIL_REFUND_ACTIVITY, FailRefundInput, request)

    async def _submit_refund(
        self, refund: RefundOutcome, *, check_status: bool = False
    ) -> RefundOutcome:
        """Ask the gateway for each pending part in turn; the latest state of the refund."""
        latest = refund
        for part in refund.parts:
            if part.status != "pending":
                continue
            answered = await self._submit_part(refund.request_id, part.refund_key, check_status)
            if answered is not None:
                latest = answered
        return latest.model_copy(update={"created": refund.created})

    async def _submit_part(
        self, request_id: str, key: str, check_status: bool
    ) -> RefundOutcome | None:
        snapshot = self._require_snapshot()
        submit = SubmitRefundInput(
            invoice_id=snapshot.invoice_id,
            tenant_id=snapshot.tenant_id,
            request_id=request_id,
            refund_key=key,
            check_status=check_status,
        )
        try:
            answered: RefundOutcome = await run_activity(
                SUBMIT_REFUND,
                submit,
                start_to_close_timeout=REFUND_CALL_TIMEOUT,
                heartbeat_timeout=REFUND_HEARTBEAT,
                retry_policy=REFUND_RETRY,
            )
            return answered
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                workflow.logger.error("refund %s stays pending: %s", key, cause.message)
                return None
            # The gateway did not answer: the refund stays pending, asked for again later.
            workflow.logger.warning("refund %s unanswered, retrying in the background", key)
            self._background.append(asyncio.create_task(self._submit_later(submit)))
            return None

    async def _submit_later(self, submit: SubmitRefundInput) -> None:
        try:
            await run_activity(
                SUBMIT_REFUND,
                submit,
                start_to_close_timeout=REFUND_CALL_TIMEOUT,
                heartbeat_timeout=REFUND_HEARTBEAT,
                retry_policy=REFUND_BACKGROUND_RETRY,
            )
        except ActivityError as err:
            workflow.logger.error(
                "refund %s still unanswered; pending for an operator: %s",
                submit.refund_key,
                err.cause,
            )

    @adjust_installments.validator
    def _validate_adjust(self, request: AdjustInstallmentsRequest) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        paid = {i.number for i in snapshot.installments if i.status == "paid"}
        with domain_rule():
            ensure_adjustable(InvoiceStatus(snapshot.status))
            for change in request.installments:
                ensure_installment_unpaid(change.number, change.number in paid)

    @modify.validator
    def _validate_modify(self, request: ModifyInvoiceRequest) -> None:
        snapshot = self._snapshot
        if snapshot is None:
            return
        with domain_rule():
            ensure_modifiable(InvoiceStatus(snapshot.status), snapshot.payment_initiated)

    async def _change(
        self,
        change: ActivityRef[Any, ChangeResult],
        input_type: Callable[..., BaseModel],
        request: BaseModel,
    ) -> InvoiceSnapshot:
        """One synchronous change (an update): waits for the invoice, runs its activity under
        the workflow's lock, then expires at the gateway the links it made stale."""
        await self._loaded()
        async with self._lock:
            result = await self._request_activity(change, input_type, request)
            self._set_snapshot(result.snapshot)
            self._expire_at_gateway_later(result.stale_references)
            return result.snapshot

    async def _request_activity(
        self,
        ref: ActivityRef[Any, Out],
        input_type: Callable[..., BaseModel],
        request: BaseModel,
    ) -> Out:
        """An update's activity for this invoice (the caller holds the lock); a business
        refusal becomes the update's rejection."""
        snapshot = self._require_snapshot()
        try:
            return await run_activity(
                ref,
                input_type(
                    invoice_id=snapshot.invoice_id,
                    tenant_id=snapshot.tenant_id,
                    request=request,
                ),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(maximum_attempts=5),
            )
        except ActivityError as err:
            raise _business_failure(err) from None

    def _require_snapshot(self) -> InvoiceSnapshot:
        if self._snapshot is None:
            raise ApplicationError(
                "Invoice is still being created; retry", type=ErrorType.NOT_READY
            )
        return self._snapshot

    async def _loaded(self) -> None:
        """Updates that arrive before the invoice is loaded wait for it (the activity they run
        re-checks every rule against MySQL under the row lock)."""
        await workflow.wait_condition(lambda: self._snapshot is not None)

    # --- queries -----------------------------------------------------------------------------

    @workflow.query
    def state(self) -> InvoiceSnapshot | None:
        """What the workflow knows of its invoice (operators: `temporal workflow query`)."""
        return self._snapshot

    @workflow.query
    def pending_events(self) -> int:
        return len(self._events)


def _sooner(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return min(a, b)
