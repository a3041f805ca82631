"""The api's shared services and the FastAPI dependencies that hand them to endpoints."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.security import APIKeyHeader
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from temporalio.client import Client

from api.auth import ApiKeyAuthenticator, AuthThrottled, Principal, admin_key_matches
from api.errors import RateLimited, ServiceUnavailable, Unauthorized
from api.ratelimit import RateLimiter
from config import Settings
from contracts.invoices import InvoiceStarts
from db.engine import SessionFactory
from domain.bounds import MAX_ID
from gateways.accounts import AccountDirectory
from gateways.base import PaymentGateway
from observability.context import tenant_var

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger("paytrust.api")

# A resource id in a path: a BIGINT primary key, so anything outside 1..2^63-1 is a 422, not a
# query the database has to make sense of.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Resource id")]


@dataclass
class Services:
    settings: Settings
    engine: AsyncEngine
    sessions: SessionFactory
    authenticator: ApiKeyAuthenticator
    limiter: RateLimiter
    gateways: dict[str, PaymentGateway] = field(default_factory=dict)
    # Merchants' own gateway accounts (and the platform's clients above for the rest).
    accounts: AccountDirectory | None = None
    redis: Redis | None = None
    # Autocommit connections for one-statement reads (no transaction, no ROLLBACK on return);
    # None: reads use `engine`.
    read_engine: AsyncEngine | None = None
    _temporal: Client | None = field(default=None, repr=False)
    _temporal_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
    # Whether the connected server wakes a delayed run on an update (`invoice_starts`).
    _sleeping_starts: bool = field(default=False, repr=False)

    def account_directory(self) -> AccountDirectory:
        if self.accounts is None:
            from gateways.credentials import CredentialCipher

            self.accounts = AccountDirectory(
                self.sessions,
                self.gateways,
                CredentialCipher.from_setting(self.settings.gateway_credentials_secret()),
            )
        return self.accounts

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
                    client = await connect_temporal(self.settings)
                    self._sleeping_starts = await self._server_wakes_sleeping_runs(client)
                    self._temporal = client
                except Exception as exc:
                    logger.warning("temporal unavailable: %s", type(exc).__name__)
                    raise ServiceUnavailable("Temporal is temporarily unavailable") from exc
        return self._temporal

    async def _server_wakes_sleeping_runs(self, client: Client) -> bool:
        from contracts.invoices import FIRST_TASK_DELAY_REVISION
        from workflows.client import DELAYED_START_SERVER, server_version, wakes_sleeping_runs

        version = await server_version(client)
        if wakes_sleeping_runs(version):
            return True
        if self.settings.invoice_workflow_revision >= FIRST_TASK_DELAY_REVISION:
            logger.warning(
                "Temporal server %s is older than %s: new invoices' runs start awake (no start "
                "delay, a workflow task each); upgrade Temporal for the cheaper creation",
                version,
                ".".join(map(str, DELAYED_START_SERVER)),
            )
        return False

    async def invoice_starts(self) -> InvoiceStarts:
        """How this api starts invoice runs now: the settings' revision and task queue, asleep
        until their first timer only on a server known to wake them (connects if needed)."""
        await self.temporal()
        return replace(self.settings.invoice_starts, sleeping_starts=self._sleeping_starts)


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
    try:
        principal = await services.authenticator.authenticate(
            api_key, ip_address=client_ip(request)
        )
    except AuthThrottled as exc:
        raise RateLimited(
            "Too many failed authentication attempts; retry later",
            code="auth_throttled",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    if principal is None:
        raise Unauthorized("Invalid API key", code="invalid_api_key")
    tenant_var.set(principal.tenant_id)
    decision = await services.limiter.hit(
        f"key:{principal.api_key_id}", services.settings.rate_limit_per_minute
    )
    if not decision.allowed:
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


async def merchant_or_admin(
    request: Request,
    response: Response,
    services: ServicesDep,
    api_key: Annotated[str | None, Depends(api_key_header)],
    admin_key: Annotated[str | None, Depends(admin_key_header)],
) -> Principal | None:
    """A merchant (their own tenant, authenticated and rate-limited like every merchant call)
    or the admin (every tenant: None)."""
    if admin_key is not None:
        await require_admin(services, admin_key)  # 401 unless it is the admin key
        return None
    return await get_principal(request, response, services, api_key)


MerchantOrAdminDep = Annotated[Principal | None, Depends(merchant_or_admin)]
