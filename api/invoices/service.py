"""Invoice use cases. The api writes an invoice once, at creation, atomically with starting its
workflow; every later change is a workflow update (the workflow is the single writer)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Principal
from api.deps import Services
from api.errors import (
    AppError,
    BusinessRuleError,
    Conflict,
    NotFound,
    ServiceUnavailable,
    is_dependency_outage,
)
from contracts.errors import ErrorType
from contracts.invoices import (
    InvoiceStarts,
    InvoiceWorkflowInput,
    PaymentLink,
    SyncRequest,
)
from contracts.refs import UpdateRef
from contracts.resources import (
    InvoiceCreate,
    InvoiceOut,
    PaymentOut,
    SupplementaryCreate,
)
from contracts.workflows import INVOICE_WORKFLOW, SYNC_PAYMENTS, invoice_workflow_id
from db import events
from db import invoices as repo
from db.drafting import insert_invoice
from db.gateways import GatewayRepository
from db.invoices import InvoiceDocumentRepository, InvoiceRepository
from db.models import (
    Invoice,
    InvoiceAuditLog,
)
from db.resources import invoice_out, invoice_out_from_document, money
from domain.drafts import plan_invoice
from domain.money import Currency, parse_currency
from domain.status import FINAL_STATUSES, InvoiceStatus, ensure_supplementary_parent
from domain.timeutil import utcnow
from domain.totals import FeeSchedule
from notify.dispatch import dispatch_quietly
from workflows.search_attributes import invoice_search_attributes

logger = logging.getLogger("paytrust.invoices")

UpdateIn = TypeVar("UpdateIn")
UpdateOut = TypeVar("UpdateOut")

START_TIMEOUT = timedelta(seconds=3)
# An update-with-start that meets a run just completing is tried again (a new run starts).
UPDATE_WITH_START_ATTEMPTS = 3


async def read_invoice(
    conn: AsyncConnection | AsyncSession, tenant_id: str, invoice_id: int
) -> InvoiceOut:
    document = await InvoiceDocumentRepository(conn, tenant_id).get(invoice_id)
    if document is None:
        raise NotFound(f"Invoice {invoice_id} not found")
    return invoice_out_from_document(document)


async def require_invoice(invoices: InvoiceRepository, invoice_id: int) -> Invoice:
    invoice = await invoices.get(invoice_id)
    if invoice is None:
        raise NotFound(f"Invoice {invoice_id} not found")
    return invoice


async def _fee_for(
    session: AsyncSession, gateway_id: int, currency: Currency
) -> tuple[FeeSchedule, str]:
    """The gateway's fee for the currency (locked into the invoice) and the gateway's name."""
    gateway = await GatewayRepository(session).gateway_fee(gateway_id, currency.value)
    if gateway is None:
        raise BusinessRuleError(f"Gateway {gateway_id} does not exist", code="unknown_gateway")
    name = gateway["name"]
    if currency.value not in gateway["supported_currencies"]:
        # FR-046
        raise BusinessRuleError(
            f"Gateway {name} does not support currency {currency.value}",
            code="unsupported_currency",
        )
    if gateway["fee_percentage"] is None:
        raise BusinessRuleError(
            f"Gateway {name} has no fee configured for {currency.value}",
            code="unsupported_currency",
        )
    fee = FeeSchedule(fee_percentage=gateway["fee_percentage"], fee_fixed=gateway["fee_fixed"])
    return fee, name


async def create_invoice(
    session: AsyncSession,
    temporal: Callable[[], Awaitable[Client]],
    starts: InvoiceStarts,
    principal: Principal,
    body: InvoiceCreate,
    *,
    original_invoice_id: int | None = None,
) -> InvoiceOut:
    """Validate, compute, insert and start the workflow; the caller's transaction commits
    only after the workflow exists, so a row never exists without its workflow."""
    now = utcnow()
    currency = parse_currency(body.currency)
    fee, gateway = await _fee_for(session, body.gateway_id, currency)
    plan = plan_invoice(
        currency=currency,
        fee=fee,
        line_items=body.line_items,
        installments=body.installments,
        expires_at=body.expires_at,
        now=now,
    )
    try:
        invoice, lines, schedule = await insert_invoice(
            InvoiceRepository(session, principal.tenant_id),
            external_id=body.external_id,
            gateway_id=body.gateway_id,
            fee=fee,
            plan=plan,
            description=body.description,
            customer=body.customer.model_dump(exclude_none=True) if body.customer else None,
            metadata=body.metadata,
            original_invoice_id=original_invoice_id,
            now=now,
            first_event_numbered=True,  # invoice.created, below
        )
    except IntegrityError as exc:
        # external_id is unique per tenant: the constraint decides, with no race window.
        if "uq_invoices_tenant_id_external_id" not in str(exc.orig):
            raise
        raise Conflict(
            f"An invoice with external_id {body.external_id!r} already exists",
            code="duplicate_external_id",
        ) from None
    client = await temporal()
    snapshot = repo.snapshot(invoice, gateway, schedule)
    try:
        await client.start_workflow(
            INVOICE_WORKFLOW.name,
            InvoiceWorkflowInput(
                invoice_id=invoice.id,
                tenant_id=invoice.tenant_id,
                snapshot=snapshot,
                revision=starts.revision,
            ),
            # The run sleeps until its first timer unless something reaches it sooner: no
            # workflow task at creation (contracts.invoices.FIRST_TASK_DELAY_REVISION).
            start_delay=starts.first_task_delay(snapshot, now),
            id=invoice_workflow_id(invoice.id),
            task_queue=starts.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            # Answer 503 promptly (and release the row's transaction) when Temporal is down.
            rpc_timeout=START_TIMEOUT,
            search_attributes=invoice_search_attributes.pairs(
                tenant_id=invoice.tenant_id,
                invoice_id=invoice.id,
                status=invoice.status,
                currency=invoice.currency,
                gateway=gateway,
            ),
        )
    except RPCError as exc:
        logger.warning("could not start workflow for invoice %s: %s", invoice.id, exc.status)
        raise ServiceUnavailable("Temporal is unavailable; the invoice was not created") from exc
    created = invoice_out(invoice, gateway, lines, schedule)
    await events.record_event(
        session, invoice, "invoice.created", created.model_dump(mode="json"), numbered=True
    )
    logger.info(
        "invoice created",
        extra={"invoice_id": invoice.id, "workflow_id": invoice_workflow_id(invoice.id)},
    )
    return created


async def create_supplementary(
    session: AsyncSession,
    temporal: Callable[[], Awaitable[Client]],
    starts: InvoiceStarts,
    principal: Principal,
    parent_id: int,
    body: SupplementaryCreate,
) -> InvoiceOut:
    """FR-082: a new invoice for extra charges on a parent with a live payment flow; it
    inherits currency and gateway, has its own workflow and schedule, and is audit logged. The
    parent's totals and schedule are untouched."""
    parent = await InvoiceRepository(session, principal.tenant_id).lock(parent_id)
    if parent is None:
        raise NotFound(f"Invoice {parent_id} not found")
    ensure_supplementary_parent(
        InvoiceStatus(parent.status), parent.original_invoice_id is not None
    )
    created = await create_invoice(
        session,
        temporal,
        starts,
        principal,
        InvoiceCreate(
            **body.model_dump(exclude={"line_items", "installments", "customer"}),
            currency=parent.currency,
            gateway_id=parent.gateway_id,
            customer=body.customer or parent.customer,
            line_items=body.line_items,
            installments=body.installments,
        ),
        original_invoice_id=parent.id,
    )
    session.add(
        InvoiceAuditLog(
            tenant_id=principal.tenant_id,
            invoice_id=created.id,
            action="supplementary_created",
            actor_identifier=f"api_key:{principal.api_key_id}",
            details={"parent_invoice_id": parent.id, "total": created.total},
        )
    )
    logger.info(
        "supplementary invoice created",
        extra={"invoice_id": created.id, "parent_invoice_id": parent.id},
    )
    return created


