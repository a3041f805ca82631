import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.currency import Currency
from ...models.error_envelope import ErrorEnvelope
from ...models.invoice_status import InvoiceStatus
from ...models.page_invoice_out import PageInvoiceOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    status: InvoiceStatus | None | Unset = UNSET,
    currency: Currency | None | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    gateway_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, InvoiceStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_currency: None | str | Unset
    if isinstance(currency, Unset):
        json_currency = UNSET
    elif isinstance(currency, Currency):
        json_currency = currency.value
    else:
        json_currency = currency
    params["currency"] = json_currency

    json_external_id: None | str | Unset
    if isinstance(external_id, Unset):
        json_external_id = UNSET
    else:
        json_external_id = external_id
    params["external_id"] = json_external_id

    json_gateway_id: int | None | Unset
    if isinstance(gateway_id, Unset):
        json_gateway_id = UNSET
    else:
        json_gateway_id = gateway_id
    params["gateway_id"] = json_gateway_id

    json_created_gte: None | str | Unset
    if isinstance(created_gte, Unset):
        json_created_gte = UNSET
    elif isinstance(created_gte, datetime.datetime):
        json_created_gte = created_gte.isoformat()
    else:
        json_created_gte = created_gte
    params["created_gte"] = json_created_gte

    json_created_lte: None | str | Unset
    if isinstance(created_lte, Unset):
        json_created_lte = UNSET
    elif isinstance(created_lte, datetime.datetime):
        json_created_lte = created_lte.isoformat()
    else:
        json_created_lte = created_lte
    params["created_lte"] = json_created_lte

    json_page: int | None | Unset
    if isinstance(page, Unset):
        json_page = UNSET
    else:
        json_page = page
    params["page"] = json_page

    json_page_size: int | None | Unset
    if isinstance(page_size, Unset):
        json_page_size = UNSET
    else:
        json_page_size = page_size
    params["page_size"] = json_page_size

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit

    json_starting_after: None | str | Unset
    if isinstance(starting_after, Unset):
        json_starting_after = UNSET
    else:
        json_starting_after = starting_after
    params["starting_after"] = json_starting_after

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/invoices",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | PageInvoiceOut | None:
    if response.status_code == 200:
        response_200 = PageInvoiceOut.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | PageInvoiceOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    status: InvoiceStatus | None | Unset = UNSET,
    currency: Currency | None | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    gateway_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | PageInvoiceOut]:
    """List Invoices

     The tenant's invoices, newest first. `?page=&page_size=` gives a page and a total;
    `?limit=&starting_after=<next_cursor>` walks the whole list, stable while new invoices
    arrive. An unknown parameter or a bad value is a 422 naming it.

    Args:
        status (InvoiceStatus | None | Unset):
        currency (Currency | None | Unset): IDR, MYR or USD
        external_id (None | str | Unset): The merchant's own reference
        gateway_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset): Created at or after: YYYY-MM-DD or ISO
            8601
        created_lte (datetime.datetime | None | Unset): Created at or before: YYYY-MM-DD (the
            whole day) or ISO 8601
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PageInvoiceOut]
    """

    kwargs = _get_kwargs(
        status=status,
        currency=currency,
        external_id=external_id,
        gateway_id=gateway_id,
        created_gte=created_gte,
        created_lte=created_lte,
        page=page,
        page_size=page_size,
        limit=limit,
        starting_after=starting_after,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    status: InvoiceStatus | None | Unset = UNSET,
    currency: Currency | None | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    gateway_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | PageInvoiceOut | None:
    """List Invoices

     The tenant's invoices, newest first. `?page=&page_size=` gives a page and a total;
    `?limit=&starting_after=<next_cursor>` walks the whole list, stable while new invoices
    arrive. An unknown parameter or a bad value is a 422 naming it.

    Args:
        status (InvoiceStatus | None | Unset):
        currency (Currency | None | Unset): IDR, MYR or USD
        external_id (None | str | Unset): The merchant's own reference
        gateway_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset): Created at or after: YYYY-MM-DD or ISO
            8601
        created_lte (datetime.datetime | None | Unset): Created at or before: YYYY-MM-DD (the
            whole day) or ISO 8601
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PageInvoiceOut
    """

    return sync_detailed(
        client=client,
        status=status,
        currency=currency,
        external_id=external_id,
        gateway_id=gateway_id,
        created_gte=created_gte,
        created_lte=created_lte,
        page=page,
        page_size=page_size,
        limit=limit,
        starting_after=starting_after,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    status: InvoiceStatus | None | Unset = UNSET,
    currency: Currency | None | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    gateway_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | PageInvoiceOut]:
    """List Invoices

     The tenant's invoices, newest first. `?page=&page_size=` gives a page and a total;
    `?limit=&starting_after=<next_cursor>` walks the whole list, stable while new invoices
    arrive. An unknown parameter or a bad value is a 422 naming it.

    Args:
        status (InvoiceStatus | None | Unset):
        currency (Currency | None | Unset): IDR, MYR or USD
        external_id (None | str | Unset): The merchant's own reference
        gateway_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset): Created at or after: YYYY-MM-DD or ISO
            8601
        created_lte (datetime.datetime | None | Unset): Created at or before: YYYY-MM-DD (the
            whole day) or ISO 8601
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PageInvoiceOut]
    """

    kwargs = _get_kwargs(
        status=status,
        currency=currency,
        external_id=external_id,
        gateway_id=gateway_id,
        created_gte=created_gte,
        created_lte=created_lte,
        page=page,
        page_size=page_size,
        limit=limit,
        starting_after=starting_after,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    status: InvoiceStatus | None | Unset = UNSET,
    currency: Currency | None | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    gateway_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | PageInvoiceOut | None:
    """List Invoices

     The tenant's invoices, newest first. `?page=&page_size=` gives a page and a total;
    `?limit=&starting_after=<next_cursor>` walks the whole list, stable while new invoices
    arrive. An unknown parameter or a bad value is a 422 naming it.

    Args:
        status (InvoiceStatus | None | Unset):
        currency (Currency | None | Unset): IDR, MYR or USD
        external_id (None | str | Unset): The merchant's own reference
        gateway_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset): Created at or after: YYYY-MM-DD or ISO
            8601
        created_lte (datetime.datetime | None | Unset): Created at or before: YYYY-MM-DD (the
            whole day) or ISO 8601
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PageInvoiceOut
    """

    return (
        await asyncio_detailed(
            client=client,
            status=status,
            currency=currency,
            external_id=external_id,
            gateway_id=gateway_id,
            created_gte=created_gte,
            created_lte=created_lte,
            page=page,
            page_size=page_size,
            limit=limit,
            starting_after=starting_after,
        )
    ).parsed
