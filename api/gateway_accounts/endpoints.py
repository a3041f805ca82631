"""A merchant's own gateway accounts (merchant key): payment links, refunds and the
confirmation of notifications for this tenant's invoices use them instead of the platform's."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import PrincipalDep, ServicesDep, SessionDep
from api.errors import responses
from api.gateway_accounts import service
from api.gateway_accounts.schemas import (
    CredentialsUpdate,
    GatewayAccountCreate,
    GatewayAccountList,
    GatewayAccountOut,
)
from db.models import GatewayAccount

router = APIRouter(prefix="/gateway-accounts", tags=["gateway-accounts"])


def _out(account: GatewayAccount, request: Request) -> GatewayAccountOut:
    base = str(request.base_url).rstrip("/")
    return GatewayAccountOut(
        id=account.id,
        gateway=account.gateway,
        status="active" if account.status == "active" else "deleted",
        credentials=dict(account.credentials_masked),
        webhook_url=f"{base}/webhooks/{account.gateway}/{account.id}",
        created_at=account.created_at,
        updated_at=account.updated_at,
        deleted_at=account.deleted_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=GatewayAccountOut,
    responses=responses(400, 401, 409, 422, 429, 503),
)
async def create_gateway_account(
    body: GatewayAccountCreate,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> GatewayAccountOut:
    """Connect the tenant's own Xendit (`secret_key`, `callback_token`) or Midtrans
    (`server_key`, optional `client_key`) account. The key is checked with the gateway first
    (400 with the gateway's reason if refused); credentials are stored encrypted and shown
    masked. Paste the returned `webhook_url` into the gateway's dashboard."""
    account = await service.create(
        session,
        services.account_directory(),
        principal.tenant_id,
        body.gateway,
        body.credentials.given(),
    )
    return _out(account, request)


@router.get("", response_model=GatewayAccountList, responses=responses(401, 429))
async def list_gateway_accounts(
    request: Request, session: SessionDep, principal: PrincipalDep
) -> GatewayAccountList:
    """The tenant's gateway accounts, deleted ones included (their links still settle)."""
    rows = await service.list_accounts(session, principal.tenant_id)
    return GatewayAccountList(data=[_out(row, request) for row in rows])


@router.get("/{account_id}", response_model=GatewayAccountOut, responses=responses(401, 404, 429))
async def get_gateway_account(
    account_id: str, request: Request, session: SessionDep, principal: PrincipalDep
) -> GatewayAccountOut:
    return _out(await service.get(session, principal.tenant_id, account_id), request)


@router.put(
    "/{account_id}/credentials",
    response_model=GatewayAccountOut,
    responses=responses(400, 401, 404, 409, 422, 429, 503),
)
async def rotate_gateway_account_credentials(
    account_id: str,
    body: CredentialsUpdate,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> GatewayAccountOut:
    """Replace the credentials (checked with the gateway first). Payment links already issued
    under the account keep settling: they belong to the account, not to a key."""
    account = await service.rotate(
        session,
        services.account_directory(),
        principal.tenant_id,
        account_id,
        body.credentials.given(),
    )
    return _out(account, request)


@router.delete(
    "/{account_id}", response_model=GatewayAccountOut, responses=responses(401, 404, 429)
)
async def delete_gateway_account(
    account_id: str, request: Request, session: SessionDep, principal: PrincipalDep
) -> GatewayAccountOut:
    """Stop using the account for new payment links (the platform account takes over);
    links it already issued still settle and their notifications are still verified."""
    return _out(await service.delete(session, principal.tenant_id, account_id), request)
