"""The SSRF guard: with `WEBHOOK_ALLOW_PRIVATE_URLS=false` (production) a webhook URL must be
http(s) and every address its host resolves to must be public: not loopback, private,
link-local (cloud metadata 169.254.169.254), multicast, reserved or unspecified. Checked when
an endpoint is registered or changed, and again before every delivery (DNS can change)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

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


async def check_url(url: str, *, allow_private: bool) -> None:
    """Raise UnsafeUrl if deliveries to `url` are not allowed."""
    host, port = parse_url(url)
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeUrl(f"url host {host!r} does not resolve") from None
    addresses = {info[4][0] for info in infos}
    if not addresses or any(_blocked(str(a)) for a in addresses):
        raise UnsafeUrl("url resolves to a loopback, private, link-local or metadata address")
