import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.event_list import EventList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    type_: None | str | Unset = UNSET,
    invoice_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    else:
        json_type_ = type_
    params["type"] = json_type_

    json_invoice_id: int | None | Unset
    if isinstance(invoice_id, Unset):
        json_invoice_id = UNSET
    else:
        json_invoice_id = invoice_id
    params["invoice_id"] = json_invoice_id

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

    params["limit"] = limit

    json_starting_after: None | str | Unset
    if isinstance(starting_after, Unset):
        json_starting_after = UNSET
    else:
        json_starting_after = starting_after
    params["starting_after"] = json_starting_after

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/events",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | EventList | None:
    if response.status_code == 200:
        response_200 = EventList.from_dict(response.json())

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
) -> Response[ErrorEnvelope | EventList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    type_: None | str | Unset = UNSET,
    invoice_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | EventList]:
    """List Events

     The tenant's events, newest first. Pass `next_cursor` as `starting_after` for the next
    page; the walk is stable while new events arrive.

    Args:
        type_ (None | str | Unset): One event type: invoice.created, invoice.updated,
            invoice.payment_initiated, invoice.partially_paid, invoice.paid, invoice.overpaid,
            invoice.expired, invoice.cancelled, installment.paid, installment.overdue,
            payment.succeeded, payment.discrepancy, refund.pending, refund.succeeded, refund.failed,
            webhook_endpoint.disabled
        invoice_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | EventList]
    """

    kwargs = _get_kwargs(
        type_=type_,
        invoice_id=invoice_id,
        created_gte=created_gte,
        created_lte=created_lte,
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
    type_: None | str | Unset = UNSET,
    invoice_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | EventList | None:
    """List Events

     The tenant's events, newest first. Pass `next_cursor` as `starting_after` for the next
    page; the walk is stable while new events arrive.

    Args:
        type_ (None | str | Unset): One event type: invoice.created, invoice.updated,
            invoice.payment_initiated, invoice.partially_paid, invoice.paid, invoice.overpaid,
            invoice.expired, invoice.cancelled, installment.paid, installment.overdue,
            payment.succeeded, payment.discrepancy, refund.pending, refund.succeeded, refund.failed,
            webhook_endpoint.disabled
        invoice_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | EventList
    """

    return sync_detailed(
        client=client,
        type_=type_,
        invoice_id=invoice_id,
        created_gte=created_gte,
        created_lte=created_lte,
        limit=limit,
        starting_after=starting_after,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    type_: None | str | Unset = UNSET,
    invoice_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | EventList]:
    """List Events

     The tenant's events, newest first. Pass `next_cursor` as `starting_after` for the next
    page; the walk is stable while new events arrive.

    Args:
        type_ (None | str | Unset): One event type: invoice.created, invoice.updated,
            invoice.payment_initiated, invoice.partially_paid, invoice.paid, invoice.overpaid,
            invoice.expired, invoice.cancelled, installment.paid, installment.overdue,
            payment.succeeded, payment.discrepancy, refund.pending, refund.succeeded, refund.failed,
            webhook_endpoint.disabled
        invoice_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | EventList]
    """

    kwargs = _get_kwargs(
        type_=type_,
        invoice_id=invoice_id,
        created_gte=created_gte,
        created_lte=created_lte,
        limit=limit,
        starting_after=starting_after,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    type_: None | str | Unset = UNSET,
    invoice_id: int | None | Unset = UNSET,
    created_gte: datetime.datetime | None | Unset = UNSET,
    created_lte: datetime.datetime | None | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | EventList | None:
    """List Events

     The tenant's events, newest first. Pass `next_cursor` as `starting_after` for the next
    page; the walk is stable while new events arrive.

    Args:
        type_ (None | str | Unset): One event type: invoice.created, invoice.updated,
            invoice.payment_initiated, invoice.partially_paid, invoice.paid, invoice.overpaid,
            invoice.expired, invoice.cancelled, installment.paid, installment.overdue,
            payment.succeeded, payment.discrepancy, refund.pending, refund.succeeded, refund.failed,
            webhook_endpoint.disabled
        invoice_id (int | None | Unset):
        created_gte (datetime.datetime | None | Unset):
        created_lte (datetime.datetime | None | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | EventList
    """

    return (
        await asyncio_detailed(
            client=client,
            type_=type_,
            invoice_id=invoice_id,
            created_gte=created_gte,
            created_lte=created_lte,
            limit=limit,
            starting_after=starting_after,
        )
    ).parsed
