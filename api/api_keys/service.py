"""API key lifecycle (FR-083): create, rotate with a grace period, revoke; every step audited."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import generate_key, grace_deadline
from api.errors import BusinessRuleError, NotFound
from db.api_keys import AdminApiKeyRepository
from db.models import ApiKey
from domain.timeutil import to_naive_utc, utcnow

ADMIN_ACTOR = "admin"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    row: ApiKey
    key: str


async def create_key(
    session: AsyncSession, *, tenant_id: str, name: str, ip_address: str | None
) -> IssuedKey:
    new = await asyncio.to_thread(generate_key)
    row = ApiKey(
        tenant_id=tenant_id,
        name=name,
        key_prefix=new.prefix,
        key_hash=new.hash,
        status="active",
        created_at=to_naive_utc(utcnow()),
    )
    keys = AdminApiKeyRepository(session)
    keys.add(row)
    await session.flush()
    keys.add_audit(api_key=row, operation="created", actor=ADMIN_ACTOR, ip_address=ip_address)
    return IssuedKey(row=row, key=new.key)


async def _active(session: AsyncSession, api_key_id: int) -> ApiKey:
    row = await AdminApiKeyRepository(session).get_for_update(api_key_id)
    if row is None:
        raise NotFound(f"API key {api_key_id} not found")
    if row.status != "active":
        raise BusinessRuleError(f"API key {api_key_id} is revoked", code="api_key_revoked")
    return row


async def rotate_key(
    session: AsyncSession, *, api_key_id: int, grace_period_seconds: int, ip_address: str | None
) -> IssuedKey:
    """A new secret now; the old one keeps working for the grace period, then never again."""
    row = await _active(session, api_key_id)
    new = await asyncio.to_thread(generate_key)
    old_hash = row.key_hash
    deadline: datetime | None = grace_deadline(grace_period_seconds)
    row.previous_key_prefix = row.key_prefix if deadline else None
    row.previous_key_hash = old_hash if deadline else None
    row.previous_expires_at = deadline
    row.key_prefix = new.prefix
    row.key_hash = new.hash
    row.rotated_at = to_naive_utc(utcnow())
    AdminApiKeyRepository(session).add_audit(
        api_key=row,
        operation="rotated",
        actor=ADMIN_ACTOR,
        ip_address=ip_address,
        old_key_hash=old_hash,
    )
    await session.flush()
    return IssuedKey(row=row, key=new.key)


async def revoke_key(session: AsyncSession, *, api_key_id: int, ip_address: str | None) -> ApiKey:
    row = await AdminApiKeyRepository(session).get_for_update(api_key_id)
    if row is None:
        raise NotFound(f"API key {api_key_id} not found")
    if row.status != "revoked":
        row.status = "revoked"
        row.revoked_at = to_naive_utc(utcnow())
        row.previous_key_hash = None
        row.previous_key_prefix = None
        row.previous_expires_at = None
        AdminApiKeyRepository(session).add_audit(
            api_key=row, operation="revoked", actor=ADMIN_ACTOR, ip_address=ip_address
        )
    return row
