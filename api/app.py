"""The FastAPI application: `create_app(settings)` wires services, middleware and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from api.api_keys.endpoints import router as api_keys_router
from api.auth import ApiKeyAuthenticator, AuthThrottled, admin_key_matches
from api.deps import Services
from api.errors import error_response, install_error_handlers
from api.events.endpoints import router as events_router
from api.gateway_accounts.endpoints import router as gateway_accounts_router
from api.gateways.endpoints import router as gateways_router
from api.health.endpoints import router as health_router
from api.invoices.endpoints import router as invoices_router
from api.middleware import (
    ASGIApp,
    BodyLimitMiddleware,
    EdgeMiddleware,
    IdempotencyMiddleware,
    PublicDocsCorsMiddleware,
    RequestContextMiddleware,
    Scope,
    TrustedProxies,
    _header,
)
from api.openapi import install_openapi
from api.openapi_links import add_invoice_links
from api.ratelimit import InMemoryRateLimiter, RateLimiter, RedisRateLimiter
from api.refunds.endpoints import invoice_router as invoice_refunds_router
from api.refunds.endpoints import router as refunds_router
from api.reports.endpoints import router as reports_router
from api.webhook_endpoints.endpoints import router as webhook_endpoints_router
from api.webhooks.endpoints import router as webhooks_router
from config import Settings
from db.engine import create_engine, create_read_engine, create_session_factory
from notify.secrets import secret_box

logger = logging.getLogger("paytrust.api")

DOCS_STATIC_URL = "/docs/assets"

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
        sessions,
        status_ttl_seconds=settings.api_key_status_ttl_seconds,
        redis=redis,
        failure_limiter=limiter,
        failures_per_minute=settings.auth_failures_per_minute,
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
        # One-statement reads hold a connection for one round trip: more concurrent readers
        # than connections wait their turn at checkout (microseconds) instead of opening
        # overflow connections that the pool closes again on return (a connect and a MariaDB
        # thread per request under load: 3,000 connects in one hot_reads run).
        read_engine=create_read_engine(
            settings.database_url, pool_size=settings.db_pool_size, max_overflow=0
        ),
    )


def create_app(settings: Settings, services: Services | None = None) -> FastAPI:
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await services.engine.dispose()
        if services.read_engine is not None:
            await services.read_engine.dispose()
        from gateways import close_gateways

        await close_gateways(services.gateways)
        if services.accounts is not None:
            await services.accounts.aclose()
        if services.redis is not None:
            await services.redis.aclose()

    # Swagger UI (/docs) and ReDoc (/redoc) from the assets of the installed fastapi-offline
    # package, never a CDN: the docs work without internet.
    app = FastAPIOffline(
        title="PayTrust",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        static_url=DOCS_STATIC_URL,
        # operationId = the endpoint function's name (create_invoice, list_invoices, ...): what
        # the generated client's functions are called.
        generate_unique_id_function=lambda route: route.name,
        # One schema per model, from its fields (datetime → string date-time): the responses'
        # serializer (Timestamped: UTC with a Z) would otherwise hide every field's type.
        separate_input_output_schemas=False,
    )
    install_openapi(app)
    app.state.services = services
    install_error_handlers(app)
    generate_openapi = app.openapi

    def openapi_with_links() -> dict[str, Any]:
        return add_invoice_links(generate_openapi())

    app.openapi = openapi_with_links  # type: ignore[method-assign]

    app.include_router(health_router)
    app.include_router(api_keys_router)
    app.include_router(gateways_router)
    app.include_router(gateway_accounts_router)
    app.include_router(invoices_router)
    app.include_router(invoice_refunds_router)
    app.include_router(refunds_router)
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
        try:
            client = scope.get("client")
            principal = await services.authenticator.authenticate(
                key, ip_address=client[0] if client else None
            )
        except AuthThrottled:
            return None  # the endpoint's authentication answers the 429
        return f"tenant:{principal.tenant_id}" if principal else None

    async def replay_guard(scope: Scope) -> ASGIApp | None:
        """A stored answer is replayed only within the caller's rate limit."""
        key = _header(scope, b"x-api-key")
        if _header(scope, b"x-admin-key") is not None or not key:
            return None
        principal = await services.authenticator.authenticate(key)
        if principal is None:
            return None
        decision = await services.limiter.hit(
            f"key:{principal.api_key_id}", settings.rate_limit_per_minute
        )
        if decision.allowed:
            return None
        return error_response(
            429,
            "rate_limited",
            "Rate limit exceeded: retry after the window resets",
            headers=decision.headers(),
        )

    answers_box = secret_box(settings, b"paytrust-idempotent-answers")
    # Outermost last: request context wraps everything, so every answer has an X-Request-ID.
    app.add_middleware(
        IdempotencyMiddleware,
        replay_guard=replay_guard,
        sessions=lambda: services.sessions,
        resolve_scope=idempotency_scope,
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
        lease=timedelta(seconds=settings.idempotency_lease_seconds),
        seal=answers_box.seal,
        unseal=answers_box.open,
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        body_timeout=settings.request_body_timeout_seconds,
    )
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
    app.add_middleware(
        RequestContextMiddleware, proxies=TrustedProxies(settings.forwarded_allow_ips)
    )
    app.add_middleware(EdgeMiddleware)
    return app
