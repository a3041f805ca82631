"""ASGI middleware: request ids, access logs and metrics, body size limit, idempotency keys."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import timedelta
from typing import Any

from api.errors import error_response, is_dependency_outage, unexpected_error_response
from db.engine import SessionFactory, transaction
from db.idempotency import IdempotencyRepository
from domain.timeutil import to_naive_utc, utcnow
from observability.context import request_id_var, tenant_var
from observability.metrics import HTTP_LATENCY, HTTP_REQUESTS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("paytrust.access")
logger = logging.getLogger("paytrust.api")


PROBE_PATHS = frozenset({"/health", "/ready", "/metrics"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


# A client's X-Request-ID is echoed only if it is 1..128 printable ASCII characters (no
# spaces, no control or raw bytes: it lands in logs and response headers).
_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,128}")


def request_id_for(incoming: str | None) -> str:
    """The request's id: the client's if it is well formed, else a new one."""
    if incoming is not None and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """`FORWARDED_ALLOW_IPS`: the peers whose `X-Forwarded-For` is believed. Comma-separated
    addresses or networks, or `*` (every peer: only when nothing but the proxy can reach the
    api). Empty (the default) trusts nobody: the peer address is the client."""

    def __init__(self, setting: str) -> None:
        entries = [part.strip() for part in setting.split(",") if part.strip()]
        self.any = "*" in entries
        self.networks: list[IPNetwork] = [
            ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"
        ]

    def _listed(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def trusts(self, address: str) -> bool:
        return self.any or self._listed(address)

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str | None:
        """The client: walking `X-Forwarded-For` from the right (the entry our proxy added)
        past listed proxies, the first entry that is not one. With `*` only the peer is taken
        for a proxy: the client is the entry it added (anything left of it is what the
        client itself sent). An entry that is not an IP address ends the walk: the last hop
        we can vouch for is the client."""
        if peer is None or forwarded_for is None or not self.trusts(peer):
            return peer
        client = peer
        for entry in reversed(forwarded_for.split(",")[-32:]):
            try:
                client = str(ipaddress.ip_address(entry.strip()))
            except ValueError:
                return client
            if not self._listed(client):
                return client
        return client


def resolve_client(scope: Scope, proxies: TrustedProxies) -> None:
    """Rewrite `scope["client"]` to the real client when a trusted proxy forwarded the call."""
    peer = scope.get("client")
    host = peer[0] if peer else None
    resolved = proxies.client_address(host, _header(scope, b"x-forwarded-for"))
    if resolved is not None and resolved != host:
        scope["client"] = (resolved, peer[1] if peer else 0)


class RequestContextMiddleware:
    """X-Request-ID on every response, the client address behind trusted proxies, an access
    log line and metrics per request."""

    def __init__(self, app: ASGIApp, proxies: TrustedProxies | None = None) -> None:
        self.app = app
        self.proxies = proxies or TrustedProxies("")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        resolve_client(scope, self.proxies)
        request_id = request_id_for(_header(scope, b"x-request-id"))
        token = request_id_var.set(request_id)
        tenant_token = tenant_var.set(None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        started_response = False

        async def tracking_send(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
            await send_with_id(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            # Answer here, inside the request's context, so even a 500 has its request id.
            if started_response:
                raise
            response = unexpected_error_response(exc, scope.get("method", ""), scope["path"])
            await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            HTTP_REQUESTS.labels(method, template, str(status)).inc()
            HTTP_LATENCY.labels(method, template).observe(elapsed)
            extra: dict[str, Any] = {
                "status": status,
                "method": method,
                "route": template,
                "duration_ms": round(elapsed * 1000, 2),
            }
            # The path (never the query string, headers or body: they may carry credentials).
            invoice_id = str((scope.get("path_params") or {}).get("invoice_id", ""))
            if invoice_id.isdigit() and len(invoice_id) < 19:
                extra["invoice_id"] = int(invoice_id)
            # Probes answered fine are polled every few seconds: DEBUG, not a line each (they
            # are still counted in the metrics); a failing probe is logged like any request.
            quiet = status < 400 and scope.get("path") in PROBE_PATHS
            log = access_log.debug if quiet else access_log.info
            log("%s %s %s", method, scope.get("path", ""), status, extra=extra)
            tenant_var.reset(tenant_token)
            request_id_var.reset(token)


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


def limited_receive(receive: Receive, max_bytes: int, timeout: float) -> Receive:
    """`receive` that counts the body (BodyTooLarge past `max_bytes`) and gives up on a body
    that stalls for `timeout` seconds between chunks (BodyTimeout). Once the body is complete,
    later calls (waiting for a disconnect) pass through untimed."""
    received = 0
    complete = False

    async def wrapped() -> Message:
        nonlocal received, complete
        if complete:
            return await receive()
        try:
            message = await asyncio.wait_for(receive(), timeout)
        except TimeoutError:
            raise BodyTimeout from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise BodyTooLarge
            complete = not message.get("more_body", False)
        return message

    return wrapped


class BodyLimitMiddleware:
    """413 for bodies over the limit, by Content-Length or by counting the body (chunked or
    not), which is read before the app sees it; 408 for a body that stalls."""

    def __init__(self, app: ASGIApp, max_bytes: int, body_timeout: float = 30.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._reject(scope, receive, send, 413)
            return
        limited = limited_receive(receive, self.max_bytes, self.body_timeout)
        try:
            if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
                # Read here, chunked or not, so "too large" is a 413 and a stall a 408 (inside
                # the app, any failure while reading the body is a parse error).
                limited = _replay(await _read_body(limited), limited)
            await self.app(scope, limited, send)
        except BodyTooLarge:
            await self._reject(scope, receive, send, 413)
        except BodyTimeout:
            await self._reject(scope, receive, send, 408)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, status: int) -> None:
        if status == 408:
            response = error_response(
                408, "request_timeout", f"Request body stalled for {self.body_timeout:g} s"
            )
        else:
            response = error_response(
                413, "payload_too_large", f"Request body exceeds {self.max_bytes} bytes"
            )
        await response(scope, receive, send)


ScopeResolver = Callable[[Scope], Awaitable[str | None]]
# Before a stored answer is replayed: a response to send instead (a 429), or None to replay.
ReplayGuard = Callable[[Scope], Awaitable[ASGIApp | None]]

# Answers that do not decide the request: the same key must be able to try again.
# (409 "in progress" is answered by the claim itself and never stored.)
_UNDECIDED_STATUSES = frozenset({401, 408, 429})


def decides_request(status: int) -> bool:
    """Is `status` the request's outcome, to replay for the same key? 2xx, and 4xx other than
    401 (bad credentials), 408 (timeout) and 429 (rate limited); never a 5xx."""
    return 200 <= status < 300 or (400 <= status < 500 and status not in _UNDECIDED_STATUSES)


SEALED_PREFIX = "sealed:v1:"


class IdempotencyMiddleware:
    """`Idempotency-Key` on POST: the same key and body replay the first response; the same key
    with another body is 409. Keys are scoped to the caller (tenant or admin) and kept
    `ttl` (≥ 24 h). Only answers that decide the request are stored (`decides_request`): after
    a 5xx, 401, 408 or 429 the client may retry with the same key. A replay passes
    `replay_guard` first, so it is rate-limited like any request.
    """

    def __init__(
        self,
        app: ASGIApp,
        sessions: Callable[[], SessionFactory],
        resolve_scope: ScopeResolver,
        ttl: timedelta,
        lease: timedelta = timedelta(seconds=90),
        replay_guard: ReplayGuard | None = None,
        seal: Callable[[str], str] | None = None,
        unseal: Callable[[str], str] | None = None,
    ) -> None:
        self.app = app
        self.replay_guard = replay_guard
        # Stored answers are encrypted at rest: some carry a secret shown once (a new API key,
        # a webhook endpoint's signing secret) and most carry the customer's details.
        self.seal = seal
        self.unseal = unseal
        self.sessions = sessions
        self.resolve_scope = resolve_scope
        self.ttl = ttl
        self.lease = lease

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        if key is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        if not key or len(key) > 255:
            await error_response(
                422, "validation_error", "Idempotency-Key must be 1 to 255 characters"
            )(scope, receive, send)
            return
        body = await _read_body(receive)
        replay_receive = _replay(body, receive)
        caller = await self.resolve_scope(scope)
        if caller is None:  # unauthenticated: let auth answer 401, store nothing
            await self.app(scope, replay_receive, send)
            return
        request_hash = hashlib.sha256(
            b"POST " + scope.get("path", "").encode() + b"\n" + body
        ).hexdigest()
        try:
            claimed = await self._claim(caller, key, scope.get("path", ""), request_hash)
        except Exception as exc:
            if is_dependency_outage(exc):
                await error_response(
                    503, "service_unavailable", "A dependency is temporarily unavailable"
                )(scope, receive, send)
                return
            raise
        if claimed is not None:
            refusal = await self.replay_guard(scope) if self.replay_guard else None
            await (refusal or claimed)(scope, receive, send)
            return
        await self._run_and_store(scope, replay_receive, send, caller, key)

    async def _claim(self, caller: str, key: str, path: str, request_hash: str) -> Any:
        """Insert the key as in progress; or return the response to answer instead."""
        now = utcnow()
        async with transaction(self.sessions()) as session:
            keys = IdempotencyRepository(session, caller)
            existing = await keys.get(key, for_update=True)
            if (
                existing is not None
                and existing.response_status is None
                and existing.request_hash == request_hash
                and existing.created_at <= to_naive_utc(now - self.lease)
            ):
                # The process that claimed it died mid-request (nothing was stored): this retry
                # takes the claim over and runs the request again.
                existing.created_at = to_naive_utc(now)
                return None
            if existing is not None and existing.expires_at <= to_naive_utc(now):
                await keys.remove(existing)
                existing = None
            if existing is None:
                if await keys.try_insert(
                    key,
                    path=path,
                    request_hash=request_hash,
                    created_at=to_naive_utc(now),
                    expires_at=to_naive_utc(now + self.ttl),
                ):
                    return None
                existing = await keys.require(key)  # the key another request just took
        if existing.request_hash != request_hash:
            return error_response(
                409,
                "idempotency_key_reused",
                "Idempotency-Key was already used with a different request",
            )
        if existing.response_status is None:
            return error_response(
                409,
                "idempotency_in_progress",
                "A request with this Idempotency-Key is still being processed; retry shortly",
                headers={"Retry-After": "5"},
            )
        from starlette.responses import Response

        stored = existing.response_body or ""
        if stored.startswith(SEALED_PREFIX):
            if self.unseal is None:
                raise RuntimeError("a sealed idempotent answer and no key to open it")
            try:
                stored = self.unseal(stored.removeprefix(SEALED_PREFIX))
            except Exception:
                # Sealed under a key this process does not hold (rotated away): say so rather
                # than run the request a second time.
                return error_response(
                    409,
                    "idempotency_key_unreadable",
                    "The answer stored for this Idempotency-Key cannot be read; use a new key",
                )
        return Response(
            content=stored,
            status_code=existing.response_status,
            media_type=existing.response_content_type or "application/json",
            headers={"Idempotent-Replayed": "true"},
        )

    async def _run_and_store(
        self, scope: Scope, receive: Receive, send: Send, caller: str, key: str
    ) -> None:
        status = 500
        content_type = "application/json"
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        stored = False
        try:
            await self.app(scope, receive, capture)
            if decides_request(status):
                async with transaction(self.sessions()) as session:
                    row = await IdempotencyRepository(session, caller).require(key)
                    row.response_status = status
                    answer = b"".join(chunks).decode("utf-8", "replace")
                    row.response_body = (
                        SEALED_PREFIX + self.seal(answer) if self.seal is not None else answer
                    )
                    row.response_content_type = content_type
                stored = True
        finally:
            if not stored:
                try:
                    async with transaction(self.sessions()) as session:
                        await IdempotencyRepository(session, caller).release(key)
                except Exception:
                    logger.warning("could not release idempotency key after a failure")


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass through (to see a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


PUBLIC_DOC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


class PublicDocsCorsMiddleware:
    """The OpenAPI document and the docs allow any origin; everything else follows settings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") not in PUBLIC_DOC_PATHS:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"access-control-allow-origin"
                ]
                headers.append((b"access-control-allow-origin", b"*"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cors)


class EdgeMiddleware:
    """The middleware stack folded into one ASGI layer for the common request.

    Installed outermost, it wraps the full chain (request context, docs CORS, CORS, body limit,
    idempotency, then the framework's exception layer and the app). A request that none of the
    inner layers would act on (no body, no `Idempotency-Key`, no `Origin`, not a docs path) goes
    through the request-context layer straight onto the exception layer, with the one header CORS
    adds to every answer (`Vary: Origin`); any other takes the full chain. The answers are the
    same either way; the common one skips four layers.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._fast: ASGIApp | None = None

    def _fast_chain(self) -> ASGIApp:
        from starlette.middleware.cors import CORSMiddleware

        passthrough: tuple[type, ...] = (
            PublicDocsCorsMiddleware,
            CORSMiddleware,
            BodyLimitMiddleware,
            IdempotencyMiddleware,
        )
        outer = self.app
        if not isinstance(outer, RequestContextMiddleware):
            return outer  # not the stack this layer was made for: change nothing
        inner = outer.app
        while isinstance(inner, passthrough):
            inner = inner.app  # type: ignore[attr-defined]
        fast = copy.copy(outer)  # the same settings, another inner app
        fast.app = inner
        return fast

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _plain_request(scope):
            await self.app(scope, receive, send)
            return
        if self._fast is None:
            self._fast = self._fast_chain()

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = []
                vary: list[bytes] = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"vary":
                        vary.append(value)
                    else:
                        headers.append((name, value))
                headers.append((b"vary", b", ".join([*vary, b"Origin"])))
                message["headers"] = headers
            await send(message)

        await self._fast(scope, receive, send_with_vary)


_BODY_OR_ROUTING_HEADERS = frozenset(
    {b"content-length", b"transfer-encoding", b"idempotency-key", b"origin"}
)


def _plain_request(scope: Scope) -> bool:
    if scope.get("path") in PUBLIC_DOC_PATHS:
        return False
    for key, value in scope.get("headers", []):
        name = key.lower()
        if name in _BODY_OR_ROUTING_HEADERS and not (name == b"content-length" and value == b"0"):
            return False
    return True
