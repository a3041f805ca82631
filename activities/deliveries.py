"""Outbound webhook delivery activities (WebhookDeliveryWorkflow, workflows/delivery.py).

`deliver_pending` is one round for an (endpoint, invoice) pair: it takes the pair's lowest
pending sequence, POSTs it once (Standard Webhooks headers, 15 s, redirects not followed, the
SSRF guard again), records the attempt, the delivery's new state and the endpoint's failure
streak in one transaction, and only then takes the next, until nothing is pending, a delivery
failed and must wait for its retry, or the round's budget is spent. A burst of events costs
one activity, not two per event. (`next_delivery` + `attempt_delivery`, one step each, serve
workflows started before the `delivery-rounds` patch.)

HTTP failures are outcomes, not activity failures: the workflow sleeps the returned delay on a
durable timer. MySQL outages raise, so Temporal retries the activity (a POST may then repeat:
delivery is at least once, receivers de-duplicate on webhook-id).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio import activity

from config import Settings
from contracts.deliveries import (
    AttemptInput,
    AttemptResult,
    DeliveryPair,
    DeliveryRound,
    NextDelivery,
    SweepResult,
)
from db import events as event_log
from db.deliveries import DeliveryRepository
from db.engine import SessionFactory, transaction
from db.models import Event, WebhookDeliveryAttempt, WebhookEndpoint
from domain.events import DELIVERY_TIMEOUT_SECONDS, DISABLE_AFTER, retry_delay
from domain.timeutil import ensure_utc, to_naive_utc, utcnow
from notify.dispatch import dispatch_quietly, hand_over
from notify.resources import endpoint_resource
from notify.secrets import delivery_headers, secret_box
from notify.urlguard import Resolver, UnsafeUrl, post_checked, system_resolver
from observability.metrics import (
    WEBHOOK_DELIVERIES,
    WEBHOOK_DELIVERY_LATENCY,
    WEBHOOK_ENDPOINT_ATTEMPTS,
    WEBHOOK_QUEUED,
)

logger = logging.getLogger("paytrust.deliveries")

RESPONSE_KEPT = 1024
QUEUE_GAUGE_INTERVAL = 1.0
SWEEP_UNOWNED_AFTER = timedelta(seconds=30)
SWEEP_OVERDUE_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 500
# A round POSTs for at most this long before handing back to its workflow (which may then
# continue as new); with one 15 s POST and MySQL it stays well inside ROUND_TIMEOUT.
ROUND_BUDGET_SECONDS = 10.0


class DeliveryActivities:
    def __init__(
        self,
        sessions: SessionFactory,
        settings: Settings,
        task_queue: str,
        http: httpx.AsyncClient | None = None,
        resolver: Resolver = system_resolver,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._task_queue = task_queue
        self._box = secret_box(settings)
        self._http = http or httpx.AsyncClient(
            timeout=DELIVERY_TIMEOUT_SECONDS, follow_redirects=False
        )
        self._gauge_at: dict[int, float] = {}
        self._resolver = resolver

    @property
    def scale(self) -> float:
        return self._settings.webhook_delivery_scale

    @activity.defn
    async def deliver_pending(self, pair: DeliveryPair) -> DeliveryRound:
        """The pair's pending deliveries in sequence order, each recorded before the next."""
        started = time.monotonic()
        finished = 0
        while True:
            async with transaction(self._sessions) as session:
                deliveries = DeliveryRepository(session)
                endpoint = await deliveries.endpoint_any_tenant(pair.endpoint_id)
                if endpoint is None or endpoint.disabled:
                    return DeliveryRound(outcome="stopped", delivered=finished)
                row = await event_log.claim_next_any_tenant(
                    session, pair.endpoint_id, pair.invoice_key
                )
                if row is None:
                    return DeliveryRound(outcome="idle", delivered=finished)
                event = await deliveries.event_of(row)
            if event is None:  # the delivery's event row is gone (never deleted while pending)
                return DeliveryRound(outcome="stopped", delivered=finished)
            status_code, error, body, duration_ms = await self._post(endpoint, event)
            result = await self._record(
                row.id, status_code, error, body, duration_ms, event.created_at
            )
            if result.outcome == "stopped":
                return DeliveryRound(outcome="stopped", delivered=finished)
            if result.outcome == "retrying":
                return DeliveryRound(
                    outcome="retrying",
                    delivered=finished,
                    retry_in_seconds=result.retry_in_seconds,
                )
            finished += 1
            if time.monotonic() - started >= ROUND_BUDGET_SECONDS:
                return DeliveryRound(outcome="more", delivered=finished)

    @activity.defn
    async def next_delivery(self, pair: DeliveryPair) -> NextDelivery | None:
        async with transaction(self._sessions) as session:
            endpoint = await DeliveryRepository(session).endpoint_any_tenant(pair.endpoint_id)
            if endpoint is None or endpoint.disabled:
                return None
            row = await event_log.claim_next_any_tenant(session, pair.endpoint_id, pair.invoice_key)
            if row is None:
                return None
            return NextDelivery(delivery_id=row.id, attempt_count=row.attempt_count)

    @activity.defn
    async def attempt_delivery(self, inp: AttemptInput) -> AttemptResult:
        async with self._sessions() as session:
            found = await DeliveryRepository(session).attempt_context_any_tenant(inp.delivery_id)
        if found is None:
            return AttemptResult(outcome="stopped")
        delivery, endpoint, event = found
        if delivery.status != "pending":
            return AttemptResult(outcome="done")
        if endpoint.disabled:
            return AttemptResult(outcome="stopped")
        status_code, error, body, duration_ms = await self._post(endpoint, event)
        return await self._record(
            inp.delivery_id, status_code, error, body, duration_ms, event.created_at
        )

    async def _post(
        self, endpoint: WebhookEndpoint, event: Event
    ) -> tuple[int | None, str | None, str | None, int]:
        started = time.perf_counter()
        payload = event_log.event_body(event)
        now = utcnow()
        live = [self._box.open(endpoint.secret_encrypted)]
        if (
            endpoint.previous_secret_encrypted
            and endpoint.previous_secret_expires_at is not None
            and ensure_utc(endpoint.previous_secret_expires_at) > now
        ):
            live.append(self._box.open(endpoint.previous_secret_encrypted))
        headers = delivery_headers(live, event.public_id, payload, now)
        try:
            # Resolved and checked now; the POST goes to that very address (DNS rebinding).
            response = await post_checked(
                self._http,
                endpoint.url,
                content=payload,
                headers=headers,
                allow_private=self._settings.webhook_allow_private_urls,
                resolver=self._resolver,
            )
        except UnsafeUrl as exc:
            return None, f"blocked: {exc}", None, 0
        except httpx.TimeoutException:
            return None, "timeout after 15 s", None, _ms(started)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500], None, _ms(started)
        text = response.content[:RESPONSE_KEPT].decode("utf-8", "replace")
        error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
        return response.status_code, error, text, _ms(started)

    async def _record(
        self,
        delivery_id: int,
        status_code: int | None,
        error: str | None,
        body: str | None,
        duration_ms: int,
        event_created_at: datetime,
    ) -> AttemptResult:
        now = utcnow()
        naive_now = to_naive_utc(now)
        async with transaction(self._sessions) as session:
            deliveries = DeliveryRepository(session)
            locked = await deliveries.lock_for_record_any_tenant(delivery_id)
            if locked is None:
                return AttemptResult(outcome="stopped")
            delivery, endpoint = locked
            deliveries.add_attempt(
                delivery,
                WebhookDeliveryAttempt(
                    attempted_at=naive_now,
                    status_code=status_code,
                    duration_ms=duration_ms,
                    error=error,
                    response_body=body,
                ),
            )
            delivery.attempt_count += 1
            delivery.last_attempt_at = naive_now
            if error is None:
                delivery.status = "succeeded"
                delivery.delivered_at = naive_now
                delivery.next_attempt_at = None
                endpoint.failing_since = None
                outcome = AttemptResult(outcome="succeeded")
                WEBHOOK_DELIVERY_LATENCY.observe(
                    max(0.0, (now - ensure_utc(event_created_at)).total_seconds())
                )
            else:
                delay = retry_delay(delivery.attempt_count, self.scale)
                if delay is None:
                    delivery.status = "failed"
                    delivery.next_attempt_at = None
                    outcome = AttemptResult(outcome="failed")
                else:
                    delivery.next_attempt_at = to_naive_utc(now + delay)
                    outcome = AttemptResult(
                        outcome="retrying", retry_in_seconds=delay.total_seconds()
                    )
                if endpoint.failing_since is None:
                    endpoint.failing_since = naive_now
                elif now - ensure_utc(endpoint.failing_since) >= DISABLE_AFTER * self.scale:
                    await self._disable(session, endpoint, naive_now)
            WEBHOOK_DELIVERIES.labels(outcome.outcome).inc()
            ok = WEBHOOK_ENDPOINT_ATTEMPTS.labels(str(endpoint.id), "ok")
            if error is None:
                ok.inc()
            else:
                WEBHOOK_ENDPOINT_ATTEMPTS.labels(str(endpoint.id), "error").inc()
            tenant_id, endpoint_id = endpoint.tenant_id, endpoint.id
            disabled_event = endpoint.disabled
        await self._update_queue_gauge(tenant_id, endpoint_id)
        if disabled_event:
            await self._dispatch(tenant_id, None)
        if error is not None:
            logger.info(
                "webhook delivery %s failed: %s",
                delivery_id,
                error,
                extra={"endpoint_id": endpoint_id, "tenant_id": tenant_id},
            )
        return outcome

    async def _disable(
        self, session: AsyncSession, endpoint: WebhookEndpoint, now: datetime
    ) -> None:
        """5 days of failures: the endpoint stops receiving (its rows stay pending, resumed
        when the merchant re-enables it) and the tenant's other endpoints hear about it."""
        endpoint.disabled = True
        endpoint.disabled_reason = "deliveries failed for 5 days"
        endpoint.updated_at = now
        event_log.forget_endpoints(session)
        await event_log.record_event(
            session,
            None,
            "webhook_endpoint.disabled",
            endpoint_resource(endpoint),
            tenant_id=endpoint.tenant_id,
        )
        logger.warning(
            "webhook endpoint %s disabled after 5 days of failures",
            endpoint.id,
            extra={"tenant_id": endpoint.tenant_id},
        )

    async def _update_queue_gauge(self, tenant_id: str, endpoint_id: int) -> None:
        last = self._gauge_at.get(endpoint_id, 0.0)
        if time.monotonic() - last < QUEUE_GAUGE_INTERVAL:
            return
        self._gauge_at[endpoint_id] = time.monotonic()
        async with self._sessions() as session:
            queued = await event_log.EventRepository(session, tenant_id).count_pending(endpoint_id)
        WEBHOOK_QUEUED.labels(str(endpoint_id)).set(queued)

    # --- handing over -------------------------------------------------------------------

    async def _dispatch(self, tenant_id: str, invoice_id: int | None) -> None:
        await dispatch_quietly(
            self._sessions, activity.client(), self._task_queue, tenant_id, invoice_id
        )

    @activity.defn
    async def sweep_outbox(self) -> SweepResult:
        """Every minute (schedule `paytrust-webhook-sweeper`): rows nobody owns 30 s after
        their commit, and owned rows whose next attempt is 10 min overdue (their workflow is
        gone), are handed over. One indexed query when all is well."""
        now = utcnow()
        async with self._sessions() as session:
            pairs = await event_log.stranded_pairs_any_tenant(
                session,
                unowned_before=now - SWEEP_UNOWNED_AFTER,
                overdue_before=now - SWEEP_OVERDUE_AFTER,
                limit=SWEEP_BATCH,
            )
        if pairs:
            logger.warning("handing over %d stranded delivery queues", len(pairs))
        return SweepResult(handed_over=await hand_over(activity.client(), self._task_queue, pairs))

    async def close(self) -> None:
        await self._http.aclose()


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