async def run_update(
    client: Client, invoice: Invoice, update: UpdateRef[UpdateIn, UpdateOut], arg: UpdateIn
) -> UpdateOut:
    """Execute a workflow update and map its outcome to HTTP: validator or handler rejections
    are 400 with the workflow's message; a completed workflow answers by the invoice status."""
    handle = client.get_workflow_handle(invoice_workflow_id(invoice.id))
    return await _update_answer(
        invoice, handle.execute_update(update.name, arg, result_type=update.result)
    )


async def run_update_with_start(
    client: Client,
    invoice: Invoice,
    starts: InvoiceStarts,
    update: UpdateRef[UpdateIn, UpdateOut],
    arg: UpdateIn,
    *,
    update_id: str | None = None,
) -> UpdateOut:
    """As `run_update`, for updates that must reach the invoice even after its run completed
    (a refund of a paid invoice): the workflow is started again for the update if need be.
    `update_id` makes a repeated call the same update while the run lasts."""
    for attempt in range(1, UPDATE_WITH_START_ATTEMPTS + 1):
        call = client.execute_update_with_start_workflow(
            update.name,
            arg,
            start_workflow_operation=_start_operation(invoice, starts),
            id=update_id,
            result_type=update.result,
        )
        try:
            result: UpdateOut = await call
            return result
        except RPCError as exc:
            # The run completed just as the update came: the next try starts a new one.
            if exc.status == RPCStatusCode.NOT_FOUND and attempt < UPDATE_WITH_START_ATTEMPTS:
                continue
            return await _update_answer(invoice, _reraise(exc))
        except Exception as exc:
            return await _update_answer(invoice, _reraise(exc))
    raise AssertionError("unreachable")


