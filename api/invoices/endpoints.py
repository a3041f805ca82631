"""Invoice endpoints (API.md "Invoices"). Reads go to MySQL filtered by the caller's tenant;
changes after creation are workflow updates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from pydantic import BeforeValidator

from api.deps import IdPath, MerchantOrAdminDep, PrincipalDep, ServicesDep, SessionDep
from api.errors import RateLimited, responses
from api.invoices import service
from api.pagination import DateFrom, DateTo, ListDep, Page, envelope, reject_unknown_query
from contracts.invoices import (
    AdjustInstallmentsRequest,
    CancelRequest,
    InitiatePaymentRequest,
    ModifyInvoiceRequest,
)
from contracts.resources import (
    CancelIn,
    DiscrepancyList,
    InstallmentList,
    InvoiceCreate,
    InvoiceOut,
    InvoicePatch,
    OverpaymentOut,
    PaymentInitiate,
    PaymentOut,
    SupplementaryCreate,
    TransactionList,
)
from contracts.workflows import ADJUST_INSTALLMENTS, CANCEL, INITIATE_PAYMENT, MODIFY
from db import invoices as repo
from db import resources
from db.events import outbox_rows_written
from db.invoices import InvoiceFilters, InvoiceRepository
from db.resources import money
from domain.money import Currency
from domain.status import InvoiceStatus

router = APIRouter(
    prefix="/invoices", tags=["invoices"], dependencies=[Depends(reject_unknown_query)]
)


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


@router.post(
    "",
    status_code=201,
    response_model=InvoiceOut,
    responses=responses(400, 401, 409, 413, 422, 429, 503),
)
async def create_invoice(
    body: InvoiceCreate,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
    background: BackgroundTasks,
) -> InvoiceOut:
    """Create an invoice (status `draft`) and its workflow. Totals are computed here: line
    subtotal = quantity × unit_price, per-line tax, the gateway's fee for the currency."""
    created = await service.create_invoice(
        session, services.temporal, await services.invoice_starts(), principal, body
    )
    # After the commit: its invoice.created event goes to the merchant's endpoints (if one
    # takes it: otherwise there is no outbox row to hand over).
    if outbox_rows_written():
        background.add_task(service.dispatch_events, services, principal.tenant_id, created.id)
    return created


@router.get("", response_model=Page[InvoiceOut], responses=responses(401, 422, 429))
async def list_invoices(
    session: SessionDep,
    principal: PrincipalDep,
    paging: ListDep,
    status: Annotated[InvoiceStatus | None, Query()] = None,
    currency: Annotated[
        Currency | None, BeforeValidator(_upper), Query(description="IDR, MYR or USD")
    ] = None,
    external_id: Annotated[
        str | None,
        Query(min_length=1, max_length=255, description="The merchant's own reference"),
    ] = None,
    gateway_id: Annotated[int | None, Query(ge=1)] = None,
    created_gte: Annotated[
        DateFrom | None, Query(description="Created at or after: YYYY-MM-DD or ISO 8601")
    ] = None,
    created_lte: Annotated[
        DateTo | None,
        Query(description="Created at or before: YYYY-MM-DD (the whole day) or ISO 8601"),
    ] = None,
) -> Page[InvoiceOut]:
    """The tenant's invoices, newest first. `?page=&page_size=` gives a page and a total;
    `?limit=&starting_after=<next_cursor>` walks the whole list, stable while new invoices
    arrive. An unknown parameter or a bad value is a 422 naming it."""
    invoices = InvoiceRepository(session, principal.tenant_id)
    filters = InvoiceFilters(
        status=status.value if status else None,
        currency=currency.value if currency else None,
        external_id=external_id,
        gateway_id=gateway_id,
        created_gte=created_gte,
        created_lte=created_lte,
    )
    found = await invoices.page(paging, filters)
    rows = found.rows
    ids = [row.id for row in rows]
    lines = await invoices.line_items_by_invoice(ids)
    schedules = await invoices.schedules_by_invoice(ids)
    names = await repo.gateway_names(session)
    return Page(
        data=[
            resources.invoice_out(
                row, names[row.gateway_id], lines.get(row.id, []), schedules.get(row.id, [])
            )
            for row in rows
        ],
        **envelope(found, paging),
    )


