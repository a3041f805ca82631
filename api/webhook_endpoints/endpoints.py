"""/webhook-endpoints (API.md "Events and merchant webhooks"): a tenant's receivers, their
secrets (shown only at creation and rotation, stored encrypted), their deliveries with
attempts, manual retry and a test ping. Changes that hand deliveries to Temporal commit first,
then hand over (notify/dispatch.py), so a delivery workflow never sees an uncommitted row."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import PrincipalDep, ServicesDep, SessionDep
from api.errors import BusinessRuleError, NotFound, ServiceUnavailable, responses
from api.pagination import decode_id_cursor, encode_id_cursor, reject_unknown_query
from api.webhook_endpoints.schemas import (
    AttemptOut,
    DeliveryAccepted,
    DeliveryList,
    DeliveryOut,
    EndpointCreate,
    EndpointList,
    EndpointOut,
    EndpointPatch,
    EndpointWithSecret,
    RotateSecret,
)
from db import events as event_log
from db.engine import transaction
from db.models import Event, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint
from db.webhook_endpoints import WebhookEndpointRepository
from domain.events import MAX_ENDPOINTS_PER_TENANT, PING, validate_filters
from domain.timeutil import to_naive_utc, utcnow
from notify.dispatch import hand_over
from notify.resources import endpoint_fields, endpoint_resource
from notify.secrets import new_secret, secret_box
from notify.urlguard import UnsafeUrl, check_url

router = APIRouter(
    prefix="/webhook-endpoints",
    tags=["webhook endpoints"],
    dependencies=[Depends(reject_unknown_query)],
)
logger = logging.getLogger("paytrust.webhook_endpoints")


def endpoint_out(row: WebhookEndpoint) -> EndpointOut:
    return EndpointOut(**endpoint_fields(row))


async def _checked_url(url: str, services: ServicesDep) -> str:
    try:
        await check_url(url, allow_private=services.settings.webhook_allow_private_urls)
    except UnsafeUrl as exc:
        raise BusinessRuleError(str(exc), code="unsafe_webhook_url") from None
    return url


async def _endpoint(
    session: AsyncSession, tenant_id: str, endpoint_id: int, *, for_update: bool = False
) -> WebhookEndpoint:
    row = await WebhookEndpointRepository(session, tenant_id).get(
        endpoint_id, for_update=for_update
    )
    if row is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} not found")
    return row


async def _enabled_endpoint(
    session: AsyncSession, tenant_id: str, endpoint_id: int
) -> WebhookEndpoint:
    endpoint = await _endpoint(session, tenant_id, endpoint_id)
    if endpoint.disabled:
        raise BusinessRuleError(
            "Webhook endpoint is disabled; enable it first", code="webhook_endpoint_disabled"
        )
    return endpoint


async def _hand_over(services: ServicesDep, pairs: list[tuple[int, int]], *, now: bool) -> None:
    """After the commit. If Temporal is down the rows stay in the outbox and the sweeper hands
    them over once it is back; the caller is told to expect that."""
    if not pairs:
        return
    try:
        await hand_over(
            await services.temporal(), services.settings.temporal_task_queue, pairs, retry_now=now
        )
    except Exception as exc:
        logger.warning("delivery hand-over deferred to the sweeper: %s", type(exc).__name__)
        raise ServiceUnavailable(
            "Saved; Temporal is unavailable, the delivery starts once it is back"
        ) from exc


@router.post(
    "",
    status_code=201,
    response_model=EndpointWithSecret,
    responses=responses(400, 401, 409, 422, 429),
)
async def create_endpoint(
    body: EndpointCreate, session: SessionDep, services: ServicesDep, principal: PrincipalDep
) -> EndpointWithSecret:
    """Register a receiver. The `secret` (`whsec_...`) is shown only in this answer."""
    filters = validate_filters(body.events)
    url = await _checked_url(body.url, services)
    endpoints = WebhookEndpointRepository(session, principal.tenant_id)
    # Count and insert under the tenant's lock: concurrent registrations cannot pass 16.
    await endpoints.lock_tenant()
    if await endpoints.count() >= MAX_ENDPOINTS_PER_TENANT:
        raise BusinessRuleError(
            f"At most {MAX_ENDPOINTS_PER_TENANT} webhook endpoints per tenant",
            code="too_many_webhook_endpoints",
        )
    secret = new_secret()
    now = to_naive_utc(utcnow())
    row = WebhookEndpoint(
        tenant_id=principal.tenant_id,
        url=url,
        description=body.description,
        events=filters,
        secret_encrypted=secret_box(services.settings).seal(secret),
        disabled=False,
        created_at=now,
        updated_at=now,
    )
    await endpoints.add(row)
    logger.info("webhook endpoint created", extra={"endpoint_id": row.id})
    return EndpointWithSecret(**endpoint_out(row).model_dump(), secret=secret)


@router.get("", response_model=EndpointList, responses=responses(401, 429))
async def list_endpoints(session: SessionDep, principal: PrincipalDep) -> EndpointList:
    rows = await WebhookEndpointRepository(session, principal.tenant_id).all()
    return EndpointList(data=[endpoint_out(row) for row in rows])


@router.get("/{endpoint_id}", response_model=EndpointOut, responses=responses(401, 404, 429))
async def get_endpoint(
    endpoint_id: int, session: SessionDep, principal: PrincipalDep
) -> EndpointOut:
    return endpoint_out(await _endpoint(session, principal.tenant_id, endpoint_id))


@router.patch(
    "/{endpoint_id}", response_model=EndpointOut, responses=responses(400, 401, 404, 422, 429, 503)
)
async def update_endpoint(
    endpoint_id: int, body: EndpointPatch, services: ServicesDep, principal: PrincipalDep
) -> EndpointOut:
    """Change url, events, description or `disabled`. Re-enabling resumes its pending
    deliveries (and clears the failure streak)."""
    fields = body.model_fields_set
    filters = validate_filters(body.events) if body.events is not None else None
    url = await _checked_url(body.url, services) if body.url is not None else None
    resume: list[tuple[int, int]] = []
    async with transaction(services.sessions) as session:
        row = await _endpoint(session, principal.tenant_id, endpoint_id, for_update=True)
        if url is not None:
            row.url = url
        if filters is not None:
            row.events = filters
        if "description" in fields:
            row.description = body.description
        if body.disabled is not None and body.disabled != row.disabled:
            row.disabled = body.disabled
            row.disabled_reason = "disabled by the merchant" if body.disabled else None
            if not body.disabled:
                row.failing_since = None
                keys = await WebhookEndpointRepository(session, principal.tenant_id).reopen_pending(
                    row.id
                )
                resume = [(row.id, key) for key in keys]
        row.updated_at = to_naive_utc(utcnow())
        out = endpoint_out(row)
    await _hand_over(services, resume, now=False)
    return out


@router.delete("/{endpoint_id}", status_code=204, responses=responses(401, 404, 429))
async def delete_endpoint(
    endpoint_id: int, session: SessionDep, principal: PrincipalDep
) -> Response:
    """Deletes the endpoint, its deliveries and their attempts; its delivery workflows end at
    their next step."""
    row = await _endpoint(session, principal.tenant_id, endpoint_id, for_update=True)
    await WebhookEndpointRepository(session, principal.tenant_id).delete(row)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=EndpointWithSecret,
    responses=responses(401, 404, 409, 422, 429),
)
async def rotate_secret(
    endpoint_id: int,
    body: RotateSecret,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> EndpointWithSecret:
    """A new secret (shown only here). Until `expire_previous_in_seconds` from now every
    delivery carries both signatures, so receivers can switch without losing any."""
    row = await _endpoint(session, principal.tenant_id, endpoint_id, for_update=True)
    box = secret_box(services.settings)
    secret = new_secret()
    now = utcnow()
    if body.expire_previous_in_seconds > 0:
        row.previous_secret_encrypted = row.secret_encrypted
        row.previous_secret_expires_at = to_naive_utc(
            now + timedelta(seconds=body.expire_previous_in_seconds)
        )
    else:
        row.previous_secret_encrypted = None
        row.previous_secret_expires_at = None
    row.secret_encrypted = box.seal(secret)
    row.updated_at = to_naive_utc(now)
    logger.info("webhook endpoint secret rotated", extra={"endpoint_id": row.id})
    return EndpointWithSecret(**endpoint_out(row).model_dump(), secret=secret)


@router.get(
    "/{endpoint_id}/deliveries",
    response_model=DeliveryList,
    responses=responses(401, 404, 422, 429),
)
async def list_deliveries(
    endpoint_id: int,
    session: SessionDep,
    principal: PrincipalDep,
    status: Literal["pending", "succeeded", "failed"] | None = None,
    event_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    starting_after: Annotated[str | None, Query(max_length=100)] = None,
) -> DeliveryList:
    """The endpoint's deliveries, newest first, each with its attempts."""
    endpoint = await _endpoint(session, principal.tenant_id, endpoint_id)
    repo = WebhookEndpointRepository(session, principal.tenant_id)
    rows = await repo.deliveries(
        endpoint.id,
        status=status,
        event_id=event_id,
        before_id=decode_id_cursor(starting_after) if starting_after else None,
        limit=limit + 1,
    )
    page = rows[:limit]
    attempts = await repo.attempts([d.id for d, _ in page])
    has_more = len(rows) > limit
    return DeliveryList(
        data=[delivery_out(d, e, attempts.get(d.id, [])) for d, e in page],
        has_more=has_more,
        next_cursor=encode_id_cursor(page[-1][0].id) if has_more and page else None,
    )


