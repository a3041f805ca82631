"""All SQL of API keys and their audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ApiKey, ApiKeyAuditLog


async def get_for_update(session: AsyncSession, api_key_id: int) -> ApiKey | None:
    stmt = select(ApiKey).where(ApiKey.id == api_key_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_keys(
    session: AsyncSession, tenant_id: str | None, offset: int, limit: int
) -> tuple[list[ApiKey], int]:
    stmt = select(ApiKey)
    count = select(func.count()).select_from(ApiKey)
    if tenant_id is not None:
        stmt = stmt.where(ApiKey.tenant_id == tenant_id)
        count = count.where(ApiKey.tenant_id == tenant_id)
    rows = (
        (await session.execute(stmt.order_by(ApiKey.id).offset(offset).limit(limit)))
        .scalars()
        .all()
    )
    return list(rows), int((await session.execute(count)).scalar_one())


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


async def list_audit(
    session: AsyncSession,
    *,
    start: datetime | None,
    end: datetime | None,
    api_key_id: int | None,
    offset: int,
    limit: int,
) -> tuple[list[ApiKeyAuditLog], int]:
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(ApiKeyAuditLog.created_at >= start)
    if end is not None:
        conditions.append(ApiKeyAuditLog.created_at <= end)
    if api_key_id is not None:
        conditions.append(ApiKeyAuditLog.api_key_id == api_key_id)
    rows = (
        (
            await session.execute(
                select(ApiKeyAuditLog)
                .where(*conditions)
                .order_by(ApiKeyAuditLog.created_at.desc(), ApiKeyAuditLog.id.desc())
                .offset(offset)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    total = (
        await session.execute(select(func.count()).select_from(ApiKeyAuditLog).where(*conditions))
    ).scalar_one()
    return list(rows), int(total)
