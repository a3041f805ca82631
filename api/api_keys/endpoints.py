"""Admin endpoints for merchant API keys (X-Admin-Key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.api_keys import service
from api.api_keys.schemas import (
    ApiKeyCreate,
    ApiKeyOut,
    ApiKeyRotate,
    ApiKeyWithSecret,
    AuditEntry,
    TenantId,
)
from api.deps import AdminDep, IdPath, ServicesDep, SessionDep, client_ip
from api.errors import BusinessRuleError, responses
from api.pagination import DateFrom, DateTo, ListDep, Page, envelope, reject_unknown_query
from db.api_keys import AdminApiKeyRepository
from domain.timeutil import to_naive_utc

router = APIRouter(
    prefix="/api-keys", tags=["api-keys"], dependencies=[Depends(reject_unknown_query)]
)


def _with_secret(issued: service.IssuedKey) -> ApiKeyWithSecret:
    row = issued.row
    return ApiKeyWithSecret(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        key_prefix=row.key_prefix,
        status=row.status,
        created_at=row.created_at,
        rotated_at=row.rotated_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        key=issued.key,
        previous_key_expires_at=row.previous_expires_at,
    )


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyWithSecret,
    responses=responses(401, 409, 422),
)
async def create_api_key(
    body: ApiKeyCreate, request: Request, session: SessionDep, _: AdminDep
) -> ApiKeyWithSecret:
    """Issue a key for a tenant. The secret is in this response only; PayTrust keeps a hash."""
    issued = await service.create_key(
        session, tenant_id=body.tenant_id, name=body.name, ip_address=client_ip(request)
    )
    return _with_secret(issued)


@router.get("", response_model=Page[ApiKeyOut], responses=responses(401, 422))
async def list_api_keys(
    session: SessionDep,
    _: AdminDep,
    paging: ListDep,
    tenant_id: Annotated[TenantId | None, Query()] = None,
) -> Page[ApiKeyOut]:
    """Keys (never their secrets), optionally of one tenant, oldest first."""
    found = await AdminApiKeyRepository(session).page(paging, tenant_id=tenant_id)
    return Page(
        data=[ApiKeyOut.model_validate(row, from_attributes=True) for row in found.rows],
        **envelope(found, paging),
    )


@router.get("/audit", response_model=Page[AuditEntry], responses=responses(400, 401, 422))
async def list_audit_log(
    session: SessionDep,
    _: AdminDep,
    paging: ListDep,
    start_date: Annotated[DateFrom | None, Query(description="YYYY-MM-DD or ISO 8601")] = None,
    end_date: Annotated[DateTo | None, Query(description="YYYY-MM-DD or ISO 8601")] = None,
    api_key_id: Annotated[int | None, Query()] = None,
) -> Page[AuditEntry]:
    """Key lifecycle and use: created, rotated, revoked, used (once a minute), auth_failed;
    newest first."""
    if start_date and end_date and start_date > end_date:
        raise BusinessRuleError("start_date must not be after end_date", code="invalid_date_range")
    found = await AdminApiKeyRepository(session).audit_page(
        paging,
        start=to_naive_utc(start_date) if start_date is not None else None,
        end=to_naive_utc(end_date) if end_date is not None else None,
        api_key_id=api_key_id,
    )
    return Page(
        data=[AuditEntry.model_validate(row, from_attributes=True) for row in found.rows],
        **envelope(found, paging),
    )


@router.put(
    "/{api_key_id}/rotate", response_model=ApiKeyWithSecret, responses=responses(400, 401, 404, 422)
)
async def rotate_api_key(
    api_key_id: IdPath,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    _: AdminDep,
    body: ApiKeyRotate | None = None,
) -> ApiKeyWithSecret:
    """A new secret; the old one works for `grace_period_seconds` (0..86400, default 0)."""
    grace = body.grace_period_seconds if body else 0
    issued = await service.rotate_key(
        session, api_key_id=api_key_id, grace_period_seconds=grace, ip_address=client_ip(request)
    )
    await session.commit()
    await services.authenticator.announce_change(api_key_id)
    return _with_secret(issued)


@router.delete(
    "/{api_key_id}", status_code=204, response_class=Response, responses=responses(401, 404)
)
async def revoke_api_key(
    api_key_id: IdPath, request: Request, session: SessionDep, services: ServicesDep, _: AdminDep
) -> Response:
    """Revoke: every api replica refuses the key within 2 s (at once with Redis)."""
    await service.revoke_key(session, api_key_id=api_key_id, ip_address=client_ip(request))
    await session.commit()
    await services.authenticator.announce_change(api_key_id)
    return Response(status_code=204)
