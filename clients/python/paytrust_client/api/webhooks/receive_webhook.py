from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.http_validation_error import HTTPValidationError
from ...models.receive_webhook_gateway import ReceiveWebhookGateway
from ...models.webhook_accepted import WebhookAccepted
from ...types import Response


def _get_kwargs(
    gateway: ReceiveWebhookGateway,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/webhooks/{gateway}".format(
            gateway=quote(str(gateway), safe=""),
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
    gateway: ReceiveWebhookGateway,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]:
    """Receive Webhook

     A gateway notification for the platform account. Verified (Xendit `x-callback-token`,
    Midtrans `signature_key`), then handed to a durable `WebhookWorkflow` and answered 200
    before processing finishes; the workflow confirms it with the gateway before anything
    changes. A duplicate delivery of the same event is answered 200 and has no second effect.

    Args:
        gateway (ReceiveWebhookGateway):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]
    """

    kwargs = _get_kwargs(
        gateway=gateway,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    gateway: ReceiveWebhookGateway,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorEnvelope | HTTPValidationError | WebhookAccepted | None:
    """Receive Webhook

     A gateway notification for the platform account. Verified (Xendit `x-callback-token`,
    Midtrans `signature_key`), then handed to a durable `WebhookWorkflow` and answered 200
    before processing finishes; the workflow confirms it with the gateway before anything
    changes. A duplicate delivery of the same event is answered 200 and has no second effect.

    Args:
        gateway (ReceiveWebhookGateway):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | WebhookAccepted
    """

    return sync_detailed(
        gateway=gateway,
        client=client,
    ).parsed


async def asyncio_detailed(
    gateway: ReceiveWebhookGateway,
    *,
    client: AuthenticatedClient | Client,
) -> Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]:
    """Receive Webhook

     A gateway notification for the platform account. Verified (Xendit `x-callback-token`,
    Midtrans `signature_key`), then handed to a durable `WebhookWorkflow` and answered 200
    before processing finishes; the workflow confirms it with the gateway before anything
    changes. A duplicate delivery of the same event is answered 200 and has no second effect.

    Args:
        gateway (ReceiveWebhookGateway):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | WebhookAccepted]
    """

    kwargs = _get_kwargs(
        gateway=gateway,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    gateway: ReceiveWebhookGateway,
    *,
    client: AuthenticatedClient | Client,
) -> ErrorEnvelope | HTTPValidationError | WebhookAccepted | None:
    """Receive Webhook

     A gateway notification for the platform account. Verified (Xendit `x-callback-token`,
    Midtrans `signature_key`), then handed to a durable `WebhookWorkflow` and answered 200
    before processing finishes; the workflow confirms it with the gateway before anything
    changes. A duplicate delivery of the same event is answered 200 and has no second effect.

    Args:
        gateway (ReceiveWebhookGateway):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | WebhookAccepted
    """

    return (
        await asyncio_detailed(
            gateway=gateway,
            client=client,
        )
    ).parsed
