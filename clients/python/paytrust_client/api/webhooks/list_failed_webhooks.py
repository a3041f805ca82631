from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.page_failed_webhook import PageFailedWebhook
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

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
        "url": "/webhooks/failed",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | PageFailedWebhook | None:
    if response.status_code == 200:
        response_200 = PageFailedWebhook.from_dict(response.json())

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
) -> Response[ErrorEnvelope | PageFailedWebhook]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | PageFailedWebhook]:
    """List Failed Webhooks

     Permanently failed events: a merchant key sees its own, the admin key sees all.

    Args:
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PageFailedWebhook]
    """

    kwargs = _get_kwargs(
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
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | PageFailedWebhook | None:
    """List Failed Webhooks

     Permanently failed events: a merchant key sees its own, the admin key sees all.

    Args:
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PageFailedWebhook
    """

    return sync_detailed(
        client=client,
        page=page,
        page_size=page_size,
        limit=limit,
        starting_after=starting_after,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | PageFailedWebhook]:
    """List Failed Webhooks

     Permanently failed events: a merchant key sees its own, the admin key sees all.

    Args:
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PageFailedWebhook]
    """

    kwargs = _get_kwargs(
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
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | PageFailedWebhook | None:
    """List Failed Webhooks

     Permanently failed events: a merchant key sees its own, the admin key sees all.

    Args:
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PageFailedWebhook
    """

    return (
        await asyncio_detailed(
            client=client,
            page=page,
            page_size=page_size,
            limit=limit,
            starting_after=starting_after,
        )
    ).parsed
