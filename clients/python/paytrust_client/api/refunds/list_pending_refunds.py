from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.pending_refund_list import PendingRefundList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    older_than_minutes: int | Unset = 0,
    limit: int | Unset = 50,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["older_than_minutes"] = older_than_minutes

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/refunds",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | PendingRefundList | None:
    if response.status_code == 200:
        response_200 = PendingRefundList.from_dict(response.json())

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
) -> Response[ErrorEnvelope | PendingRefundList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    older_than_minutes: int | Unset = 0,
    limit: int | Unset = 50,
) -> Response[ErrorEnvelope | PendingRefundList]:
    """List Pending Refunds

     Refunds still `pending` (the gateway has not answered), oldest first: a merchant key
    sees its own, the admin key every tenant's.

    Args:
        older_than_minutes (int | Unset): Asked for at least this long ago Default: 0.
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PendingRefundList]
    """

    kwargs = _get_kwargs(
        older_than_minutes=older_than_minutes,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    older_than_minutes: int | Unset = 0,
    limit: int | Unset = 50,
) -> ErrorEnvelope | PendingRefundList | None:
    """List Pending Refunds

     Refunds still `pending` (the gateway has not answered), oldest first: a merchant key
    sees its own, the admin key every tenant's.

    Args:
        older_than_minutes (int | Unset): Asked for at least this long ago Default: 0.
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PendingRefundList
    """

    return sync_detailed(
        client=client,
        older_than_minutes=older_than_minutes,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    older_than_minutes: int | Unset = 0,
    limit: int | Unset = 50,
) -> Response[ErrorEnvelope | PendingRefundList]:
    """List Pending Refunds

     Refunds still `pending` (the gateway has not answered), oldest first: a merchant key
    sees its own, the admin key every tenant's.

    Args:
        older_than_minutes (int | Unset): Asked for at least this long ago Default: 0.
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PendingRefundList]
    """

    kwargs = _get_kwargs(
        older_than_minutes=older_than_minutes,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    older_than_minutes: int | Unset = 0,
    limit: int | Unset = 50,
) -> ErrorEnvelope | PendingRefundList | None:
    """List Pending Refunds

     Refunds still `pending` (the gateway has not answered), oldest first: a merchant key
    sees its own, the admin key every tenant's.

    Args:
        older_than_minutes (int | Unset): Asked for at least this long ago Default: 0.
        limit (int | Unset):  Default: 50.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PendingRefundList
    """

    return (
        await asyncio_detailed(
            client=client,
            older_than_minutes=older_than_minutes,
            limit=limit,
        )
    ).parsed
