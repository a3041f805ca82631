from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.financial_report import FinancialReport
from ...types import UNSET, Response


def _get_kwargs(
    *,
    start_date: str,
    end_date: str,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["start_date"] = start_date

    params["end_date"] = end_date

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/reports/financial",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | FinancialReport | None:
    if response.status_code == 200:
        response_200 = FinancialReport.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorEnvelope.from_dict(response.json())

        return response_400

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
) -> Response[ErrorEnvelope | FinancialReport]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    start_date: str,
    end_date: str,
) -> Response[ErrorEnvelope | FinancialReport]:
    """Financial Report

     The tenant's invoices created in the range (excluding draft and cancelled), one section
    per currency with tax by rate and category and service fees by gateway.

    Args:
        start_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100
        end_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | FinancialReport]
    """

    kwargs = _get_kwargs(
        start_date=start_date,
        end_date=end_date,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    start_date: str,
    end_date: str,
) -> ErrorEnvelope | FinancialReport | None:
    """Financial Report

     The tenant's invoices created in the range (excluding draft and cancelled), one section
    per currency with tax by rate and category and service fees by gateway.

    Args:
        start_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100
        end_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | FinancialReport
    """

    return sync_detailed(
        client=client,
        start_date=start_date,
        end_date=end_date,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    start_date: str,
    end_date: str,
) -> Response[ErrorEnvelope | FinancialReport]:
    """Financial Report

     The tenant's invoices created in the range (excluding draft and cancelled), one section
    per currency with tax by rate and category and service fees by gateway.

    Args:
        start_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100
        end_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | FinancialReport]
    """

    kwargs = _get_kwargs(
        start_date=start_date,
        end_date=end_date,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    start_date: str,
    end_date: str,
) -> ErrorEnvelope | FinancialReport | None:
    """Financial Report

     The tenant's invoices created in the range (excluding draft and cancelled), one section
    per currency with tax by rate and category and service fees by gateway.

    Args:
        start_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100
        end_date (str): YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | FinancialReport
    """

    return (
        await asyncio_detailed(
            client=client,
            start_date=start_date,
            end_date=end_date,
        )
    ).parsed
