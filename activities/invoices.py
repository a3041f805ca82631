"""Invoice activities: every change of an invoice's state, each in one MySQL transaction that
holds `SELECT ... FOR UPDATE` on the invoice row, and the gateway calls around them.

Each change is load → decide → write: the invoice and what is recorded of the event are loaded
through the tenant-bound repositories (`db.invoices.InvoiceRepository`,
`db.payments.PaymentRepository`), a pure decision of `domain.payments` says what happens, and
the repositories write it. Only the events, metrics and logs of a change are written here.

Activities are idempotent: a retried `apply_payment_event` finds its transaction by gateway
transaction id and does nothing; a retried `create_payment_link` finds the link it made.
Business failures are `ApplicationError(non_retryable=True)`; outages raise, so Temporal
retries them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

from activities.invoice_events import invoice_events, payment_events
from activities.locking import lock_invoice
from contracts.errors import ErrorType
from contracts.gateway_events import EventKind
from contracts.gateway_events import WebhookEvent as GatewayEvent
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
    PaymentEvent,
    PaymentLink,
    PaymentLinkResult,
    SyncInput,
    SyncResult,
    UnappliedEventInput,
)
from db.drafting import write_lines_and_schedule
from db.engine import SessionFactory, transaction
from db.invoices import InvoiceRepository, installment_states, invoice_state
from db.models import (
    GatewayPayment,
    InstallmentSchedule,
    Invoice,
    WebhookEvent,
    WebhookRetryLog,
)
from db.payments import PaymentRepository
from db.reports import sync_report_rollup
from domain.drafts import InstallmentsIn, LineItemIn, plan_invoice
from domain.errors import DomainError
from domain.expiry import check_covers_installments, extended_expiry
from domain.installments import (
    NO_SCHEDULE_MESSAGE,
    InstallmentChange,
    adjust_schedule,
    last_due_date,
)
from domain.money import parse_currency
from domain.payment_sync import earliest, next_sync_at
from domain.payments import (
    AppliedPayment,
    Closure,
    Duplicate,
    InvoiceState,
    ReceivedPayment,
    RejectedPayment,
    decide_cancellation,
    decide_expiry,
    decide_initiation,
    decide_link_issued,
    decide_payment,
    release_installment,
    reuses_link,
)
from domain.status import (
    InvoiceStatus,
    ensure_adjustable,
    ensure_extendable,
    ensure_modifiable,
)
from domain.timeutil import ensure_utc, to_naive_utc, utcnow
from domain.totals import FeeSchedule
from gateways.accounts import AccountDirectory, UnknownAccount, active_account, link_account_id
from gateways.base import (
    ORDER_ID_TAKEN,
    CreatedPayment,
    GatewayError,
    GatewayRejected,
    PaymentGateway,
    PaymentItem,
    PaymentRequest,
    PaymentState,
    new_merchant_reference,
)
from gateways.credentials import CredentialCipher
from observability.metrics import (
    GATEWAY_CALLS,
    GATEWAY_LATENCY,
    INVOICE_TRANSITIONS,
    PAYMENTS_APPLIED,
    WEBHOOK_PROCESSING,
)
from workflows.rules import business_error, domain_rule

logger = logging.getLogger("paytrust.activities.invoices")

# fail_unapplied_event waits (retrying) at most this many attempts for the WebhookWorkflow to
# record its own verdict before failing the event regardless.
UNAPPLIED_WAIT_ATTEMPTS = 20


def _record_transition(invoice: Invoice, status: InvoiceStatus) -> None:
    """The status a decision of `domain.payments` reached (through `status.transition`),
    counted and logged when it changes."""
    new_status = status.value
    if invoice.status != new_status:
        INVOICE_TRANSITIONS.labels(invoice.status, new_status).inc()
        logger.info(
            "invoice %s: %s -> %s",
            invoice.id,
            invoice.status,
            new_status,
            extra={"invoice_id": invoice.id, "tenant_id": invoice.tenant_id},
        )
        invoice.status = new_status
    invoice.updated_at = to_naive_utc(utcnow())


@dataclass
class _Work:
    """One unit of work: the session and the repositories bound to the invoice's tenant."""

    session: AsyncSession
    invoices: InvoiceRepository
    payments: PaymentRepository

    @classmethod
    def of(cls, session: AsyncSession, tenant_id: str) -> _Work:
        return cls(
            session, InvoiceRepository(session, tenant_id), PaymentRepository(session, tenant_id)
        )

    async def lock(self, invoice_id: int) -> Invoice:
        return await lock_invoice(self.invoices, invoice_id)

    async def load(self, invoice_id: int) -> tuple[Invoice, list[InstallmentSchedule]]:
        """The invoice and its schedule, locked in that order."""
        invoice = await self.lock(invoice_id)
        return invoice, await self.invoices.lock_schedule(invoice.id)


