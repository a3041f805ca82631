"""Async engine and sessions. One request or activity = one session = one transaction."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionFactory = async_sessionmaker[AsyncSession]

# A pooled connection idle longer than this is pinged before use (a MariaDB restart or a
# network cut is caught there); one in steady use is not, which saves a round trip per request.
PING_AFTER_IDLE_SECONDS = 5.0


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> AsyncEngine:
    """An asyncmy engine at READ COMMITTED: row locks (FOR UPDATE) do the serializing."""
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        isolation_level="READ COMMITTED",
        connect_args={"connect_timeout": 5},
    )
    _ping_idle_connections(engine)
    return engine


def create_read_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    """For reads that are one statement (a consistent snapshot on its own): autocommit, so a
    connection goes back to the pool without a ROLLBACK round trip."""
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
        skip_autocommit_rollback=True,
        connect_args={"connect_timeout": 5},
    )
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """`pool_pre_ping`, but only for connections that sat idle: a dead one is replaced (the
    pool retries the checkout) instead of failing the request that drew it."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping(False)
        except Exception as exc:
            raise DisconnectionError("pooled connection failed its ping") from exc


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the block succeeds and rolls back otherwise."""
    async with factory() as session, session.begin():
        yield session
