"""The api's shared services and the FastAPI dependencies that hand them to endpoints."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from temporalio.client import Client

from api.auth import ApiKeyAuthenticator, Principal, admin_key_matches
from api.context import tenant_var
from api.errors import ServiceUnavailable, Unauthorized
from api.ratelimit import RateLimiter
from config import Settings
from db.engine import SessionFactory
from gateways.base import PaymentGateway

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("paytrust.api")


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    authenticator: ApiKeyAuthenticator
    limiter: RateLimiter
    gateways: dict[str, PaymentGateway] = field(default_factory=dict)
    redis: Redis | None = None
    # Autocommit connections for one-statement reads (no transaction, no ROLLBACK on return);
    # None: reads use `engine`.
    read_engine: AsyncEngine | None = None
    _temporal: Client | None = field(default=None, repr=False)
    _temporal_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def reader(self) -> AsyncEngine:
        return self.read_engine or self.engine

    async def temporal(self) -> Client:
        """The Temporal client, connected on first use; 503 while Temporal is unreachable."""
        if self._temporal is not None:
            return self._temporal
        async with self._temporal_lock:
            if self._temporal is None:
                from workflows.client import connect_temporal

                try:
                    self._temporal = await connect_temporal(self.settings)
                except Exception as exc:
                    logger.warning("temporal unavailable: %s", type(exc).__name__)
                    raise ServiceUnavailable("Temporal is temporarily unavailable") from exc
        return self._temporal


async def get_services(request: Request) -> Services:
    # async: a sync dependency would hop to the thread pool on every request.
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, rolled back on error."""
    async with services.sessions() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="MerchantKey",
    auto_error=False,
    description="Merchant API key (one tenant)",
)
admin_key_header = APIKeyHeader(
    name="X-Admin-Key",
    scheme_name="AdminKey",
    auto_error=False,
    description="The ADMIN_API_KEY setting",
)


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def get_principal(
    request: Request,
    response: Response,
    services: ServicesDep,
    api_key: Annotated[str | None, Depends(api_key_header)],
) -> Principal:
    """The calling tenant, from `X-API-Key`; rate-limited per key (X-RateLimit-* headers)."""
    if not api_key:
        raise Unauthorized("Missing X-API-Key header", code="missing_api_key")
    principal = await services.authenticator.authenticate(api_key, ip_address=client_ip(request))
    if principal is None:
        raise Unauthorized("Invalid API key", code="invalid_api_key")
    tenant_var.set(principal.tenant_id)
    decision = await services.limiter.hit(
        f"key:{principal.api_key_id}", services.settings.rate_limit_per_minute
    )
    if not decision.allowed:
        from api.errors import RateLimited

        raise RateLimited(
            "Rate limit exceeded: retry after the window resets", headers=decision.headers()
        )
    for name, value in decision.headers().items():
        response.headers[name] = value
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_admin(
    services: ServicesDep,
    admin_key: Annotated[str | None, Depends(admin_key_header)],
) -> str:
    """Admin endpoints: `X-Admin-Key` compared in constant time with ADMIN_API_KEY."""
    if not admin_key_matches(admin_key, services.settings.admin_api_key.get_secret_value()):
        raise Unauthorized("Missing or invalid admin key", code="invalid_admin_key")
    return "admin"


AdminDep = Annotated[str, Depends(require_admin)]
