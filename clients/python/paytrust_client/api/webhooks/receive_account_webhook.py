from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.http_validation_error import HTTPValidationError
from ...models.receive_account_webhook_gateway import ReceiveAccountWebhookGateway
from ...models.webhook_accepted import WebhookAccepted
from ...types import Response


def _get_kwargs(
    gateway: ReceiveAccountWebhookGateway,
    account_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/{gateway}/{account_id}".format(
            gateway=quote(str(gateway), safe=""),
            account_id=quote(str(account_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | HTTPValidationError | WebhookAccepted | None:
    if response.status_code == 200:
        response_200 = WebhookAccepted.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorEnvelope.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorEnvelope.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = ErrorEnvelope.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    gateway: ReceiveAccountWebhookGateway,
    account_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]:
    """Receive Account Webhook

     A notification for a merchant's own gateway account (the `webhook_url` of
    `POST /gateway-accounts`): verified with that account's secret only, and matched only to
    payment links made with that account.

    Args:
        gateway (ReceiveAccountWebhookGateway):
        account_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]
    """

    kwargs = _get_kwargs(
        gateway=gateway,
        account_id=account_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    gateway: ReceiveAccountWebhookGateway,
    account_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorEnvelope | HTTPValidationError | WebhookAccepted | None:
    """Receive Account Webhook

     A notification for a merchant's own gateway account (the `webhook_url` of
    `POST /gateway-accounts`): verified with that account's secret only, and matched only to
    payment links made with that account.

    Args:
        gateway (ReceiveAccountWebhookGateway):
        account_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | WebhookAccepted
    """

    return sync_detailed(
        gateway=gateway,
        account_id=account_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    gateway: ReceiveAccountWebhookGateway,
    account_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]:
    """Receive Account Webhook

     A notification for a merchant's own gateway account (the `webhook_url` of
    `POST /gateway-accounts`): verified with that account's secret only, and matched only to
    payment links made with that account.

    Args:
        gateway (ReceiveAccountWebhookGateway):
        account_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]
    """

    kwargs = _get_kwargs(
        gateway=gateway,
        account_id=account_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    gateway: ReceiveAccountWebhookGateway,
    account_id: str,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorEnvelope | HTTPValidationError | WebhookAccepted | None:
    """Receive Account Webhook

     A notification for a merchant's own gateway account (the `webhook_url` of
    `POST /gateway-accounts`): verified with that account's secret only, and matched only to
    payment links made with that account.

    Args:
        gateway (ReceiveAccountWebhookGateway):
        account_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | WebhookAccepted
    """

    return (
        await asyncio_detailed(
            gateway=gateway,
            account_id=account_id,
            client=client,
        )
    ).parsed
