"""All SQL of gateway webhook events (`webhook_events`) and their attempts
(`webhook_retry_log`).

A gateway's webhook names no tenant: the event row is written first (keyed by gateway and the
gateway's event id) and its tenant set once the event is resolved to an invoice. So intake is
`WebhookIntakeRepository(session)`, cross-tenant by nature and named so; what a merchant reads
is `WebhookEventRepository(session, tenant_id)`; the admin's list of every tenant's failed
events is `AdminWebhookEventRepository(session)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.mysql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GatewayConfig, GatewayPayment, WebhookEvent, WebhookRetryLog
from db.pagination import ListParams, PageRows, fetch_page

_FAILED_ORDER = (WebhookEvent.failed_at, WebhookEvent.id)


class WebhookEventRepository:
    """A tenant's webhook events."""

    __slots__ = ("_session", "tenant_id")

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self.tenant_id = tenant_id

    async def failed_page(self, params: ListParams) -> PageRows:
        """The tenant's permanently failed events, newest failure first."""
        conditions = [
            WebhookEvent.status == "permanently_failed",
            WebhookEvent.tenant_id == self.tenant_id,
        ]
        return await fetch_page(self._session, WebhookEvent, conditions, _FAILED_ORDER, params)


class AdminWebhookEventRepository:
    """Every tenant's webhook events (the admin key)."""

    __slots__ = ("_session",)

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def failed_page(self, params: ListParams) -> PageRows:
        """Every tenant's permanently failed events, newest failure first."""
        conditions = [WebhookEvent.status == "permanently_failed"]
        return await fetch_page(self._session, WebhookEvent, conditions, _FAILED_ORDER, params)


class WebhookIntakeRepository:
    """Webhook events as gateways send them, before (and while) their tenant is known."""

    __slots__ = ("_session",)

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get_or_create(self, gateway: str, event_id: str, values: Mapping[str, object]) -> int:
        """The id of the event row of (`gateway`, `event_id`), inserted with `values` if it is
        not there yet (concurrent deliveries make one row). The duplicate is absorbed by a no-op
        `ON DUPLICATE KEY UPDATE`, not `INSERT IGNORE`: IGNORE would also turn a bad value into a
        warning instead of an error, and every warning costs the driver a `SHOW WARNINGS` round
        trip and a log line (each payment's activity meets the row the api wrote)."""
        await self._session.execute(
            insert(WebhookEvent)
            .values(gateway=gateway, event_id=event_id, **values)
            .on_duplicate_key_update(id=WebhookEvent.id)
        )
        row_id = (
            await self._session.execute(
                select(WebhookEvent.id).where(
                    WebhookEvent.gateway == gateway, WebhookEvent.event_id == event_id
                )
            )
        ).scalar_one()
        return int(row_id)

    async def get(self, event_row_id: int, *, for_update: bool = False) -> WebhookEvent | None:
        # None (not False) keeps the identity-map lookup for a plain read.
        lock = True if for_update else None
        return await self._session.get(WebhookEvent, event_row_id, with_for_update=lock)

    async def add_first_failure(
        self, event_row_id: int, attempted_at: datetime, error: str
    ) -> None:
        """Attempt 1 of an event refused on arrival (kept once: the duplicate is a no-op)."""
        await self._session.execute(
            insert(WebhookRetryLog)
            .values(
                webhook_event_id=event_row_id,
                attempt_number=1,
                attempted_at=attempted_at,
                status="failed",
                error_message=error,
            )
            .on_duplicate_key_update(id=WebhookRetryLog.id)
        )

    async def record_attempt(
        self,
        event_row_id: int,
        *,
        run_id: str | None,
        attempt_number: int,
        attempted_at: datetime,
        status: str,
        error: str | None,
    ) -> int:
        """Upsert one attempt (by event, run and number) and return how many attempts the
        event has had, over every run."""
        await self._session.execute(
            insert(WebhookRetryLog)
            .values(
                webhook_event_id=event_row_id,
                run_id=run_id,
                attempt_number=attempt_number,
                attempted_at=attempted_at,
                status=status,
                error_message=error,
            )
            .on_duplicate_key_update(status=status, error_message=error)
        )
        count = (
            await self._session.execute(
                select(func.count())
                .select_from(WebhookRetryLog)
                .where(WebhookRetryLog.webhook_event_id == event_row_id)
            )
        ).scalar_one()
        return int(count)

    async def issued_link(
        self, gateway: str, account_id: str | None, reference: str
    ) -> GatewayPayment | None:
        """The payment link PayTrust created at `gateway` under this account (None: the
        platform account) with this reference."""
        account_filter = (
            GatewayPayment.gateway_account_id.is_(None)
            if account_id is None
            else GatewayPayment.gateway_account_id == account_id
        )
        stmt = (
            select(GatewayPayment)
            .join(GatewayConfig, GatewayConfig.id == GatewayPayment.gateway_id)
            .where(
                GatewayConfig.name == gateway,
                GatewayPayment.reference == reference,
                account_filter,
            )
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()