def _start_operation(
    invoice: Invoice, starts: InvoiceStarts
) -> WithStartWorkflowOperation[Any, Any]:
    return WithStartWorkflowOperation(
        INVOICE_WORKFLOW.name,
        InvoiceWorkflowInput(
            invoice_id=invoice.id, tenant_id=invoice.tenant_id, revision=starts.revision
        ),
        id=invoice_workflow_id(invoice.id),
        task_queue=starts.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
    )


async def _reraise(exc: BaseException) -> Any:
    """An awaitable that raises `exc`, for `_update_answer` to map to HTTP."""
    raise exc


async def _update_answer(invoice: Invoice, call: Awaitable[UpdateOut]) -> UpdateOut:
    try:
        return await call
    except WorkflowUpdateFailedError as exc:
        raise _update_error(exc.cause) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError as exc:
        # The update is still running (a slow gateway, a worker restarting): it will finish;
        # the merchant retries (with the same Idempotency-Key where the call takes one).
        raise ServiceUnavailable("The invoice workflow did not answer in time; retry") from exc
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise BusinessRuleError(
                f"Invoice is {invoice.status}; it cannot change any more",
                code="invoice_final",
            ) from None
        if exc.status == RPCStatusCode.FAILED_PRECONDITION or is_dependency_outage(exc):
            # e.g. the workflow's task is failing or being retried after a worker crash.
            raise ServiceUnavailable("The invoice workflow is not ready; retry shortly") from exc
        raise


async def require_invoice_for(
    session: AsyncSession, caller: Principal | None, invoice_id: int
) -> Invoice:
    """The caller's invoice (a merchant: its own tenant's only; the admin: any)."""
    if caller is not None:
        return await require_invoice(InvoiceRepository(session, caller.tenant_id), invoice_id)
    invoice = await repo.get_invoice_for_admin(session, invoice_id)
    if invoice is None:
        raise NotFound(f"Invoice {invoice_id} not found")
    return invoice


async def sync_payments(client: Client, invoice: Invoice) -> None:
    """Ask the gateway about the invoice's live payment links now (the workflow's
    `sync_payments` update) and let the workflow apply what it took before we answer. A final
    invoice has no live link: nothing to ask."""
    if InvoiceStatus(invoice.status) in FINAL_STATUSES:
        return
    try:
        result = await run_update(client, invoice, SYNC_PAYMENTS, SyncRequest())
    except BusinessRuleError as exc:
        if exc.code == "invoice_final":
            return  # its workflow completed meanwhile: the row says what happened
        raise
    if result.unreachable and not result.events:
        raise ServiceUnavailable("The gateway could not be reached to sync payments; retry")


def _update_error(cause: BaseException | None) -> AppError:
    if isinstance(cause, ApplicationError):
        kind = cause.type or ""
        if kind == ErrorType.NOT_FOUND:
            return NotFound(cause.message)
        if kind in (ErrorType.GATEWAY_UNAVAILABLE, ErrorType.UNAVAILABLE):
            return ServiceUnavailable(cause.message)
        if kind == ErrorType.NOT_READY:
            return Conflict(cause.message, code="invoice_not_ready")
        if kind == ErrorType.GATEWAY_REJECTED:
            return BusinessRuleError(cause.message, code="gateway_rejected")
        return BusinessRuleError(cause.message)
    return ServiceUnavailable("The invoice workflow could not complete the request")


async def dispatch_events(services: Services, tenant_id: str, invoice_id: int) -> None:
    """After the request's commit: hand the invoice's new events to their delivery workflows
    (the sweeper does it within a minute if this fails)."""
    try:
        client = await services.temporal()
    except AppError:
        return
    await dispatch_quietly(
        services.sessions, client, services.settings.temporal_task_queue, tenant_id, invoice_id
    )


def payment_out(link: PaymentLink) -> PaymentOut:
    return PaymentOut(
        invoice_id=link.invoice_id,
        installment_number=link.installment_number,
        amount=money(link.amount, link.currency),
        currency=link.currency,
        gateway=link.gateway,
        gateway_reference=link.gateway_reference,
        payment_url=link.payment_url,
        expires_at=link.expires_at,
    )
