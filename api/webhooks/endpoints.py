"""Gateway webhooks in, and the operator's view of the ones that failed for good."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.auth import Principal
from api.deps import (
    AdminDep,
    ServicesDep,
    SessionDep,
    admin_key_header,
    api_key_header,
    client_ip,
    get_principal,
    require_admin,
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
from api.metrics import WEBHOOKS
from api.pagination import ListDep, Page, paginate
from db.engine import SessionFactory, transaction
from db.models import WebhookEvent, WebhookRetryLog
from domain.timeutil import iso_utc, to_naive_utc, utcnow
from gateways.base import WebhookAuthError, WebhookPayloadError
from workflows.contracts import WebhookInput, webhook_workflow_id

router = APIRouter(tags=["webhooks"])
logger = logging.getLogger("paytrust.webhooks")

GatewayName = Literal["xendit", "midtrans"]
UNREPLAYABLE = ("unverified", "malformed")


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
    await session.execute(
        insert(WebhookEvent)
        .values(
            gateway=gateway,
            event_id=event_id,
            event_type=kind,
            payload=body.decode("utf-8", "replace")[:65535],
            status="permanently_failed",
            attempts=1,
            last_error=error,
            received_at=now,
            failed_at=now,
        )
        .prefix_with("IGNORE")
    )
    row_id = (
        await session.execute(
            select(WebhookEvent.id).where(
                WebhookEvent.gateway == gateway, WebhookEvent.event_id == event_id
            )
        )
    ).scalar_one()
    await session.execute(
        insert(WebhookRetryLog)
        .values(
            webhook_event_id=row_id,
            attempt_number=1,
            attempted_at=now,
            status="failed",
            error_message=error,
        )
        .prefix_with("IGNORE")
    )


@router.post(
    "/webhooks/{gateway}",
    response_model=WebhookAccepted,
    responses=responses(400, 401, 413, 429, 503),
)
async def receive_webhook(
    gateway: GatewayName, request: Request, services: ServicesDep
) -> WebhookAccepted:
    """A gateway notification. Verified (Xendit `x-callback-token`, Midtrans `signature_key`),
    then handed to a durable `WebhookWorkflow` and answered 200 before processing finishes.
    A duplicate delivery of the same event is answered 200 and has no second effect."""
    body = await request.body()
    client = services.gateways[gateway]
    try:
        client.verify_webhook(request.headers, body)
        event = client.parse_webhook(body)
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
            "WebhookWorkflow",
            WebhookInput(
                gateway=gateway,
                event=event,
                payload=body.decode("utf-8", "replace"),
                received_at=utcnow(),
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
    failed_at: str | None


async def merchant_or_admin(
    request: Request,
    response: Response,
    services: ServicesDep,
    api_key: Annotated[str | None, Depends(api_key_header)],
    admin_key: Annotated[str | None, Depends(admin_key_header)],
) -> Principal | None:
    """A merchant (their own events, authenticated and rate-limited like every merchant
    call) or the admin (every event: None)."""
    if admin_key is not None:
        await require_admin(services, admin_key)  # 401 unless it is the admin key
        return None
    return await get_principal(request, response, services, api_key)


@router.get("/webhooks/failed", response_model=Page[FailedWebhook], responses=responses(401, 422))
async def list_failed_webhooks(
    session: SessionDep,
    paging: ListDep,
    caller: Annotated[Principal | None, Depends(merchant_or_admin)],
) -> Page[FailedWebhook]:
    """Permanently failed events: a merchant key sees its own, the admin key sees all."""
    conditions = [WebhookEvent.status == "permanently_failed"]
    if caller is not None:
        conditions.append(WebhookEvent.tenant_id == caller.tenant_id)
    rows, envelope = await paginate(
        session, WebhookEvent, conditions, [WebhookEvent.failed_at, WebhookEvent.id], paging
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
                failed_at=iso_utc(row.failed_at) if row.failed_at else None,
            )
            for row in rows
        ],
        **envelope,
    )


@router.post(
    "/webhooks/failed/{webhook_event_id}/retry",
    status_code=202,
    response_model=WebhookAccepted,
    responses=responses(400, 401, 404, 409, 503),
)
async def retry_failed_webhook(
    webhook_event_id: int,
    session: SessionDep,
    services: ServicesDep,
    _: AdminDep,
) -> WebhookAccepted:
    """Replay a permanently failed event (admin). Its workflow runs again under the same id."""
    row = await session.get(WebhookEvent, webhook_event_id, with_for_update=True)
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
    temporal = await services.temporal()
    workflow_id = webhook_workflow_id(row.gateway, event.event_id)

    async def replay() -> None:
        await temporal.start_workflow(
            "WebhookWorkflow",
            WebhookInput(
                gateway=row.gateway, event=event, payload=row.payload, received_at=utcnow()
            ),
            id=workflow_id,
            task_queue=services.settings.temporal_task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
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
    WEBHOOKS.labels(row.gateway, "replayed").inc()
    return WebhookAccepted(status="accepted", event_id=event.event_id)
