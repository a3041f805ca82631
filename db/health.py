"""The readiness probe's database reads: a ping and the migration revision applied."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_PING = text("SELECT 1")
_REVISION = text("SELECT version_num FROM alembic_version")


async def ping(engine: AsyncEngine) -> None:
    """One round trip on a pooled connection; raises if the database is unreachable."""
    async with engine.connect() as conn:
        await conn.execute(_PING)


async def current_revision(engine: AsyncEngine) -> str | None:
    """The Alembic revision the database is at (None before any migration)."""
    async with engine.connect() as conn:
        value = (await conn.execute(_REVISION)).scalar()
    return None if value is None else str(value)
