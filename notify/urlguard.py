"""The SSRF guard: with `WEBHOOK_ALLOW_PRIVATE_URLS=false` (production) a webhook URL must be
http(s) and every address its host resolves to must be public: not loopback, private,
link-local (cloud metadata 169.254.169.254), multicast, reserved or unspecified. Checked when
an endpoint is registered or changed, and again before every delivery (DNS can change).

A delivery connects to the address that was checked (`pin_url`), never resolving the host a
second time, so DNS rebinding (public at the check, 127.0.0.1 at the connect) cannot redirect
it: the request goes to `http(s)://<checked ip>:<port>/...` with the original `Host` header and,
for https, the original hostname as TLS SNI and for certificate verification. Redirects are not
followed (deliveries/attempt_delivery's client)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

MAX_URL_LENGTH = 2048


class UnsafeUrl(ValueError):
    pass


def parse_url(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL with a host and no credentials; UnsafeUrl otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"url must be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("url is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("url must be http or https")
    if not parts.hostname:
        raise UnsafeUrl("url must have a host")
    if parts.username or parts.password:
        raise UnsafeUrl("url must not carry credentials")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _blocked(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


# (host, port) -> the addresses it resolves to. The default asks the system resolver; tests
# inject their own (tests/security/test_webhook_dns_rebinding.py).
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


async def _checked_addresses(
    host: str, port: int, *, allow_private: bool, resolver: Resolver
) -> list[str]:
    literal = _literal(host)
    try:
        addresses = [literal] if literal else await resolver(host, port)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeUrl(f"url host {host!r} does not resolve") from None
    if not addresses:
        raise UnsafeUrl(f"url host {host!r} does not resolve")
    if not allow_private and any(_blocked(a) for a in addresses):
        raise UnsafeUrl("url resolves to a loopback, private, link-local or metadata address")
    return addresses


async def check_url(url: str, *, allow_private: bool, resolver: Resolver = system_resolver) -> None:
    """Raise UnsafeUrl if deliveries to `url` are not allowed (at registration: with private
    URLs allowed the host is not resolved, so a receiver may be registered before it exists)."""
    host, port = parse_url(url)
    if not allow_private:
        await _checked_addresses(host, port, allow_private=False, resolver=resolver)


@dataclass(frozen=True, slots=True)
class PinnedRequest:
    """What the client sends for one delivery: `url` names the checked address."""

    url: str
    headers: dict[str, str]
    extensions: dict[str, Any] = field(default_factory=dict)


async def pin_url(
    url: str, *, allow_private: bool, resolver: Resolver = system_resolver
) -> PinnedRequest:
    """Resolve `url`'s host once, check every address (unless private URLs are allowed) and
    return the request aimed at the first one; UnsafeUrl if it is not allowed or does not
    resolve. Called before every delivery attempt."""
    host, port = parse_url(url)
    address = (
        await _checked_addresses(host, port, allow_private=allow_private, resolver=resolver)
    )[0]
    parts = urlsplit(url)
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    netloc_host = f"[{ip}]" if ip.version == 6 else str(ip)
    default_port = 443 if parts.scheme == "https" else 80
    host_header = host if _literal(host) is None else netloc_host
    if ":" in host_header and not host_header.startswith("["):
        host_header = f"[{host_header}]"
    if port != default_port:
        host_header = f"{host_header}:{port}"
    pinned = urlunsplit((parts.scheme, f"{netloc_host}:{port}", parts.path, parts.query, ""))
    headers = {"Host": host_header}
    extensions: dict[str, Any] = {}
    if parts.scheme == "https":
        extensions["sni_hostname"] = host
        # The client pools connections by the URL's origin, here the IP: a TLS connection
        # verified for one hostname must not carry another hostname's delivery.
        headers["Connection"] = "close"
    return PinnedRequest(url=pinned, headers=headers, extensions=extensions)


async def post_checked(
    http: httpx.AsyncClient,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    allow_private: bool,
    resolver: Resolver = system_resolver,
) -> httpx.Response:
    """One delivery POST: `pin_url`, then the request to the checked address (the client
    must not follow redirects). UnsafeUrl if the URL is refused; httpx errors as they come."""
    target = await pin_url(url, allow_private=allow_private, resolver=resolver)
    return await http.post(
        target.url,
        content=content,
        headers={**headers, **target.headers},
        extensions=target.extensions,
        follow_redirects=False,
    )
