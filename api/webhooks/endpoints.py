"""Gateway webhooks in, and the operator's view of the ones that failed for good."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.deps import (
    AdminDep,
    IdPath,
    MerchantOrAdminDep,
    ServicesDep,
    SessionDep,
    client_ip,
)
from api.errors import (
    BusinessRuleError,
    Conflict,
    NotFound,
    RateLimited,
    Unauthorized,
    responses,
)
from api.invoices.service import START_TIMEOUT
from api.pagination import ListDep, Page, envelope
from contracts.gateway_events import WebhookEvent as GatewayWebhookEvent
from contracts.webhooks import WebhookInput
from contracts.workflows import WEBHOOK_WORKFLOW, webhook_workflow_id
from db.engine import SessionFactory, transaction
from db.webhook_events import (
    AdminWebhookEventRepository,
    WebhookEventRepository,
    WebhookIntakeRepository,
)
from domain.timeutil import iso_utc, to_naive_utc, utcnow
from gateways.accounts import UnknownAccount
from gateways.base import PaymentGateway, WebhookAuthError, WebhookPayloadError
from observability.metrics import WEBHOOKS

router = APIRouter(tags=["webhooks"])
logger = logging.getLogger("paytrust.webhooks")

GatewayName = Literal["xendit", "midtrans"]
UNREPLAYABLE = ("unverified", "malformed")


def parse_bounded(
    client: PaymentGateway, body: bytes, account_id: str | None = None
) -> GatewayWebhookEvent:
    """The gateway's event, its ids and amounts within their bounds (columns, workflow ids):
    a field out of bounds is a malformed notification, refused before any write. A merchant
    account's events are scoped to it (another account's deliveries never share a workflow)."""
    try:
        event = client.parse_webhook(body)
        if account_id is None:
            return event
        scoped = {**event.model_dump(), "event_id": f"{account_id}:{event.event_id}"}
        return GatewayWebhookEvent.model_validate(scoped)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
        raise WebhookPayloadError(f"field out of bounds: {fields}", gateway=client.name) from None


class WebhookAccepted(BaseModel):
    status: Literal["accepted", "duplicate"]
    event_id: str


async def _record_rejected(
    sessions: SessionFactory, gateway: str, kind: str, body: bytes, error: str
) -> None:
    """A delivery we refuse (bad signature, malformed) is kept as permanently failed, once per
    distinct body, and never retried. Its own transaction: the request's rolls back with the
    error answer."""
    async with transaction(sessions) as session:
        await _insert_rejected(session, gateway, kind, body, error)


async def _insert_rejected(
    session: AsyncSession, gateway: str, kind: str, body: bytes, error: str
) -> None:
    event_id = f"{kind}-{hashlib.sha256(body).hexdigest()[:40]}"
    now = to_naive_utc(utcnow())
    intake = WebhookIntakeRepository(session)
    row_id = await intake.get_or_create(
        gateway,
        event_id,
        {
            "event_type": kind,
            "payload": body.decode("utf-8", "replace")[:65535],
            "status": "permanently_failed",
            "attempts": 1,
            "last_error": error,
            "received_at": now,
            "failed_at": now,
        },
    )
    await intake.add_first_failure(row_id, now, error)


@router.post(
    "/webhooks/{gateway}",
    response_model=WebhookAccepted,
    responses=responses(400, 401, 413, 429, 503),
)
async def receive_webhook(
    gateway: GatewayName, request: Request, services: ServicesDep
) -> WebhookAccepted:
    """A gateway notification for the platform account. Verified (Xendit `x-callback-token`,
    Midtrans `signature_key`), then handed to a durable `WebhookWorkflow` and answered 200
    before processing finishes; the workflow confirms it with the gateway before anything
    changes. A duplicate delivery of the same event is answered 200 and has no second effect."""
    return await _receive(gateway, None, request, services)


@router.post(
    "/webhooks/{gateway}/{account_id}",
    response_model=WebhookAccepted,
    responses=responses(400, 401, 413, 429, 503),
)
async def receive_account_webhook(
    gateway: GatewayName, account_id: str, request: Request, services: ServicesDep
) -> WebhookAccepted:
    """A notification for a merchant's own gateway account (the `webhook_url` of
    `POST /gateway-accounts`): verified with that account's secret only, and matched only to
    payment links made with that account."""
    return await _receive(gateway, account_id, request, services)


async def _receive(
    gateway: GatewayName, account_id: str | None, request: Request, services: ServicesDep
) -> WebhookAccepted:
    body = await request.body()
    try:
        client = await services.account_directory().client(gateway, account_id)
    except UnknownAccount:
        client = None
    try:
        if client is None:
            raise WebhookAuthError("unknown gateway account", gateway=gateway)
        client.verify_webhook(request.headers, body)
        event = parse_bounded(client, body, account_id)
    except (WebhookAuthError, WebhookPayloadError) as exc:
        unverified = isinstance(exc, WebhookAuthError)
        WEBHOOKS.labels(gateway, "unauthorized" if unverified else "malformed").inc()
        # Throttled per source address before any write, so they cannot flood the database.
        decision = await services.limiter.hit(
            f"webhook-unverified:{client_ip(request)}",
            services.settings.webhook_unverified_per_minute,
        )
        if not decision.allowed:
            raise RateLimited(
                "Too many rejected webhooks from this address", headers=decision.headers()
            ) from None
        kind = "unverified" if unverified else "malformed"
        await _record_rejected(services.sessions, gateway, kind, body, str(exc))
        if unverified:
            raise Unauthorized(
                "Webhook signature or token is invalid", code="invalid_signature"
            ) from None
        raise BusinessRuleError(f"Malformed webhook: {exc}", code="malformed_webhook") from None
    temporal = await services.temporal()
    try:
        await temporal.start_workflow(
            WEBHOOK_WORKFLOW.name,
            WebhookInput(
                gateway=gateway,
                event=event,
                payload=body.decode("utf-8", "replace"),
                received_at=utcnow(),
                account_id=account_id,
            ),
            id=webhook_workflow_id(gateway, event.event_id),
            task_queue=services.settings.temporal_task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
            rpc_timeout=START_TIMEOUT,
        )
    except WorkflowAlreadyStartedError:
        WEBHOOKS.labels(gateway, "duplicate").inc()
        return WebhookAccepted(status="duplicate", event_id=event.event_id)
    WEBHOOKS.labels(gateway, "accepted").inc()
    return WebhookAccepted(status="accepted", event_id=event.event_id)


class FailedWebhook(BaseModel):
    id: int
    gateway: str
    event_id: str
    event_type: str
    invoice_id: int | None
    attempts: int
    last_error: str | None
    # Why it was refused, when it was: not_issued (no link PayTrust made matches), or the
    # gateway did not confirm it (unknown_to_gateway, transaction_mismatch, status_mismatch,
    # unknown_refund, gateway_refused). None for events that failed otherwise.
    rejection_reason: str | None = None
    failed_at: str | None


@router.get(
    "/webhooks/failed", response_model=Page[FailedWebhook], responses=responses(401, 422, 429)
)
async def list_failed_webhooks(
    session: SessionDep,
    paging: ListDep,
    caller: MerchantOrAdminDep,
) -> Page[FailedWebhook]:
    """Permanently failed events: a merchant key sees its own, the admin key sees all."""
    found = await (
        AdminWebhookEventRepository(session).failed_page(paging)
        if caller is None
        else WebhookEventRepository(session, caller.tenant_id).failed_page(paging)
    )
    return Page(
        data=[
            FailedWebhook(
                id=row.id,
                gateway=row.gateway,
                event_id=row.event_id,
                event_type=row.event_type,
                invoice_id=row.invoice_id,
                attempts=row.attempts,
                last_error=row.last_error,
                rejection_reason=row.rejection_reason,
                failed_at=iso_utc(row.failed_at) if row.failed_at else None,
            )
            for row in found.rows
        ],
        **envelope(found, paging),
    )


@router.post(
    "/webhooks/failed/{webhook_event_id}/retry",
    status_code=202,
    response_model=WebhookAccepted,
    responses=responses(400, 401, 404, 409, 503),
)
async def retry_failed_webhook(
    webhook_event_id: IdPath,
    session: SessionDep,
    services: ServicesDep,
    _: AdminDep,
) -> WebhookAccepted:
    """Replay a permanently failed event (admin). Its workflow runs again under the same id."""
    row = await WebhookIntakeRepository(session).get(webhook_event_id, for_update=True)
    if row is None:
        raise NotFound(f"Webhook event {webhook_event_id} not found")
    if row.status != "permanently_failed":
        raise Conflict(f"Webhook event {webhook_event_id} is {row.status}, not failed")
    if row.event_type in UNREPLAYABLE:
        raise BusinessRuleError(
            f"Webhook event {webhook_event_id} was {row.event_type} and cannot be replayed",
            code="not_replayable",
        )
    event = services.gateways[row.gateway].parse_webhook(row.payload.encode())
    if row.gateway_account_id is not None:
        event = event.model_copy(update={"event_id": row.event_id})
    temporal = await services.temporal()
    workflow_id = webhook_workflow_id(row.gateway, event.event_id)

    async def replay() -> None:
        await temporal.start_workflow(
            WEBHOOK_WORKFLOW.name,
            WebhookInput(
                gateway=row.gateway,
                event=event,
                payload=row.payload,
                received_at=utcnow(),
                account_id=row.gateway_account_id,
            ),
            id=workflow_id,
            task_queue=services.settings.temporal_task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            # The row is permanently failed (locked above): run again even if the delivery
            # itself completed and only applying it failed (fail_unapplied_event). Applying
            # is idempotent by gateway transaction and refund ids.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            rpc_timeout=START_TIMEOUT,
        )

    try:
        await replay()
    except WorkflowAlreadyStartedError:
        # The failed run records "permanently failed" just before it closes: give it a
        # moment to close, then replay; a run still going after that is a real conflict.
        try:
            await asyncio.wait_for(temporal.get_workflow_handle(workflow_id).result(), 5)
        except TimeoutError:
            raise Conflict("This event is already being processed") from None
        except Exception:  # noqa: S110 - it failed, as expected: now it may run again
            pass
        try:
            await replay()
        except WorkflowAlreadyStartedError:
            raise Conflict("This event is already being processed") from None
    row.status = "received"
    row.rejection_reason = None
    WEBHOOKS.labels(row.gateway, "replayed").inc()
    return WebhookAccepted(status="accepted", event_id=event.event_id)
