from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.api_key_rotate import ApiKeyRotate
from ...models.api_key_with_secret import ApiKeyWithSecret
from ...models.error_envelope import ErrorEnvelope
from ...types import UNSET, Response, Unset


def _get_kwargs(
    api_key_id: int,
    *,
    body: ApiKeyRotate | None | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/api-keys/{api_key_id}/rotate".format(
            api_key_id=quote(str(api_key_id), safe=""),
        ),
    }

    if isinstance(body, ApiKeyRotate):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ApiKeyWithSecret | ErrorEnvelope | None:
    if response.status_code == 200:
        response_200 = ApiKeyWithSecret.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorEnvelope.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ApiKeyWithSecret | ErrorEnvelope]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    api_key_id: int,
    *,
    client: AuthenticatedClient,
    body: ApiKeyRotate | None | Unset = UNSET,
) -> Response[ApiKeyWithSecret | ErrorEnvelope]:
    """Rotate Api Key

     A new secret; the old one works for `grace_period_seconds` (0..86400, default 0).

    Args:
        api_key_id (int): Resource id
        body (ApiKeyRotate | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyWithSecret | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        api_key_id=api_key_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    api_key_id: int,
    *,
    client: AuthenticatedClient,
    body: ApiKeyRotate | None | Unset = UNSET,
) -> ApiKeyWithSecret | ErrorEnvelope | None:
    """Rotate Api Key

     A new secret; the old one works for `grace_period_seconds` (0..86400, default 0).

    Args:
        api_key_id (int): Resource id
        body (ApiKeyRotate | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyWithSecret | ErrorEnvelope
    """

    return sync_detailed(
        api_key_id=api_key_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    api_key_id: int,
    *,
    client: AuthenticatedClient,
    body: ApiKeyRotate | None | Unset = UNSET,
) -> Response[ApiKeyWithSecret | ErrorEnvelope]:
    """Rotate Api Key

     A new secret; the old one works for `grace_period_seconds` (0..86400, default 0).

    Args:
        api_key_id (int): Resource id
        body (ApiKeyRotate | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ApiKeyWithSecret | ErrorEnvelope]
    """

    kwargs = _get_kwargs(
        api_key_id=api_key_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    api_key_id: int,
    *,
    client: AuthenticatedClient,
    body: ApiKeyRotate | None | Unset = UNSET,
) -> ApiKeyWithSecret | ErrorEnvelope | None:
    """Rotate Api Key

     A new secret; the old one works for `grace_period_seconds` (0..86400, default 0).

    Args:
        api_key_id (int): Resource id
        body (ApiKeyRotate | None | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ApiKeyWithSecret | ErrorEnvelope
    """

    return (
        await asyncio_detailed(
            api_key_id=api_key_id,
            client=client,
            body=body,
        )
    ).parsed
