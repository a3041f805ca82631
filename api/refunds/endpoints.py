"""Refund endpoints (API.md "POST /invoices/{id}/refunds" and the refund resource), and the
operators' view of refunds still pending (docs/operations.md "Pending refunds")."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import Principal
from api.deps import AdminDep, IdPath, MerchantOrAdminDep, PrincipalDep, ServicesDep, SessionDep
from api.errors import NotFound, responses
from api.invoices.service import require_invoice, require_invoice_for
from api.pagination import reject_unknown_query
from api.refunds import service
from contracts.resources import PendingRefundList, RefundCreate, RefundFail, RefundList, RefundOut
from db import refunds as refunds_repo
from db import resources
from db.invoices import InvoiceRepository
from db.models import Invoice, Refund
from db.refunds import RefundRepository
from domain.timeutil import utcnow

invoice_router = APIRouter(
    prefix="/invoices", tags=["invoices"], dependencies=[Depends(reject_unknown_query)]
)
router = APIRouter(
    prefix="/refunds", tags=["refunds"], dependencies=[Depends(reject_unknown_query)]
)

RefundIdPath = Annotated[
    str, Path(pattern=r"^rf_[0-9a-f]{24}$", description="A merchant refund's id (rf_...)")
]


@invoice_router.post(
    "/{invoice_id}/refunds",
    status_code=201,
    response_model=RefundOut,
    responses=responses(400, 401, 404, 409, 413, 422, 429, 503),
)
async def create_refund(
    invoice_id: IdPath,
    body: RefundCreate,
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> RefundOut:
    """Refund the invoice's payments (all that is refundable when `amount` is left out):
    201 with the refund, `pending` until the gateway confirms, or `succeeded` when it confirms
    at once. Refundable = paid − refunded − pending refunds; the refund is drawn from the paid
    payments newest first, each at most what is left of it. Works for any invoice that was paid,
    also after it closed. With an `Idempotency-Key`, a retry returns the same refund."""
    invoice = await require_invoice(InvoiceRepository(session, principal.tenant_id), invoice_id)
    return await service.request_refund(
        session,
        await services.temporal(),
        services.settings.invoice_starts,
        invoice,
        body,
        request.headers.get("idempotency-key"),
    )


@invoice_router.get(
    "/{invoice_id}/refunds", response_model=RefundList, responses=responses(401, 404, 429)
)
async def list_refunds(
    invoice_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> RefundList:
    """The invoice's refunds: asked for through the api (`source: merchant`) or reported by
    the gateway (`source: gateway`), oldest first, each `pending`, `succeeded` or `failed`."""
    invoice = await require_invoice(InvoiceRepository(session, principal.tenant_id), invoice_id)
    rows = await RefundRepository(session, principal.tenant_id).for_invoice(invoice.id)
    return RefundList(invoice_id=invoice.id, data=resources.group_refunds(rows))


@router.get("", response_model=PendingRefundList, responses=responses(401, 422, 429))
async def list_pending_refunds(
    session: SessionDep,
    caller: MerchantOrAdminDep,
    older_than_minutes: Annotated[
        int, Query(ge=0, le=525_600, description="Asked for at least this long ago")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> PendingRefundList:
    """Refunds still `pending` (the gateway has not answered), oldest first: a merchant key
    sees its own, the admin key every tenant's."""
    before = utcnow() - timedelta(minutes=older_than_minutes)
    if caller is None:
        rows = await refunds_repo.pending_refunds_for_admin(session, before, limit)
    else:
        rows = await RefundRepository(session, caller.tenant_id).pending_requests(before, limit)
    return PendingRefundList(data=await _whole_refunds(session, rows))


@router.get("/{refund_id}", response_model=RefundOut, responses=responses(401, 404, 422, 429))
async def get_refund(
    refund_id: RefundIdPath, session: SessionDep, caller: MerchantOrAdminDep
) -> RefundOut:
    """One merchant refund (a merchant key: its own; the admin key: any)."""
    invoice = await _refund_invoice(session, caller, refund_id)
    return await service.rendered(session, invoice, refund_id)


@router.post(
    "/{refund_id}/retry", response_model=RefundOut, responses=responses(400, 401, 404, 422, 503)
)
async def retry_refund(
    refund_id: RefundIdPath, session: SessionDep, services: ServicesDep, _: AdminDep
) -> RefundOut:
    """Operators: ask the gateway again for the refund's pending parts, with the same keys
    (a refund the gateway already made is answered with, never made twice)."""
    invoice = await _refund_invoice(session, None, refund_id)
    return await service.retry_refund(
        session,
        await services.temporal(),
        services.settings.invoice_starts,
        invoice,
        refund_id,
    )


@router.post(
    "/{refund_id}/fail", response_model=RefundOut, responses=responses(400, 401, 404, 422, 503)
)
async def fail_refund(
    refund_id: RefundIdPath,
    body: RefundFail,
    session: SessionDep,
    services: ServicesDep,
    _: AdminDep,
) -> RefundOut:
    """Operators: give up on a pending refund the gateway never made (checked at the
    gateway first: see the runbook). Its reservation is released; should the gateway report it
    after all, it is recorded as succeeded."""
    invoice = await _refund_invoice(session, None, refund_id)
    return await service.fail_refund(
        session,
        await services.temporal(),
        services.settings.invoice_starts,
        invoice,
        refund_id,
        body.reason,
    )


async def _refund_invoice(
    session: AsyncSession, caller: Principal | None, refund_id: str
) -> Invoice:
    owner = await refunds_repo.request_owner_for_admin(session, refund_id)
    if owner is None or (caller is not None and owner[0] != caller.tenant_id):
        raise NotFound(f"Refund {refund_id} not found")
    return await require_invoice_for(session, caller, owner[1])


async def _whole_refunds(session: AsyncSession, rows: list[Refund]) -> list[RefundOut]:
    """Pending parts as whole refunds (each with all its parts), oldest first."""
    seen: dict[str, RefundOut] = {}
    for row in rows:
        if row.request_id is None or row.request_id in seen:
            continue
        invoice = await require_invoice(InvoiceRepository(session, row.tenant_id), row.invoice_id)
        seen[row.request_id] = await service.rendered(session, invoice, row.request_id)
    return list(seen.values())
