import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_envelope import ErrorEnvelope
from ...models.page_audit_entry import PageAuditEntry
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    start_date: datetime.datetime | None | Unset = UNSET,
    end_date: datetime.datetime | None | Unset = UNSET,
    api_key_id: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_start_date: None | str | Unset
    if isinstance(start_date, Unset):
        json_start_date = UNSET
    elif isinstance(start_date, datetime.datetime):
        json_start_date = start_date.isoformat()
    else:
        json_start_date = start_date
    params["start_date"] = json_start_date

    json_end_date: None | str | Unset
    if isinstance(end_date, Unset):
        json_end_date = UNSET
    elif isinstance(end_date, datetime.datetime):
        json_end_date = end_date.isoformat()
    else:
        json_end_date = end_date
    params["end_date"] = json_end_date

    json_api_key_id: int | None | Unset
    if isinstance(api_key_id, Unset):
        json_api_key_id = UNSET
    else:
        json_api_key_id = api_key_id
    params["api_key_id"] = json_api_key_id

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
        "url": "/api-keys/audit",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorEnvelope | PageAuditEntry | None:
    if response.status_code == 200:
        response_200 = PageAuditEntry.from_dict(response.json())

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorEnvelope | PageAuditEntry]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    start_date: datetime.datetime | None | Unset = UNSET,
    end_date: datetime.datetime | None | Unset = UNSET,
    api_key_id: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | PageAuditEntry]:
    """List Audit Log

     Key lifecycle and use: created, rotated, revoked, used (once a minute), auth_failed;
    newest first.

    Args:
        start_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        end_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        api_key_id (int | None | Unset):
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PageAuditEntry]
    """

    kwargs = _get_kwargs(
        start_date=start_date,
        end_date=end_date,
        api_key_id=api_key_id,
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
    start_date: datetime.datetime | None | Unset = UNSET,
    end_date: datetime.datetime | None | Unset = UNSET,
    api_key_id: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | PageAuditEntry | None:
    """List Audit Log

     Key lifecycle and use: created, rotated, revoked, used (once a minute), auth_failed;
    newest first.

    Args:
        start_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        end_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        api_key_id (int | None | Unset):
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PageAuditEntry
    """

    return sync_detailed(
        client=client,
        start_date=start_date,
        end_date=end_date,
        api_key_id=api_key_id,
        page=page,
        page_size=page_size,
        limit=limit,
        starting_after=starting_after,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    start_date: datetime.datetime | None | Unset = UNSET,
    end_date: datetime.datetime | None | Unset = UNSET,
    api_key_id: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> Response[ErrorEnvelope | PageAuditEntry]:
    """List Audit Log

     Key lifecycle and use: created, rotated, revoked, used (once a minute), auth_failed;
    newest first.

    Args:
        start_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        end_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        api_key_id (int | None | Unset):
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorEnvelope | PageAuditEntry]
    """

    kwargs = _get_kwargs(
        start_date=start_date,
        end_date=end_date,
        api_key_id=api_key_id,
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
    start_date: datetime.datetime | None | Unset = UNSET,
    end_date: datetime.datetime | None | Unset = UNSET,
    api_key_id: int | None | Unset = UNSET,
    page: int | None | Unset = UNSET,
    page_size: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    starting_after: None | str | Unset = UNSET,
) -> ErrorEnvelope | PageAuditEntry | None:
    """List Audit Log

     Key lifecycle and use: created, rotated, revoked, used (once a minute), auth_failed;
    newest first.

    Args:
        start_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        end_date (datetime.datetime | None | Unset): YYYY-MM-DD or ISO 8601
        api_key_id (int | None | Unset):
        page (int | None | Unset): 1-based page number (offset paging)
        page_size (int | None | Unset): Items per page, default 50
        limit (int | None | Unset): Items per call (cursor paging); use with `starting_after`
        starting_after (None | str | Unset): The `next_cursor` of the previous call: the walk
            continues after it

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorEnvelope | PageAuditEntry
    """

    return (
        await asyncio_detailed(
            client=client,
            start_date=start_date,
            end_date=end_date,
            api_key_id=api_key_id,
            page=page,
            page_size=page_size,
            limit=limit,
            starting_after=starting_after,
        )
    ).parsed
