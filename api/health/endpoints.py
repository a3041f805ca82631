"""Liveness, readiness and metrics: public, unauthenticated."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from api.deps import Services, ServicesDep
from db.health import current_revision, ping

router = APIRouter(tags=["operations"])
logger = logging.getLogger("paytrust.health")

CHECK_TIMEOUT = 3.0
HEALTH_CACHE_SECONDS = 1.0


class Health(BaseModel):
    status: str
    checks: dict[str, str]


async def _check_database(services: Services) -> str:
    await ping(services.engine)
    return "ok"


async def _check_temporal(services: Services) -> str:
    client = await services.temporal()
    await client.service_client.check_health(timeout=timedelta(seconds=2))
    return "ok"


async def _check_migrations(services: Services) -> str:
    from db.migrations import head_revision

    current = await current_revision(services.engine)
    return "ok" if current == head_revision() else f"at {current}, head is {head_revision()}"


async def _run(checks: dict[str, object]) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = await asyncio.wait_for(check, CHECK_TIMEOUT)  # type: ignore[arg-type]
        except Exception as exc:
            results[name] = f"unavailable: {type(exc).__name__}"
    return results


class CachedHealth:
    """The liveness checks, run at most once per `ttl` seconds however many callers ask: a
    poller (or a flood) costs a dictionary read, not a MySQL and a Temporal round trip each.
    Concurrent callers wait for the one check in flight."""

    def __init__(self, services: Services, ttl: float = HEALTH_CACHE_SECONDS) -> None:
        self._services = services
        self._ttl = ttl
        self._checked_at = -1e9
        self._answer: tuple[int, bytes] | None = None
        self._lock = asyncio.Lock()

    async def response(self) -> Response:
        if self._answer is None or time.monotonic() - self._checked_at >= self._ttl:
            await self._refresh()
        assert self._answer is not None
        status, body = self._answer
        return Response(body, status_code=status, media_type="application/json")

    async def _refresh(self) -> None:
        async with self._lock:
            if self._answer is None or time.monotonic() - self._checked_at >= self._ttl:
                checks = await _run(
                    {
                        "database": _check_database(self._services),
                        "temporal": _check_temporal(self._services),
                    }
                )
                ok = all(v == "ok" for v in checks.values())
                body = {"status": "ok" if ok else "unavailable", "checks": checks}
                self._answer = (200 if ok else 503, bytes(JSONResponse(body).body))
                self._checked_at = time.monotonic()


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(request: Request) -> Response:
    """200 when MySQL and Temporal answer; 503 naming the failing check otherwise. The checks
    are cached for a second (`/ready` is the deep, uncached one)."""
    cached: CachedHealth | None = getattr(request.app.state, "health", None)
    if cached is None:
        cached = request.app.state.health = CachedHealth(request.app.state.services)
    return await cached.response()


@router.get("/ready", response_model=Health, responses={503: {"model": Health}})
async def ready(services: ServicesDep) -> JSONResponse:
    """200 only when MySQL and Temporal answer and the schema is at the Alembic head."""
    checks = await _run(
        {
            "database": _check_database(services),
            "temporal": _check_temporal(services),
            "migrations": _check_migrations(services),
        }
    )
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", "checks": checks},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", response_class=Response, include_in_schema=True)
async def metrics() -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
