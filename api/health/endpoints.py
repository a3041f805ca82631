"""Liveness, readiness and metrics: public, unauthenticated."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from api.deps import Services, ServicesDep

router = APIRouter(tags=["operations"])
logger = logging.getLogger("paytrust.health")

CHECK_TIMEOUT = 3.0


class Health(BaseModel):
    status: str
    checks: dict[str, str]


async def _check_database(services: Services) -> str:
    async with services.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return "ok"


async def _check_temporal(services: Services) -> str:
    client = await services.temporal()
    await client.service_client.check_health(timeout=timedelta(seconds=2))
    return "ok"


async def _check_migrations(services: Services) -> str:
    from db.migrations import head_revision

    async with services.engine.connect() as conn:
        current = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    return "ok" if current == head_revision() else f"at {current}, head is {head_revision()}"


async def _run(checks: dict[str, object]) -> dict[str, str]:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = await asyncio.wait_for(check, CHECK_TIMEOUT)  # type: ignore[arg-type]
        except Exception as exc:
            results[name] = f"unavailable: {type(exc).__name__}"
    return results


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(services: ServicesDep) -> JSONResponse:
    """200 when MySQL and Temporal answer; 503 naming the failing check otherwise."""
    checks = await _run(
        {"database": _check_database(services), "temporal": _check_temporal(services)}
    )
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503
    )


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