class InvoiceActivities:
    """Registered in the worker as bound methods; dependencies come in through `__init__`."""

    def __init__(
        self,
        sessions: SessionFactory,
        gateways: dict[str, PaymentGateway],
        accounts: AccountDirectory | None = None,
        *,
        sync_scale: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self._accounts = accounts or AccountDirectory(
            sessions, gateways, CredentialCipher.from_setting(None)
        )
        # PAYMENT_SYNC_SCALE: compresses the payment-sync schedule (tests, benchmarks).
        self._sync_scale = sync_scale

    async def _gateway(self, name: str, account_id: str | None = None) -> PaymentGateway:
        """The client of the merchant's account the link belongs to, or the platform's."""
        try:
            return await self._accounts.client(name, account_id)
        except UnknownAccount as exc:
            raise business_error(str(exc)) from None

    # --- reading -----------------------------------------------------------------------------

    @activity.defn
    async def load_invoice(self, inp: LoadInvoiceInput) -> InvoiceSnapshot | None:
        """The invoice as MySQL has it, or None if its row does not exist (yet)."""
        async with self._sessions() as session:
            invoices = InvoiceRepository(session, inp.tenant_id)
            invoice = await invoices.get(inp.invoice_id)
            if invoice is None:
                return None
            return await invoices.snapshot(invoice)

    @activity.defn
    async def confirm_invoice_row(self, inp: LoadInvoiceInput) -> bool:
        """Whether the api's transaction that started the workflow has committed the invoice's
        row. Not yet: a retryable failure (`NOT_READY`), so the caller's retry policy decides
        how long to wait for the commit."""
        async with self._sessions() as session:
            if await InvoiceRepository(session, inp.tenant_id).exists(inp.invoice_id):
                return True
        # Benign: an expected wait, logged at DEBUG and kept out of the failure metrics.
        raise ApplicationError(
            "the invoice's row is not committed yet",
            type=ErrorType.NOT_READY,
            category=ApplicationErrorCategory.BENIGN,
        )

    # --- payment initiation ------------------------------------------------------------------

    @activity.defn
    async def create_payment_link(self, inp: CreatePaymentInput) -> PaymentLinkResult:
        """The live gateway payment for the next unpaid installment (or the amount due), made
        if there is none. Sets `payment_initiated_at` once and moves draft → pending."""
        now = utcnow()
        async with transaction(self._sessions) as session:
            work = _Work.of(session, inp.tenant_id)
            invoice, schedule = await work.load(inp.invoice_id)
            currency = parse_currency(invoice.currency)
            gateway_name = await work.invoices.gateway_name(invoice.gateway_id)
            with domain_rule():
                target = decide_initiation(
                    invoice_state(invoice, schedule), inp.installment_number, now
                )
            number = target.installment_number
            account = await active_account(session, invoice.tenant_id, gateway_name)
            account_id = account.id if account is not None else None
            live = await work.payments.live_link(invoice.id, number)
            if live is not None:
                if reuses_link(target, live.amount, live.expires_at, now):
                    return PaymentLinkResult(
                        link=_link(invoice, live, gateway_name, reused=True),
                        snapshot=await work.invoices.snapshot(invoice),
                    )
                live.status = "superseded"
            attempt = await work.payments.count_attempts(invoice.id, number) + 1
            lines = await work.invoices.line_items(invoice.id)
            full_invoice = number is None and target.amount == invoice.total
            request = PaymentRequest(
                invoice_id=invoice.id,
                installment_number=number,
                attempt=attempt,
                amount=target.amount,
                currency=currency,
                description=invoice.description or f"Invoice {invoice.external_id}",
                expires_at=ensure_utc(invoice.expires_at),
                items=[
                    PaymentItem(
                        name=line.description,
                        price=line.unit_price,
                        quantity=line.quantity,
                        category=line.tax_category,
                    )
                    for line in lines
                ]
                if full_invoice
                else [],
                tax_amount=invoice.tax_total if full_invoice else target.tax_amount,
                service_fee=invoice.service_fee if full_invoice else target.service_fee_amount,
                customer_name=(invoice.customer or {}).get("name"),
                customer_email=(invoice.customer or {}).get("email"),
                success_redirect_url=inp.success_redirect_url,
                failure_redirect_url=inp.failure_redirect_url,
                merchant_name=invoice.tenant_id,
                installment_count=len(schedule) or None,
                metadata={
                    "paytrust_invoice_id": str(invoice.id),
                    "installment_number": str(number or 0),
                    "external_id": invoice.external_id[:100],
                },
            )
        created = await self._create_at_gateway(gateway_name, request, account_id)
        # Payment sync counts from here, on the workflow's clock (domain/payment_sync.py).
        issued_at = ensure_utc(inp.as_of) if inp.as_of is not None else utcnow()
        async with transaction(self._sessions) as session:
            work = _Work.of(session, inp.tenant_id)
            invoice = await work.lock(inp.invoice_id)
            existing = await work.payments.link_by_gateway_key(
                invoice.gateway_id, created.reference
            )
            new_link = existing is None
            if existing is None:
                existing = work.payments.add_link(
                    invoice,
                    installment_number=number,
                    attempt=request.attempt,
                    gateway_account_id=account_id,
                    reference=created.reference,
                    merchant_reference=created.merchant_reference,
                    payment_url=created.payment_url,
                    amount=created.amount,
                    currency=created.currency.value,
                    expires_at=to_naive_utc(created.expires_at),
                    created_at=to_naive_utc(issued_at),
                )
            schedule = await work.invoices.lock_schedule(invoice.id)
            try:
                issued = decide_link_issued(invoice_state(invoice, schedule), number)
            except DomainError as exc:
                # Paid or expired while we were at the gateway: this link must not be used.
                existing.status = "superseded"
                raise business_error(exc.message) from None
            work.invoices.mark_initiated(invoice, now)
            _record_transition(invoice, issued.status)
            work.invoices.write_schedule(schedule, issued.installments)
            if new_link:
                await invoice_events(session, invoice, "invoice.payment_initiated")
            await sync_report_rollup(session, invoice)
            link = _link(invoice, existing, gateway_name, reused=False)
            return PaymentLinkResult(
                link=link,
                snapshot=await work.invoices.snapshot(invoice),
                next_sync_at=next_sync_at(
                    issued_at, ensure_utc(created.expires_at), issued_at, self._sync_scale
                ),
            )

    async def _create_at_gateway(
        self, gateway_name: str, request: PaymentRequest, account_id: str | None
    ) -> CreatedPayment:
        gateway = await self._gateway(gateway_name, account_id)
        for _ in range(3):
            started = time.perf_counter()
            try:
                created = await gateway.create_payment(request)
            except GatewayError as exc:
                GATEWAY_CALLS.labels(gateway_name, "create_payment", "error").inc()
                if exc.gateway_code == ORDER_ID_TAKEN:
                    # That order id is in use at the gateway: take a fresh reference.
                    request = request.model_copy(
                        update={
                            "attempt": request.attempt + 1,
                            "merchant_reference": new_merchant_reference(),
                        }
                    )
                    continue
                if isinstance(exc, GatewayRejected) or not exc.retryable:
                    raise business_error(
                        f"{gateway_name} rejected the payment: {exc}", ErrorType.GATEWAY_REJECTED
                    ) from None
                raise ApplicationError(
                    f"{gateway_name} is unavailable: {exc}", type=ErrorType.GATEWAY_UNAVAILABLE
                ) from None
            finally:
                GATEWAY_LATENCY.labels(gateway_name, "create_payment").observe(
                    time.perf_counter() - started
                )
            GATEWAY_CALLS.labels(gateway_name, "create_payment", "ok").inc()
            return created
        raise business_error(
            f"{gateway_name} refused every order id we tried", ErrorType.GATEWAY_REJECTED
        )

    # --- applying gateway events ------------------------------------------------------------

    @activity.defn
    async def apply_payment_event(self, inp: ApplyPaymentInput) -> ApplyResult:
        """Apply one verified gateway event to the invoice, exactly once."""
        from activities import refunds

        event = inp.payment.event
        async with transaction(self._sessions) as session:
            work = _Work.of(session, inp.tenant_id)
            invoice, schedule = await work.load(inp.invoice_id)
            state = invoice_state(invoice, schedule)
            if event.kind == EventKind.PAID:
                result = await self._apply_paid(work, invoice, schedule, state, inp.payment)
            elif event.kind == EventKind.REFUNDED:
                result = await refunds.apply_refund_notification(
                    work.session, invoice, state, inp.payment
                )
            elif event.kind == EventKind.FAILED and event.refund_id is not None:
                result = await refunds.apply_refund_failure(work.session, invoice, inp.payment)
            elif event.kind == EventKind.EXPIRED:
                result = await self._apply_gateway_expiry(work, invoice, schedule, inp.payment)
            else:
                logger.info(
                    "gateway event %s (%s) recorded without effect",
                    event.event_id,
                    event.kind,
                    extra={"invoice_id": invoice.id},
                )
                result = ("ignored", None, f"{event.kind} events do not change the invoice")
            await sync_report_rollup(session, invoice)
            outcome, transaction_id, message = result
            applied = ApplyResult(
                outcome=outcome,
                snapshot=await work.invoices.snapshot(invoice),
                transaction_id=transaction_id,
                message=message,
            )
        if applied.outcome == "applied" and event.kind == EventKind.PAID:
            # Counted once committed: how the payment reached us (alert: sync finds > 5%).
            PAYMENTS_APPLIED.labels(str(event.gateway), inp.payment.source).inc()
        return applied

    async def _apply_paid(
        self,
        work: _Work,
        invoice: Invoice,
        schedule: list[InstallmentSchedule],
        state: InvoiceState,
        payment: PaymentEvent,
    ) -> tuple[str, int | None, str | None]:
        event = payment.event
        gateway_txn = event.gateway_transaction_id or event.event_id
        recorded = await work.payments.transaction_by_gateway_key(invoice.gateway_id, gateway_txn)
        with domain_rule():
            outcome = decide_payment(
                state,
                ReceivedPayment(
                    event_id=event.event_id,
                    amount=event.amount,
                    currency=event.currency,
                    recorded_as=recorded.id if recorded is not None else None,
                ),
            )
        if isinstance(outcome, Duplicate):
            return "duplicate", outcome.transaction_id, outcome.message
        if isinstance(outcome, RejectedPayment):
            rejected = await work.payments.record_rejected(
                invoice,
                outcome,
                gateway_transaction_id=gateway_txn,
                reference=event.reference,
                installment_number=event.installment_number,
                paid_at=event.occurred_at,
            )
            return "rejected_currency", rejected.id, rejected.failure_reason
        return await self._record_paid(work, invoice, schedule, outcome, event, gateway_txn)

    async def _record_paid(
        self,
        work: _Work,
        invoice: Invoice,
        schedule: list[InstallmentSchedule],
        outcome: AppliedPayment,
        event: GatewayEvent,
        gateway_txn: str,
    ) -> tuple[str, int | None, str | None]:
        txn, discrepancy = await work.payments.record_payment(
            invoice,
            outcome,
            gateway_transaction_id=gateway_txn,
            reference=event.reference,
            paid_at=event.occurred_at,
        )
        newly_paid = work.invoices.record_payment(
            invoice, schedule, outcome, paid_at=event.occurred_at, now=utcnow()
        )
        if outcome.paid_after_close:
            # Money that arrived after expiry or cancellation is recorded, never lost; the
            # status stays so the merchant decides (refund or honour it).
            logger.warning(
                "payment received for %s invoice %s",
                invoice.status,
                invoice.id,
                extra={"invoice_id": invoice.id, "amount": str(outcome.amount)},
            )
        else:
            _record_transition(invoice, outcome.status)
        await work.payments.close_live_link(invoice.id, event.reference, "paid")
        await payment_events(
            work.session,
            invoice,
            txn,
            discrepancy,
            newly_paid=newly_paid,
            status_changed=outcome.status_changed,
            overpaid=outcome.overpayment > 0,
        )
        return "applied", txn.id, None

    async def _apply_gateway_expiry(
        self,
        work: _Work,
        invoice: Invoice,
        schedule: list[InstallmentSchedule],
        payment: PaymentEvent,
    ) -> tuple[str, int | None, str | None]:
        """The gateway expired one payment link; the invoice's own expiry is our timer's."""
        changed = await work.payments.close_live_link(
            invoice.id, payment.event.reference, "expired"
        )
        if changed is not None and changed.installment_number is not None:
            work.invoices.write_schedule(
                schedule,
                release_installment(installment_states(schedule), changed.installment_number),
            )
        return "recorded", None, "Gateway payment link expired"

    @activity.defn
    async def fail_unapplied_event(self, inp: UnappliedEventInput) -> None:
        """The event's webhook row becomes `permanently_failed` with the reason: listed in
        /webhooks/failed, replayable by the admin, counted as a failed webhook (alerted).

        Written after the WebhookWorkflow's own verdict on the delivery (it records
        `processed` once the invoice has the event), so that verdict cannot overwrite this
        one: while the row is still in flight the activity retries, for a bounded while."""
        event = inp.payment.event
        if inp.payment.webhook_event_id is None:
            # Found by reconciliation, not delivered by a webhook: nothing to list.
            logger.error(
                "gateway event %s cannot apply to invoice %s: %s",
                event.event_id,
                inp.invoice_id,
                inp.reason,
                extra={"invoice_id": inp.invoice_id},
            )
            return
        async with transaction(self._sessions) as session:
            row = await session.get(
                WebhookEvent, inp.payment.webhook_event_id, with_for_update=True
            )
            if row is None:
                return
            in_flight = row.status in ("received", "processing", "retrying")
            if in_flight and activity.info().attempt < UNAPPLIED_WAIT_ATTEMPTS:
                raise ApplicationError(
                    f"webhook event {row.id} is still {row.status}; failing it afterwards",
                    type=ErrorType.WEBHOOK_IN_FLIGHT,
                )
            now = to_naive_utc(utcnow())
            row.status = "permanently_failed"
            row.failed_at = now
            row.last_error = inp.reason
            row.tenant_id = inp.tenant_id
            row.invoice_id = inp.invoice_id
            row.attempts = row.attempts + 1
            session.add(
                WebhookRetryLog(
                    webhook_event_id=row.id,
                    run_id=f"invoice-{activity.info().workflow_run_id or ''}"[:64],
                    attempt_number=min(row.attempts, 32767),
                    attempted_at=now,
                    status="failed",
                    error_message=inp.reason,
                )
            )
        logger.critical(
            "webhook %s/%s accepted but not applied to invoice %s: %s",
            event.gateway,
            event.event_id,
            inp.invoice_id,
            inp.reason,
            extra={"webhook_event_id": inp.payment.webhook_event_id, "invoice_id": inp.invoice_id},
        )
        WEBHOOK_PROCESSING.labels(event.gateway, "failed").inc()

    # --- expiry, cancellation ---------------------------------------------------------------

    @activity.defn
    async def expire_invoice(self, inp: ExpireInput) -> ChangeResult:
        """FR-045: draft/pending/partially_paid → expired once `expires_at` has passed (by
        the workflow's timer; a worker whose clock lags does not hold the expiry back)."""
        async with transaction(self._sessions) as session:
            work = _Work.of(session, inp.tenant_id)
            invoice, schedule = await work.load(inp.invoice_id)
            closure = decide_expiry(
                invoice_state(invoice, schedule), max(utcnow(), ensure_utc(inp.as_of))
            )
            stale: list[str] = []
            if closure is not None:
                stale = await _close(work, invoice, schedule, closure)
                await invoice_events(session, invoice, "invoice.expired")
            await sync_report_rollup(session, invoice)
            return ChangeResult(
                snapshot=await work.invoices.snapshot(invoice),
                stale_references=stale,
                changed=closure is not None,
            )

    @activity.defn
    async def cancel_invoice(self, inp: CancelInput) -> ChangeResult:
        async with transaction(self._sessions) as session:
            work = _Work.of(session, inp.tenant_id)
            invoice, schedule = await work.load(inp.invoice_id)
            with domain_rule():
                closure = decide_cancellation(invoice_state(invoice, schedule))
            stale = await _close(work, invoice, schedule, closure)
            await invoice_events(session, invoice, "invoice.cancelled")
            await sync_report_rollup(session, invoice)
            return ChangeResult(
                snapshot=await work.invoices.snapshot(invoice), stale_references=stale
            )

    @activity.defn
    async def modify_invoice(self, inp: ModifyInput) -> ChangeResult:
        """PATCH of a draft: new lines, schedule, expiry or description; totals recomputed."""
        async with transaction(self._sessions) as session:
            return await _modify(_Work.of(session, inp.tenant_id), inp)

    @activity.defn
    async def adjust_installments(self, inp: AdjustInput) -> ChangeResult:
        """FR-077..080: re-plan unpaid installments; paid ones are immutable; the unpaid
        amounts must sum to the remaining balance; tax and fee shares are re-split."""
        async with transaction(self._sessions) as session:
            work = _Work.of(session, inp.tenant_id)
            invoice = await work.lock(inp.invoice_id)
            with domain_rule():
                ensure_adjustable(InvoiceStatus(invoice.status))
            rows = await work.invoices.lock_schedule(invoice.id)
            if not rows:
                raise business_error(NO_SCHEDULE_MESSAGE)
            with domain_rule():
                updated = adjust_schedule(
                    parse_currency(invoice.currency),
                    installment_states(rows),
                    [
                        InstallmentChange(number=c.number, amount=c.amount, due_date=c.due_date)
                        for c in inp.request.installments
                    ],
                )
                check_covers_installments(ensure_utc(invoice.expires_at), last_due_date(updated))
            stale: list[str] = []
            amounts = {row.number: row.amount for row in rows}
            for item in updated:
                if item.amount == amounts[item.number]:
                    continue
                live = await work.payments.live_link(invoice.id, item.number)
                if live is not None:  # its amount is stale: the customer must not pay it
                    live.status = "superseded"
                    stale.append(live.reference)
                    updated = list(release_installment(updated, item.number))
            work.invoices.write_schedule(rows, updated)
            invoice.updated_at = to_naive_utc(utcnow())
            await invoice_events(session, invoice, "invoice.updated")
            await session.flush()
            logger.info(
                "installments adjusted",
                extra={
                    "invoice_id": invoice.id,
                    "changed": [c.number for c in inp.request.installments],
                },
            )
            return ChangeResult(
                snapshot=await work.invoices.snapshot(invoice), stale_references=stale
            )

    @activity.defn
    async def extend_expiry(self, inp: ExtendExpiryInput) -> ChangeResult:
        """A later `expires_at` for an invoice not yet final, within the creation rules (at
        least 1 h and at most 30 days from now, not before the last due date). Live payment
        links keep their own expiry; once they lapse, the next initiation makes a new one."""
        async with transaction(self._sessions) as session:
            work = _Work.of(session, inp.tenant_id)
            invoice = await work.lock(inp.invoice_id)
            with domain_rule():
                ensure_extendable(InvoiceStatus(invoice.status))
            schedule = await work.invoices.lock_schedule(invoice.id)
            with domain_rule():
                new_expiry = extended_expiry(
                    invoice.expires_at,
                    utcnow(),
                    inp.request.expires_at,
                    max((ensure_utc(r.due_date) for r in schedule), default=None),
                )
            invoice.expires_at = to_naive_utc(new_expiry)
            invoice.updated_at = to_naive_utc(utcnow())
            await invoice_events(session, invoice, "invoice.updated")
            await session.flush()
            logger.info(
                "invoice expiry extended",
                extra={"invoice_id": invoice.id, "expires_at": new_expiry.isoformat()},
            )
            return ChangeResult(snapshot=await work.invoices.snapshot(invoice))

    @activity.defn
    async def reconcile_live_payments(self, inp: LoadInvoiceInput) -> list[PaymentEvent]:
        """Payments the gateway took but whose webhooks never reached us (every delivery
        failed): asked of the gateway before the invoice expires, and returned as ordinary
        paid events, de-duplicated like webhooks by gateway transaction id. A gateway that
        cannot be reached fails the activity (the workflow retries, then expires anyway)."""
        check = await self._check_live_links(inp, "reconciliation", tolerate_outage=False)
        return check.events

    @activity.defn
    async def sync_live_payments(self, inp: SyncInput) -> SyncResult:
        """Payment sync (domain/payment_sync.py): ask the gateway about every live, unpaid
        link now, return what it took as ordinary paid events (the same de-duplication key as
        the notification, so whichever comes second changes nothing), and when the next
        scheduled check is due. A gateway that cannot be reached is not an error here: the
        link is listed as unreachable and checked again at its next slot."""
        check = await self._check_live_links(
            LoadInvoiceInput(invoice_id=inp.invoice_id, tenant_id=inp.tenant_id),
            "sync",
            tolerate_outage=True,
        )
        paid = {payment.event.reference for payment in check.events}
        due = earliest(
            next_sync_at(
                ensure_utc(link.created_at),
                ensure_utc(link.expires_at),
                ensure_utc(inp.as_of),
                self._sync_scale,
            )
            for link in check.links
            if link.reference not in paid
        )
        return SyncResult(events=check.events, unreachable=check.unreachable, next_sync_at=due)

    async def _check_live_links(
        self, inp: LoadInvoiceInput, source: PaymentSource, *, tolerate_outage: bool
    ) -> _LiveLinkCheck:
        async with self._sessions() as session:
            work = _Work.of(session, inp.tenant_id)
            invoice = await work.invoices.get(inp.invoice_id)
            if invoice is None:
                return _LiveLinkCheck()
            gateway_name = await work.invoices.gateway_name(invoice.gateway_id)
            links = await work.payments.live_links(inp.invoice_id)
        check = _LiveLinkCheck(links=links)
        for link in links:
            # The account that issued the link answers for it (a merchant's own, or ours).
            gateway = await self._gateway(gateway_name, link.gateway_account_id)
            started = time.perf_counter()
            try:
                status = await gateway.get_status(link.reference)
            except GatewayRejected:
                GATEWAY_CALLS.labels(gateway_name, "get_status", "rejected").inc()
                continue  # unknown to the gateway yet (e.g. a Snap order never opened)
            except GatewayError as exc:
                GATEWAY_CALLS.labels(gateway_name, "get_status", "error").inc()
                if not tolerate_outage:
                    raise
                logger.warning(
                    "could not ask %s about %s: %s",
                    gateway_name,
                    link.reference,
                    exc,
                    extra={"invoice_id": inp.invoice_id},
                )
                check.unreachable.append(link.reference)
                continue
            finally:
                GATEWAY_LATENCY.labels(gateway_name, "get_status").observe(
                    time.perf_counter() - started
                )
            GATEWAY_CALLS.labels(gateway_name, "get_status", "ok").inc()
            if status.state != PaymentState.PAID or not status.paid_amount:
                continue
            transaction_id = status.gateway_transaction_id or link.reference
            logger.warning(
                "payment %s found paid at %s by %s",
                link.reference,
                gateway_name,
                source,
                extra={"invoice_id": inp.invoice_id, "amount": str(status.paid_amount)},
            )
            check.events.append(
                PaymentEvent(
                    source=source,
                    event=GatewayEvent(
                        gateway=status.gateway,
                        kind=EventKind.PAID,
                        event_id=f"{transaction_id}:{_EVENT_SUFFIX[source]}",
                        gateway_transaction_id=transaction_id,
                        reference=link.reference,
                        merchant_reference=status.merchant_reference or link.merchant_reference,
                        invoice_id=inp.invoice_id,
                        installment_number=link.installment_number,
                        amount=status.paid_amount,
                        currency=status.currency,
                        occurred_at=status.paid_at or utcnow(),
                        raw=status.raw,
                    ),
                )
            )
        return check

    @activity.defn
    async def expire_gateway_payment(self, inp: ExpireGatewayPaymentInput) -> None:
        """Stop a stale payment link at the gateway. Already paid or expired there: fine."""
        async with self._sessions() as session:
            account_id = await link_account_id(session, inp.gateway, inp.reference)
        gateway = await self._gateway(inp.gateway, account_id)
        try:
            await gateway.expire(inp.reference)
            GATEWAY_CALLS.labels(inp.gateway, "expire", "ok").inc()
        except GatewayRejected as exc:
            GATEWAY_CALLS.labels(inp.gateway, "expire", "rejected").inc()
            logger.info("gateway refused to expire %s: %s", inp.reference, exc)
        except GatewayError:
            GATEWAY_CALLS.labels(inp.gateway, "expire", "error").inc()
            raise


def _link(invoice: Invoice, row: GatewayPayment, gateway: str, *, reused: bool) -> PaymentLink:
    return PaymentLink(
        invoice_id=invoice.id,
        installment_number=row.installment_number,
        amount=row.amount,
        currency=row.currency,
        gateway=gateway,
        gateway_reference=row.reference,
        payment_url=row.payment_url,
        expires_at=ensure_utc(row.expires_at),
        reused=reused,
    )


async def _close(
    work: _Work, invoice: Invoice, schedule: list[InstallmentSchedule], closure: Closure
) -> list[str]:
    """The invoice expired or cancelled: its live links retired (the workflow then expires them
    at the gateway), installments that waited on one unpaid again."""
    _record_transition(invoice, closure.status)
    stale = await work.payments.retire_live_links(invoice.id, closure.link_status)
    work.invoices.write_schedule(schedule, closure.installments)
    return stale


async def _modify(work: _Work, inp: ModifyInput) -> ChangeResult:
    """Re-plan a draft from its current values overlaid with the request's (FR-051)."""
    invoice = await work.lock(inp.invoice_id)
    with domain_rule():
        ensure_modifiable(InvoiceStatus(invoice.status), invoice.payment_initiated_at)
    request = inp.request
    fields = set(request.fields_set)
    lines = request.line_items
    if lines is None:
        lines = [
            LineItemIn(
                description=row.description,
                quantity=row.quantity,
                unit_price=str(row.unit_price),
                tax_rate=str(row.tax_rate),
                tax_category=row.tax_category,
            )
            for row in await work.invoices.line_items(invoice.id)
        ]
    schedule_rows = await work.invoices.schedule(invoice.id)
    installments = request.installments
    if "installments" not in fields and schedule_rows:
        # Keep the schedule's shape; amounts are re-split if the total changed.
        interval = (
            (schedule_rows[1].due_date - schedule_rows[0].due_date).days
            if len(schedule_rows) > 1
            else 7
        )
        installments = InstallmentsIn(count=len(schedule_rows), interval_days=max(1, interval))
    expires_at = request.expires_at if "expires_at" in fields else None
    if "expires_at" not in fields and "installments" not in fields and lines is not None:
        expires_at = ensure_utc(invoice.expires_at)
    with domain_rule():
        plan = plan_invoice(
            currency=parse_currency(invoice.currency),
            fee=FeeSchedule(fee_percentage=invoice.fee_percentage, fee_fixed=invoice.fee_fixed),
            line_items=lines,
            installments=installments,
            expires_at=expires_at,
            now=utcnow(),
        )
    if "description" in fields:
        invoice.description = request.description
    if "metadata" in fields:
        invoice.metadata_ = request.metadata or {}
    invoice.subtotal = plan.totals.subtotal
    invoice.tax_total = plan.totals.tax_total
    invoice.service_fee = plan.totals.service_fee
    invoice.total = plan.totals.total
    invoice.expires_at = to_naive_utc(plan.expires_at)
    invoice.updated_at = to_naive_utc(utcnow())
    await write_lines_and_schedule(work.session, invoice, plan)
    await invoice_events(work.session, invoice, "invoice.updated")
    await sync_report_rollup(work.session, invoice)
    return ChangeResult(snapshot=await work.invoices.snapshot(invoice))


PaymentSource = Literal["notification", "sync", "reconciliation"]
# Event ids of payments found by asking the gateway (logs and traces tell them apart; the
# transaction is de-duplicated by gateway transaction id whatever the event id).
_EVENT_SUFFIX: dict[str, str] = {"sync": "synced", "reconciliation": "reconciled"}


@dataclass
class _LiveLinkCheck:
    links: list[GatewayPayment] = field(default_factory=list)
    events: list[PaymentEvent] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