@router.get("/{invoice_id}", response_model=InvoiceOut, responses=responses(401, 404, 429))
async def get_invoice(
    invoice_id: IdPath, services: ServicesDep, principal: PrincipalDep
) -> InvoiceOut:
    # One statement on an autocommit connection: no transaction to open or roll back.
    async with services.reader.connect() as conn:
        return await service.read_invoice(conn, principal.tenant_id, invoice_id)


@router.patch(
    "/{invoice_id}", response_model=InvoiceOut, responses=responses(400, 401, 404, 422, 429, 503)
)
async def modify_invoice(
    invoice_id: IdPath,
    body: InvoicePatch,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> InvoiceOut:
    """Change a draft's description, line items, expiry, installments or metadata. After
    payment initiation: 400 "Invoice cannot be modified after payment has been initiated"."""
    invoice = await service.require_invoice(
        InvoiceRepository(session, principal.tenant_id), invoice_id
    )
    request = ModifyInvoiceRequest(
        **body.model_dump(exclude_unset=True, exclude={"line_items", "installments"}),
        line_items=body.line_items,
        installments=body.installments,
        fields_set=sorted(body.model_fields_set),
    )
    await service.run_update(await services.temporal(), invoice, MODIFY, request)
    await session.refresh(invoice)
    return await resources.render(session, invoice)


@router.post(
    "/{invoice_id}/payments",
    status_code=201,
    response_model=PaymentOut,
    responses=responses(400, 401, 404, 409, 422, 429, 503),
)
async def initiate_payment(
    invoice_id: IdPath,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
    body: PaymentInitiate | None = None,
) -> PaymentOut:
    """Ask the gateway for a payment URL for the next unpaid installment (or the amount due).
    Calling it again returns the live payment instead of creating a second one."""
    invoice = await service.require_invoice(
        InvoiceRepository(session, principal.tenant_id), invoice_id
    )
    link = await service.run_update(
        await services.temporal(),
        invoice,
        INITIATE_PAYMENT,
        InitiatePaymentRequest(**(body.model_dump() if body else {})),
    )
    return service.payment_out(link)


@router.post(
    "/{invoice_id}/sync",
    response_model=InvoiceOut,
    responses=responses(400, 401, 404, 409, 429, 503),
)
async def sync_invoice(
    invoice_id: IdPath, session: SessionDep, services: ServicesDep, caller: MerchantOrAdminDep
) -> InvoiceOut:
    """Ask the gateway about each live payment link of the invoice now and apply a payment it
    confirms (exactly once, like a notification), then answer with the invoice. Call it when
    your customer lands on your success page. The invoice's workflow also does this by itself
    (about +1 min, +5 min, +15 min, +1 h after a link is made, then every 6 h), so a lost
    notification delays a payment by a minute. Merchant key (its own invoices) or admin key;
    rate-limited per invoice (429)."""
    invoice = await service.require_invoice_for(session, caller, invoice_id)
    decision = await services.limiter.hit(
        f"sync:{invoice.id}", services.settings.sync_per_invoice_per_minute
    )
    if not decision.allowed:
        raise RateLimited(
            "Too many sync requests for this invoice: retry after the window resets",
            headers=decision.headers(),
        )
    await service.sync_payments(await services.temporal(), invoice)
    await session.refresh(invoice)
    return await resources.render(session, invoice)


@router.post(
    "/{invoice_id}/cancel",
    response_model=InvoiceOut,
    responses=responses(400, 401, 404, 422, 429, 503),
)
async def cancel_invoice(
    invoice_id: IdPath,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
    body: CancelIn | None = None,
) -> InvoiceOut:
    """Cancel an invoice on which nothing has been paid."""
    invoice = await service.require_invoice(
        InvoiceRepository(session, principal.tenant_id), invoice_id
    )
    await service.run_update(
        await services.temporal(),
        invoice,
        CANCEL,
        CancelRequest(reason=body.reason if body else None),
    )
    await session.refresh(invoice)
    return await resources.render(session, invoice)


@router.post(
    "/{invoice_id}/supplementary",
    status_code=201,
    response_model=InvoiceOut,
    responses=responses(400, 401, 404, 409, 422, 429, 503),
)
async def create_supplementary_invoice(
    invoice_id: IdPath,
    body: SupplementaryCreate,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> InvoiceOut:
    """A supplementary invoice for a parent that is pending, partially paid or fully paid;
    currency and gateway are the parent's."""
    return await service.create_supplementary(
        session,
        services.temporal,
        await services.invoice_starts(),
        principal,
        invoice_id,
        body,
    )


@router.patch(
    "/{invoice_id}/installments",
    response_model=InstallmentList,
    responses=responses(400, 401, 404, 422, 429, 503),
)
async def adjust_installments(
    invoice_id: IdPath,
    body: AdjustInstallmentsRequest,
    session: SessionDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> InstallmentList:
    """Change amounts and due dates of unpaid installments; the unpaid amounts must sum to
    the remaining balance. Runs as a workflow update, so it cannot race a payment."""
    invoices = InvoiceRepository(session, principal.tenant_id)
    invoice = await service.require_invoice(invoices, invoice_id)
    await service.run_update(await services.temporal(), invoice, ADJUST_INSTALLMENTS, body)
    rows = await invoices.schedule(invoice.id)
    await session.refresh(invoice)
    return InstallmentList(
        invoice_id=invoice.id,
        data=[resources.installment_out(row, invoice.currency) for row in rows],
    )


@router.get(
    "/{invoice_id}/transactions",
    response_model=TransactionList,
    responses=responses(401, 404, 429),
)
async def list_transactions(
    invoice_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> TransactionList:
    invoices = InvoiceRepository(session, principal.tenant_id)
    invoice = await service.require_invoice(invoices, invoice_id)
    names = await repo.gateway_names(session)
    rows = await invoices.transactions(invoice.id)
    return TransactionList(
        invoice_id=invoice.id,
        data=[resources.transaction_out(row, names[row.gateway_id]) for row in rows],
    )


@router.get(
    "/{invoice_id}/discrepancies",
    response_model=DiscrepancyList,
    responses=responses(401, 404, 429),
)
async def list_discrepancies(
    invoice_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> DiscrepancyList:
    """Under- and overpayments against the amount each payment was expected to cover."""
    invoices = InvoiceRepository(session, principal.tenant_id)
    invoice = await service.require_invoice(invoices, invoice_id)
    rows = await invoices.discrepancies(invoice.id)
    c = invoice.currency
    return DiscrepancyList(
        invoice_id=invoice.id,
        discrepancies=[resources.discrepancy_out(row, c) for row in rows],
    )


@router.get(
    "/{invoice_id}/overpayment",
    response_model=OverpaymentOut,
    responses=responses(401, 404, 429),
)
async def get_overpayment(
    invoice_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> OverpaymentOut:
    invoice = await service.require_invoice(
        InvoiceRepository(session, principal.tenant_id), invoice_id
    )
    c = invoice.currency
    return OverpaymentOut(
        invoice_id=invoice.id,
        total_amount=money(invoice.total, c),
        total_paid=money(invoice.amount_paid, c),
        overpayment_amount=money(invoice.overpayment_amount, c),
    )


@router.get(
    "/{invoice_id}/installments",
    response_model=InstallmentList,
    responses=responses(401, 404, 429),
)
async def list_installments(
    invoice_id: IdPath, session: SessionDep, principal: PrincipalDep
) -> InstallmentList:
    invoices = InvoiceRepository(session, principal.tenant_id)
    invoice = await service.require_invoice(invoices, invoice_id)
    rows = await invoices.schedule(invoice.id)
    return InstallmentList(
        invoice_id=invoice.id,
        data=[resources.installment_out(row, invoice.currency) for row in rows],
    )
