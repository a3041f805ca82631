from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.refund_create import RefundCreate
from ...models.refund_out import RefundOut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    invoice_id: int,
    *,
    body: RefundCreate,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/invoices/{invoice_id}/refunds".format(
            invoice_id=quote(str(invoice_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | RefundOut | None:
    if response.status_code == 201:
        response_201 = RefundOut.from_dict(response.json())

        return response_201

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

    if response.status_code == 413:
        response_413 = ErrorEnvelope.from_dict(response.json())

        return response_413

    if response.status_code == 422:
        response_422 = ErrorEnvelope.from_dict(response.json())

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
) -> Response[ErrorEnvelope | RefundOut]:
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
    body: RefundCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | RefundOut]:
    """Create Refund

     Refund the invoice's payments (all that is refundable when `amount` is left out):
    201 with the refund, `pending` until the gateway confirms, or `succeeded` when it confirms
    at once. Refundable = paid − refunded − pending refunds; the refund is drawn from the paid
    payments newest first, each at most what is left of it. Works for any invoice that was paid,
    also after it closed. With an `Idempotency-Key`, a retry returns the same refund.

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):
        body (RefundCreate): A refund of the invoice's payments. `amount` left out: everything
            refundable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RefundOut]
    """

    kwargs = _get_kwargs(
        invoice_id=invoice_id,
        body=body,
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
    body: RefundCreate,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | RefundOut | None:
    """Create Refund

     Refund the invoice's payments (all that is refundable when `amount` is left out):
    201 with the refund, `pending` until the gateway confirms, or `succeeded` when it confirms
    at once. Refundable = paid − refunded − pending refunds; the refund is drawn from the paid
    payments newest first, each at most what is left of it. Works for any invoice that was paid,
    also after it closed. With an `Idempotency-Key`, a retry returns the same refund.

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):
        body (RefundCreate): A refund of the invoice's payments. `amount` left out: everything
            refundable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RefundOut
    """

    return sync_detailed(
        invoice_id=invoice_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    body: RefundCreate,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorEnvelope | RefundOut]:
    """Create Refund

     Refund the invoice's payments (all that is refundable when `amount` is left out):
    201 with the refund, `pending` until the gateway confirms, or `succeeded` when it confirms
    at once. Refundable = paid − refunded − pending refunds; the refund is drawn from the paid
    payments newest first, each at most what is left of it. Works for any invoice that was paid,
    also after it closed. With an `Idempotency-Key`, a retry returns the same refund.

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):
        body (RefundCreate): A refund of the invoice's payments. `amount` left out: everything
            refundable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | RefundOut]
    """

    kwargs = _get_kwargs(
        invoice_id=invoice_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    body: RefundCreate,
    idempotency_key: str | Unset = UNSET,
) -> ErrorEnvelope | RefundOut | None:
    """Create Refund

     Refund the invoice's payments (all that is refundable when `amount` is left out):
    201 with the refund, `pending` until the gateway confirms, or `succeeded` when it confirms
    at once. Refundable = paid − refunded − pending refunds; the refund is drawn from the paid
    payments newest first, each at most what is left of it. Works for any invoice that was paid,
    also after it closed. With an `Idempotency-Key`, a retry returns the same refund.

    Args:
        invoice_id (int): Resource id
        idempotency_key (str | Unset):
        body (RefundCreate): A refund of the invoice's payments. `amount` left out: everything
            refundable.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | RefundOut
    """

    return (
        await asyncio_detailed(
            invoice_id=invoice_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
