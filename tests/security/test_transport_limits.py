"""Headers and bodies as an attacker sends them (issue 12): forged X-Forwarded-For, raw bytes
in X-Request-ID, a chunked body over the limit, a body that stalls. Over real HTTP to the api
under uvicorn."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable

import httpx
import pytest

from tests.security.hardening_support import (
    assert_client_error,
    auth_failures,
    flood,
    new_merchant,
    scalar,
    served_api,
    tenant_state,
    webhook_event_count,
)


async def raw_http(base_url: str, request: bytes, *, read_timeout: float = 10) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), read_timeout)
    finally:
        writer.close()


async def test_raw_bytes_in_x_request_id_are_not_echoed(api_url):
    request = (
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Request-ID: evil\xff\xfe\xc3\r\n"
        b"Connection: close\r\n\r\n"
    )
    answer = await raw_http(api_url, request)
    head = answer.split(b"\r\n\r\n", 1)[0]
    assert head.startswith(b"HTTP/1.1 200"), head
    echoed = [line for line in head.split(b"\r\n") if line.lower().startswith(b"x-request-id:")]
    assert len(echoed) == 1 and b"evil" not in echoed[0], head
    value = echoed[0].split(b":", 1)[1].strip()
    assert all(0x21 <= byte <= 0x7E for byte in value), value


@pytest.mark.parametrize("value", ["has space", "x" * 129, "tab\there"])
async def test_malformed_request_ids_are_replaced(client, value):
    response = await client.get("/health", headers={"X-Request-ID": value})
    assert response.headers["x-request-id"] != value


async def test_printable_request_id_is_echoed(client):
    response = await client.get("/health", headers={"X-Request-ID": "req-ABC_123.x/y"})
    assert response.headers["x-request-id"] == "req-ABC_123.x/y"


async def test_a_chunked_body_over_the_limit_is_413(api_url, merchant, database_url):
    before = await tenant_state(database_url, merchant["tenant_id"])

    async def chunks():
        for _ in range(20):
            yield b"x" * 65536  # 1.25 MiB in all, no Content-Length

    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        response = await http.post(
            "/invoices",
            content=chunks(),
            headers={**merchant["headers"], "content-type": "application/json"},
        )
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert_client_error(response, 413)
    assert await tenant_state(database_url, merchant["tenant_id"]) == before


async def test_a_body_over_the_limit_with_content_length_is_413(api_url, merchant):
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        response = await http.post(
            "/invoices", content=b"x" * (1024 * 1024 + 1), headers=merchant["headers"]
        )
    assert_client_error(response, 413)


async def test_a_stalled_body_times_out(settings, database_url, temporal_address):
    quick = settings.model_copy(update={"request_body_timeout_seconds": 1.0})
    async with served_api(quick) as (_, base_url):
        request = (
            b"POST /invoices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 500\r\nConnection: close\r\n\r\n{"external_id":'
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        answer = await raw_http(base_url, request, read_timeout=10)
        elapsed = loop.time() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"request_timeout" in answer
    assert elapsed < 5, elapsed


async def test_forged_forwarded_for_from_an_untrusted_peer_is_ignored(
    settings, client, admin_headers, database_url
):
    """Default settings trust no proxy: X-Forwarded-For cannot change the address that the
    unverified-webhook throttle counts, so rotating it does not reset the limit."""
    before = await webhook_event_count(database_url, "xendit")

    def forged(http: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        return http.post(
            "/webhooks/xendit",
            content=json.dumps({"id": f"forged-{uuid.uuid4().hex}", "n": n}).encode(),
            headers={"x-callback-token": "wrong", "X-Forwarded-For": f"10.9.{n}.1"},
        )

    statuses = await flood(settings, settings.webhook_unverified_per_minute + 5, forged)
    assert statuses[-1] == 429, statuses
    # Only the throttled budget was written (a row per distinct rejected body, no more).
    written = await webhook_event_count(database_url, "xendit") - before
    assert written <= settings.webhook_unverified_per_minute


async def test_trusted_proxy_forwarded_for_is_validated(
    settings, client, admin_headers, database_url
):
    """From a configured proxy an over-long or non-address X-Forwarded-For is not an address:
    the audit row gets the proxy's address, never a 500."""
    trusted = settings.model_copy(update={"forwarded_allow_ips": "127.0.0.1"})
    merchant = await new_merchant(client, admin_headers, f"t-{uuid.uuid4().hex[:12]}")
    bad_key = merchant["key"][:-4] + "AAAA"
    async with served_api(trusted) as (_, base_url), httpx.AsyncClient(base_url=base_url) as http:
        for forwarded in ("1" * 100, "not-an-ip", "203.0.113.7, " + "f" * 60):
            response = await http.get(
                "/invoices", headers={"X-API-Key": bad_key, "X-Forwarded-For": forwarded}
            )
            assert_client_error(response, 401)
        ok = await http.get(
            "/invoices", headers={"X-API-Key": merchant["key"], "X-Forwarded-For": "203.0.113.9"}
        )
        assert ok.status_code == 200, ok.text
    assert await auth_failures(database_url, merchant["id"]) >= 1

    addresses = await scalar(
        database_url,
        "SELECT GROUP_CONCAT(DISTINCT ip_address) FROM api_key_audit_log WHERE api_key_id = :id",
        id=merchant["id"],
    )
    assert set(str(addresses).split(",")) <= {"127.0.0.1", "203.0.113.9"}, addresses
    assert "203.0.113.9" in str(addresses)


def test_a_trusted_proxy_forwards_the_client_address():
    from api.middleware import TrustedProxies

    proxies = TrustedProxies("127.0.0.1, 10.0.0.0/8")
    assert proxies.client_address("127.0.0.1", "198.51.100.1, 10.1.2.3") == "198.51.100.1"
    assert proxies.client_address("127.0.0.1", "198.51.100.1, 203.0.113.5") == "203.0.113.5"
    assert proxies.client_address("192.0.2.1", "198.51.100.1") == "192.0.2.1"
    assert proxies.client_address("127.0.0.1", "x" * 100) == "127.0.0.1"
    assert TrustedProxies("").client_address("127.0.0.1", "198.51.100.1") == "127.0.0.1"
    # "*": the peer is the proxy; what the client prepended itself is not believed.
    everyone = TrustedProxies("*")
    assert everyone.client_address("10.0.0.5", "6.6.6.6, 198.51.100.1") == "198.51.100.1"
    assert everyone.client_address("10.0.0.5", "6.6.6.6, junk") == "10.0.0.5"
