"""The FastAPI application: `create_app(settings)` wires services, middleware and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api.api_keys.endpoints import router as api_keys_router
from api.auth import ApiKeyAuthenticator, admin_key_matches
from api.deps import Services
from api.errors import install_error_handlers
from api.events.endpoints import router as events_router
from api.gateways.endpoints import router as gateways_router
from api.health.endpoints import router as health_router
from api.invoices.endpoints import router as invoices_router
from api.middleware import (
    BodyLimitMiddleware,
    IdempotencyMiddleware,
    PublicDocsCorsMiddleware,
    RequestContextMiddleware,
    Scope,
    _header,
)
from api.ratelimit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter
from api.reports.endpoints import router as reports_router
from api.webhook_endpoints.endpoints import router as webhook_endpoints_router
from api.webhooks.endpoints import router as webhooks_router
from config import Settings
from db.engine import create_engine, create_session_factory

logger = logging.getLogger("paytrust.api")

DESCRIPTION = """Multi-tenant payment orchestration: invoices with line items, taxes and gateway
fees in IDR, MYR and USD, paid through Xendit or Midtrans, each invoice a durable Temporal
workflow. Merchant endpoints take `X-API-Key`; key management takes `X-Admin-Key`."""


def build_services(settings: Settings) -> Services:
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    sessions = create_session_factory(engine)
    redis = None
    limiter: RateLimiter = InMemoryRateLimiter()
    if settings.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
        limiter = RedisRateLimiter(redis)
    authenticator = ApiKeyAuthenticator(
        sessions, status_ttl_seconds=settings.api_key_status_ttl_seconds, redis=redis
    )
    from gateways import build_gateways

    return Services(
        gateways=build_gateways(settings),
        settings=settings,
        engine=engine,
        sessions=sessions,
        authenticator=authenticator,
        limiter=limiter,
        redis=redis,
    )


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await services.engine.dispose()
        from gateways import close_gateways

        await close_gateways(services.gateways)
        if services.redis is not None:
            await services.redis.aclose()

    app = FastAPI(
        title="PayTrust",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)

    app.include_router(health_router)
    app.include_router(api_keys_router)
    app.include_router(gateways_router)
    app.include_router(invoices_router)
    app.include_router(webhooks_router)
    app.include_router(reports_router)
    app.include_router(events_router)
    app.include_router(webhook_endpoints_router)

    async def idempotency_scope(scope: Scope) -> str | None:
        admin = _header(scope, b"x-admin-key")
        if admin is not None:
            expected = settings.admin_api_key.get_secret_value()
            return "admin" if admin_key_matches(admin, expected) else None
        key = _header(scope, b"x-api-key")
        if not key:
            return None
        principal = await services.authenticator.authenticate(key)
        return f"tenant:{principal.tenant_id}" if principal else None

    # Outermost last: request context wraps everything, so every answer has an X-Request-ID.
    app.add_middleware(
        IdempotencyMiddleware,
        sessions=lambda: services.sessions,
        resolve_scope=idempotency_scope,
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
        lease=timedelta(seconds=settings.idempotency_lease_seconds),
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["*"],
        expose_headers=[
            "X-Request-ID",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "Retry-After",
        ],
    )
    app.add_middleware(PublicDocsCorsMiddleware)
    app.add_middleware(RequestContextMiddleware)
    return app
