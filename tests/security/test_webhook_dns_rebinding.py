"""DNS rebinding (notify/urlguard.py): a delivery connects to the address the SSRF guard
checked, never resolving the host again. Real sockets and a real httpx client; the only
seam is the guard's resolver, replaced by one that answers differently on its second call
(as a rebinding DNS server would)."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from notify.urlguard import UnsafeUrl, pin_url, post_checked

HOST = "merchant.test"  # resolvable only through the injected resolver


class RebindingResolver:
    """First answer `first`, every later answer `then`; counts the questions."""

    def __init__(self, first: list[str], then: list[str]) -> None:
        self.first, self.then, self.calls = first, then, 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return self.first if self.calls == 1 else self.then


class Listener:
    """A raw HTTP/1.1 server on one address: records the request heads it got, answers 200."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        await reader.readexactly(length)
        self.requests.append(head)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def start(self, host: str, port: int, tls: ssl.SSLContext | None = None) -> int:
        self.server = await asyncio.start_server(self._serve, host, port, ssl=tls)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def _pair(tls: ssl.SSLContext | None = None) -> tuple[Listener, Listener, int]:
    """Listeners on 127.0.0.1 and 127.0.0.2, same port (the rebinding target differs only in
    address)."""
    for _ in range(20):
        checked, other = Listener(), Listener()
        port = await checked.start("127.0.0.1", 0, tls)
        try:
            await other.start("127.0.0.2", port, tls)
        except OSError:
            await checked.stop()
            continue
        return checked, other, port
    pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")


async def test_the_delivery_goes_to_the_checked_address_not_the_rebound_one():
    checked, rebound, port = await _pair()
    resolver = RebindingResolver(["127.0.0.1"], ["127.0.0.2"])
    try:
        async with httpx.AsyncClient(follow_redirects=False) as http:
            response = await post_checked(
                http,
                f"http://{HOST}:{port}/hook?x=1",
                content=b"{}",
                headers={"content-type": "application/json"},
                allow_private=True,
                resolver=resolver,
            )
    finally:
        await checked.stop()
        await rebound.stop()
    assert response.status_code == 200
    assert resolver.calls == 1  # the client never resolved the name itself
    assert rebound.requests == []
    assert len(checked.requests) == 1
    head = checked.requests[0].decode()
    assert head.startswith("POST /hook?x=1 HTTP/1.1\r\n")
    assert f"\r\nHost: {HOST}:{port}\r\n" in head


async def test_in_production_a_rebinding_to_loopback_is_refused_or_pinned():
    listener = Listener()
    port = await listener.start("127.0.0.1", 0)
    try:
        async with httpx.AsyncClient(follow_redirects=False) as http:
            # Loopback at the check: refused, nothing connects.
            with pytest.raises(UnsafeUrl):
                await post_checked(
                    http,
                    f"http://{HOST}:{port}/hook",
                    content=b"{}",
                    headers={},
                    allow_private=False,
                    resolver=RebindingResolver(["127.0.0.1"], ["127.0.0.1"]),
                )
            # Any blocked address among the answers: refused.
            with pytest.raises(UnsafeUrl):
                await pin_url(
                    f"http://{HOST}:{port}/hook",
                    allow_private=False,
                    resolver=RebindingResolver(["93.184.215.14", "127.0.0.1"], []),
                )
    finally:
        await listener.stop()
    assert listener.requests == []
    # Public at the check, loopback afterwards: the request is aimed at the public address
    # that was checked (the second answer is never asked for).
    resolver = RebindingResolver(["93.184.215.14"], ["127.0.0.1"])
    pinned = await pin_url(f"https://{HOST}/hook", allow_private=False, resolver=resolver)
    assert pinned.url == "https://93.184.215.14:443/hook"
    assert pinned.headers == {"Host": HOST, "Connection": "close"}
    assert pinned.extensions == {"sni_hostname": HOST}
    assert resolver.calls == 1
    v6 = await pin_url(
        f"http://{HOST}:8080/h",
        allow_private=False,
        resolver=RebindingResolver(["2606:2800:220:1:248:1893:25c8:1946"], []),
    )
    assert v6.url == "http://[2606:2800:220:1:248:1893:25c8:1946]:8080/h"
    assert v6.headers == {"Host": f"{HOST}:8080"}


def _tls(tmp_path: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A self-signed certificate for `name`: (server context, client context trusting it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


async def test_https_keeps_sni_and_certificate_verification_for_the_hostname(tmp_path):
    server_tls, client_tls = _tls(tmp_path, HOST)
    checked, rebound, port = await _pair(server_tls)
    try:
        async with httpx.AsyncClient(verify=client_tls, follow_redirects=False) as http:
            # The certificate names merchant.test, not 127.0.0.1: this verifies only because
            # SNI and the hostname check use the original host.
            response = await post_checked(
                http,
                f"https://{HOST}:{port}/hook",
                content=b"{}",
                headers={},
                allow_private=True,
                resolver=RebindingResolver(["127.0.0.1"], ["127.0.0.2"]),
            )
            assert response.status_code == 200
            # A URL whose host the certificate does not name fails verification.
            with pytest.raises(httpx.ConnectError, match="certificate"):
                await post_checked(
                    http,
                    f"https://other.test:{port}/hook",
                    content=b"{}",
                    headers={},
                    allow_private=True,
                    resolver=RebindingResolver(["127.0.0.1"], ["127.0.0.2"]),
                )
    finally:
        await checked.stop()
        await rebound.stop()
    assert len(checked.requests) == 1 and rebound.requests == []
    assert f"\r\nHost: {HOST}:{port}\r\n" in checked.requests[0].decode()
