"""The HTTP plumbing both gateway clients share: one pooled `httpx.AsyncClient`, Basic auth with
the secret key as user name and an empty password, and transport failures mapped to
`GatewayUnavailable`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import httpx

from contracts.gateway_events import GatewayName
from gateways.base import GatewayUnavailable, json_dumps

DEFAULT_TIMEOUT_SECONDS = 10.0


def build_http_client(
    secret_key: str, timeout_seconds: float, *, base_url: str = "", max_connections: int = 20
) -> httpx.AsyncClient:
    """One pooled client per gateway; `Authorization: Basic base64(key + ":")` on every call."""
    if timeout_seconds <= 0:
        raise ValueError("timeout_seconds must be positive")
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"),
        auth=httpx.BasicAuth(secret_key, ""),
        timeout=httpx.Timeout(timeout_seconds),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=10),
        headers={"Accept": "application/json", "User-Agent": "PayTrust/0.1"},
    )


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    gateway: GatewayName,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """Send one request; timeouts and connection errors become `GatewayUnavailable`.

    Status codes are left to the caller, which knows the gateway's error shape.
    """
    request_headers = dict(headers or {})
    content: bytes | None = None
    if body is not None:
        content = json_dumps(body)
        request_headers["Content-Type"] = "application/json"
    try:
        try:
            return await client.request(method, url, content=content, headers=request_headers)
        except httpx.RemoteProtocolError:
            # A pooled keep-alive connection the server had just closed: the request never
            # reached it. A read is safe to send again once, on a fresh connection.
            if method != "GET":
                raise
            return await client.request(method, url, content=content, headers=request_headers)
    except httpx.TimeoutException as exc:
        raise GatewayUnavailable(
            f"{gateway} did not answer {method} {url} in time ({type(exc).__name__})",
            gateway=gateway,
        ) from None
    except httpx.TransportError as exc:
        raise GatewayUnavailable(
            f"{gateway} could not be reached for {method} {url} ({type(exc).__name__})",
            gateway=gateway,
        ) from None


def response_json(response: httpx.Response) -> Any:
    """The body as JSON (floats as Decimal), or None when it is not JSON."""
    try:
        return json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return None
