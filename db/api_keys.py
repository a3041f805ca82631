"""All SQL of API keys and their audit log.

API keys are managed by the admin across tenants (`/admin/api-keys`), so this is an admin
repository, `AdminApiKeyRepository(session)`, named as such: it takes no tenant. Each audit
row carries the tenant of the key it is about. The lookup of a presented key for
authentication (also inherently cross-tenant) is `api.auth`'s, through
`AdminApiKeyRepository.find_for_authentication`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, ApiKeyAuditLog
from db.pagination import ListParams, PageRows, fetch_page


class AdminApiKeyRepository:
    """API keys of every tenant (admin-wide by design)."""

    __slots__ = ("_session",)

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def add(self, row: ApiKey) -> None:
        self._session.add(row)

    async def page(self, params: ListParams, *, tenant_id: str | None = None) -> PageRows:
        """Keys, optionally of one tenant, oldest first."""
        conditions = [ApiKey.tenant_id == tenant_id] if tenant_id is not None else []
        return await fetch_page(
            self._session, ApiKey, conditions, [ApiKey.id], params, descending=False
        )

    async def audit_page(
        self,
        params: ListParams,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        api_key_id: int | None = None,
    ) -> PageRows:
        """Audit entries (naive UTC bounds, inclusive), newest first."""
        conditions: list[ColumnElement[bool]] = []
        if start is not None:
            conditions.append(ApiKeyAuditLog.created_at >= start)
        if end is not None:
            conditions.append(ApiKeyAuditLog.created_at <= end)
        if api_key_id is not None:
            conditions.append(ApiKeyAuditLog.api_key_id == api_key_id)
        order = [ApiKeyAuditLog.created_at, ApiKeyAuditLog.id]
        return await fetch_page(self._session, ApiKeyAuditLog, conditions, order, params)

    async def get(self, api_key_id: int) -> ApiKey | None:
        """The key by id (the identity map first: no round trip if already loaded)."""
        return await self._session.get(ApiKey, api_key_id)

    async def find_for_authentication(self, prefix: str) -> ApiKey | None:
        """The key whose current or (in its rotation grace) previous secret has `prefix`, of
        whichever tenant: authentication is how the tenant becomes known, so this read is
        cross-tenant by nature. One statement on the unique prefix indexes."""
        stmt = select(ApiKey).where(
            or_(ApiKey.key_prefix == prefix, ApiKey.previous_key_prefix == prefix)
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()

    def add_auth_audit(
        self,
        *,
        api_key_id: int | None,
        tenant_id: str | None,
        operation: str,
        actor: str,
        ip_address: str | None,
        success: bool,
    ) -> None:
        """An audit row of authentication (`used`, `auth_failed`): the key may be unknown."""
        self._session.add(
            ApiKeyAuditLog(
                api_key_id=api_key_id,
                tenant_id=tenant_id,
                operation_type=operation,
                actor_identifier=actor,
                ip_address=ip_address,
                success_status=success,
            )
        )

    async def get_for_update(self, api_key_id: int) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.id == api_key_id).with_for_update()
        return (await self._session.execute(stmt)).scalar_one_or_none()

    def add_audit(
        self,
        *,
        api_key: ApiKey,
        operation: str,
        actor: str,
        ip_address: str | None,
        old_key_hash: str | None = None,
    ) -> None:
        self._session.add(
            ApiKeyAuditLog(
                api_key_id=api_key.id,
                tenant_id=api_key.tenant_id,
                operation_type=operation,
                actor_identifier=actor,
                ip_address=ip_address,
                old_key_hash=old_key_hash,
                success_status=True,
            )
        )
