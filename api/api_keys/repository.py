"""All SQL of API keys and their audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, ApiKeyAuditLog


async def get_for_update(session: AsyncSession, api_key_id: int) -> ApiKey | None:
    stmt = select(ApiKey).where(ApiKey.id == api_key_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def add_audit(
    session: AsyncSession,
    *,
    api_key: ApiKey,
    operation: str,
    actor: str,
    ip_address: str | None,
    old_key_hash: str | None = None,
) -> None:
    session.add(
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
