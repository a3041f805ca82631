from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.adjust_installments_request import AdjustInstallmentsRequest
from ...models.error_envelope import ErrorEnvelope
from ...models.installment_list import InstallmentList
from ...types import Response


def _get_kwargs(
    invoice_id: int,
    *,
    body: AdjustInstallmentsRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/invoices/{invoice_id}/installments".format(
            invoice_id=quote(str(invoice_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | InstallmentList | None:
    if response.status_code == 200:
        response_200 = InstallmentList.from_dict(response.json())

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
) -> Response[ErrorEnvelope | InstallmentList]:
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
    body: AdjustInstallmentsRequest,
) -> Response[ErrorEnvelope | InstallmentList]:
    """Adjust Installments

     Change amounts and due dates of unpaid installments; the unpaid amounts must sum to
    the remaining balance. Runs as a workflow update, so it cannot race a payment.

    Args:
        invoice_id (int): Resource id
        body (AdjustInstallmentsRequest): PATCH /invoices/{id}/installments: new amounts and due
            dates of unpaid installments.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | InstallmentList]
    """

    kwargs = _get_kwargs(
        invoice_id=invoice_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    body: AdjustInstallmentsRequest,
) -> ErrorEnvelope | InstallmentList | None:
    """Adjust Installments

     Change amounts and due dates of unpaid installments; the unpaid amounts must sum to
    the remaining balance. Runs as a workflow update, so it cannot race a payment.

    Args:
        invoice_id (int): Resource id
        body (AdjustInstallmentsRequest): PATCH /invoices/{id}/installments: new amounts and due
            dates of unpaid installments.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | InstallmentList
    """

    return sync_detailed(
        invoice_id=invoice_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    body: AdjustInstallmentsRequest,
) -> Response[ErrorEnvelope | InstallmentList]:
    """Adjust Installments

     Change amounts and due dates of unpaid installments; the unpaid amounts must sum to
    the remaining balance. Runs as a workflow update, so it cannot race a payment.

    Args:
        invoice_id (int): Resource id
        body (AdjustInstallmentsRequest): PATCH /invoices/{id}/installments: new amounts and due
            dates of unpaid installments.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | InstallmentList]
    """

    kwargs = _get_kwargs(
        invoice_id=invoice_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    invoice_id: int,
    *,
    client: AuthenticatedClient,
    body: AdjustInstallmentsRequest,
) -> ErrorEnvelope | InstallmentList | None:
    """Adjust Installments

     Change amounts and due dates of unpaid installments; the unpaid amounts must sum to
    the remaining balance. Runs as a workflow update, so it cannot race a payment.

    Args:
        invoice_id (int): Resource id
        body (AdjustInstallmentsRequest): PATCH /invoices/{id}/installments: new amounts and due
            dates of unpaid installments.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | InstallmentList
    """

    return (
        await asyncio_detailed(
            invoice_id=invoice_id,
            client=client,
            body=body,
        )
    ).parsed
