from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_list import DeliveryList
from ...models.error_envelope import ErrorEnvelope
from ...models.list_deliveries_status_type_0 import ListDeliveriesStatusType0
from ...types import UNSET, Response, Unset


def _get_kwargs(
    endpoint_id: int,
    *,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    event_id: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListDeliveriesStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_event_id: None | str | Unset
    if isinstance(event_id, Unset):
        json_event_id = UNSET
    else:
        json_event_id = event_id
    params["event_id"] = json_event_id

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
        "url": "/webhook-endpoints/{endpoint_id}/deliveries".format(
            endpoint_id=quote(str(endpoint_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeliveryList | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = DeliveryList.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

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
) -> Response[DeliveryList | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    endpoint_id: int,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    event_id: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> Response[DeliveryList | ErrorEnvelope]:
    """List Deliveries

     The endpoint's deliveries, newest first, each with its attempts.

    Args:
        endpoint_id (int):
        status (ListDeliveriesStatusType0 | None | Unset):
        event_id (None | str | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        status=status,
        event_id=event_id,
        limit=limit,
        starting_after=starting_after,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    endpoint_id: int,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    event_id: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> DeliveryList | ErrorEnvelope | None:
    """List Deliveries

     The endpoint's deliveries, newest first, each with its attempts.

    Args:
        endpoint_id (int):
        status (ListDeliveriesStatusType0 | None | Unset):
        event_id (None | str | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | ErrorEnvelope
    """

    return sync_detailed(
        endpoint_id=endpoint_id,
        client=client,
        status=status,
        event_id=event_id,
        limit=limit,
        starting_after=starting_after,
    ).parsed


async def asyncio_detailed(
    endpoint_id: int,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    event_id: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> Response[DeliveryList | ErrorEnvelope]:
    """List Deliveries

     The endpoint's deliveries, newest first, each with its attempts.

    Args:
        endpoint_id (int):
        status (ListDeliveriesStatusType0 | None | Unset):
        event_id (None | str | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryList | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
        status=status,
        event_id=event_id,
        limit=limit,
        starting_after=starting_after,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    endpoint_id: int,
    *,
    client: AuthenticatedClient,
    status: ListDeliveriesStatusType0 | None | Unset = UNSET,
    event_id: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    starting_after: None | str | Unset = UNSET,
) -> DeliveryList | ErrorEnvelope | None:
    """List Deliveries

     The endpoint's deliveries, newest first, each with its attempts.

    Args:
        endpoint_id (int):
        status (ListDeliveriesStatusType0 | None | Unset):
        event_id (None | str | Unset):
        limit (int | Unset):  Default: 50.
        starting_after (None | str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryList | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            endpoint_id=endpoint_id,
            client=client,
            status=status,
            event_id=event_id,
            limit=limit,
            starting_after=starting_after,
        )
    ).parsed