def delivery_out(
    row: WebhookDelivery, event: Event, attempts: list[WebhookDeliveryAttempt]
) -> DeliveryOut:
    return DeliveryOut(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event_id=event.public_id,
        event_type=event.type,
        invoice_id=event.invoice_id,
        sequence=event.sequence,
        status=row.status,
        attempt_count=row.attempt_count,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
        created_at=row.created_at,
        attempts=[
            AttemptOut(
                attempted_at=a.attempted_at,
                status_code=a.status_code,
                duration_ms=a.duration_ms,
                error=a.error,
                response_body=a.response_body,
            )
            for a in attempts
        ],
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/retry",
    status_code=202,
    response_model=DeliveryAccepted,
    responses=responses(400, 401, 404, 429, 503),
)
async def retry_delivery(
    endpoint_id: int, delivery_id: int, services: ServicesDep, principal: PrincipalDep
) -> DeliveryAccepted:
    """Deliver it again now (whatever its status), with a fresh retry schedule."""
    async with transaction(services.sessions) as session:
        endpoint = await _enabled_endpoint(session, principal.tenant_id, endpoint_id)
        found = await WebhookEndpointRepository(session, principal.tenant_id).lock_delivery(
            endpoint.id, delivery_id
        )
        if found is None:
            raise NotFound(f"Delivery {delivery_id} not found")
        delivery, event = found
        delivery.status = "pending"
        delivery.attempt_count = 0
        delivery.dispatched_at = None
        delivery.next_attempt_at = to_naive_utc(utcnow())
        pair = (delivery.endpoint_id, delivery.invoice_key)
        accepted = DeliveryAccepted(
            delivery_id=delivery.id, event_id=event.public_id, status="pending"
        )
    await _hand_over(services, [pair], now=True)
    return accepted


@router.post(
    "/{endpoint_id}/test",
    status_code=202,
    response_model=DeliveryAccepted,
    responses=responses(400, 401, 404, 429, 503),
)
async def send_test(
    endpoint_id: int, services: ServicesDep, principal: PrincipalDep
) -> DeliveryAccepted:
    """Send a `ping` event to this endpoint (signed like every delivery)."""
    async with transaction(services.sessions) as session:
        endpoint = await _enabled_endpoint(session, principal.tenant_id, endpoint_id)
        event = await event_log.record_event(
            session,
            None,
            PING,
            endpoint_resource(endpoint),
            tenant_id=principal.tenant_id,
        )
        delivery = event_log.new_delivery(endpoint, event, event.created_at)
        session.add(delivery)
        await session.flush()
        accepted = DeliveryAccepted(
            delivery_id=delivery.id, event_id=event.public_id, status="pending"
        )
        pair = (endpoint.id, 0)
    await _hand_over(services, [pair], now=False)
    return accepted
