from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.http_validation_error import HTTPValidationError
from ...models.invoice_out import InvoiceOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    invoice_id: int,
    *,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/invoices/{invoice_id}/sync".format(
            invoice_id=quote(str(invoice_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | HTTPValidationError | InvoiceOut | None:
    if response.status_code == 200:
        response_200 = InvoiceOut.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = ErrorEnvelope.from_dict(response.json())

        return response_409

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
) -> Response[ErrorEnvelope | HTTPValidationError | InvoiceOut]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | HTTPValidationError | InvoiceOut]:
    """Sync Invoice

     Ask the gateway about each live payment link of the invoice now and apply a payment it
    confirms (exactly once, like a notification), then answer with the invoice. Call it when
    your customer lands on your success page. The invoice's workflow also does this by itself
    (about +1 min, +5 min, +15 min, +1 h after a link is made, then every 6 h), so a lost
    notification delays a payment by a minute. Merchant key (its own invoices) or admin key;
    rate-limited per invoice (429).

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | InvoiceOut]
    """

    kwargs = _get_kwargs(
        invoice_id=invoice_id,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | HTTPValidationError | InvoiceOut | None:
    """Sync Invoice

     Ask the gateway about each live payment link of the invoice now and apply a payment it
    confirms (exactly once, like a notification), then answer with the invoice. Call it when
    your customer lands on your success page. The invoice's workflow also does this by itself
    (about +1 min, +5 min, +15 min, +1 h after a link is made, then every 6 h), so a lost
    notification delays a payment by a minute. Merchant key (its own invoices) or admin key;
    rate-limited per invoice (429).

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | InvoiceOut
    """

    return sync_detailed(
        invoice_id=invoice_id,
        client=client,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | HTTPValidationError | InvoiceOut]:
    """Sync Invoice

     Ask the gateway about each live payment link of the invoice now and apply a payment it
    confirms (exactly once, like a notification), then answer with the invoice. Call it when
    your customer lands on your success page. The invoice's workflow also does this by itself
    (about +1 min, +5 min, +15 min, +1 h after a link is made, then every 6 h), so a lost
    notification delays a payment by a minute. Merchant key (its own invoices) or admin key;
    rate-limited per invoice (429).

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | HTTPValidationError | InvoiceOut]
    """

    kwargs = _get_kwargs(
        invoice_id=invoice_id,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | HTTPValidationError | InvoiceOut | None:
    """Sync Invoice

     Ask the gateway about each live payment link of the invoice now and apply a payment it
    confirms (exactly once, like a notification), then answer with the invoice. Call it when
    your customer lands on your success page. The invoice's workflow also does this by itself
    (about +1 min, +5 min, +15 min, +1 h after a link is made, then every 6 h), so a lost
    notification delays a payment by a minute. Merchant key (its own invoices) or admin key;
    rate-limited per invoice (429).

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | HTTPValidationError | InvoiceOut
    """

    return (
        await asyncio_detailed(
            invoice_id=invoice_id,
            client=client,
            idempotency_key=idempotency_key,
        )
    ).parsed
