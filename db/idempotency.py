"""All SQL of the idempotency store (`idempotency_keys`).

`IdempotencyRepository(session, scope)` is one caller's keys: `scope` is the caller's
identity (a tenant's API key or the admin), given once, as the tenant is elsewhere. The
purge of expired keys crosses every caller and is `AdminIdempotencyRepository(session)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import IdempotencyKey


class IdempotencyRepository:
    __slots__ = ("_session", "scope")

    def __init__(self, session: AsyncSession, scope: str) -> None:
        self._session = session
        self.scope = scope

    def _is(self, key: str) -> ColumnElement[bool]:
        return and_(IdempotencyKey.scope == self.scope, IdempotencyKey.idempotency_key == key)

    async def get(self, key: str, *, for_update: bool = False) -> IdempotencyKey | None:
        stmt = select(IdempotencyKey).where(self._is(key))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def require(self, key: str) -> IdempotencyKey:
        """The key's row, which must exist (NoResultFound otherwise)."""
        stmt = select(IdempotencyKey).where(self._is(key))
        return (await self._session.execute(stmt)).scalar_one()

    async def remove(self, row: IdempotencyKey) -> None:
        """Drop a loaded (expired) key now, so the same key can be inserted again."""
        assert row.scope == self.scope
        await self._session.delete(row)
        await self._session.flush()

    async def try_insert(
        self, key: str, *, path: str, request_hash: str, created_at: datetime, expires_at: datetime
    ) -> bool:
        """Insert the key as in progress, in a savepoint; False if another request inserted
        it first (the unique key), the transaction still usable."""
        try:
            async with self._session.begin_nested():
                self._session.add(
                    IdempotencyKey(
                        scope=self.scope,
                        idempotency_key=key,
                        method="POST",
                        path=path,
                        request_hash=request_hash,
                        created_at=created_at,
                        expires_at=expires_at,
                    )
                )
            return True
        except IntegrityError:
            return False

    async def release(self, key: str) -> None:
        """Forget the key (its request did not decide anything: a retry may run it again)."""
        await self._session.execute(delete(IdempotencyKey).where(self._is(key)))


class AdminIdempotencyRepository:
    """Every caller's keys (housekeeping)."""

    __slots__ = ("_session",)

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def delete_expired_batch(self, now: datetime, limit: int) -> int:
        """Delete up to `limit` keys expired before `now`; how many were deleted."""
        ids: Sequence[int] = (
            (
                await self._session.execute(
                    select(IdempotencyKey.id).where(IdempotencyKey.expires_at < now).limit(limit)
                )
            )
            .scalars()
            .all()
        )
        if ids:
            await self._session.execute(delete(IdempotencyKey).where(IdempotencyKey.id.in_(ids)))
        return len(ids)
