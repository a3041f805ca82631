"""Test support for the gateway tests: a real webhook receiver, the sandbox as a subprocess,
request builders. No mocks: every exchange is real HTTP on loopback."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from contracts.gateway_events import WebhookEvent
from domain.money import Currency
from domain.timeutil import utcnow
from gateways.base import GatewayError, PaymentItem, PaymentRequest
from gateways.midtrans import parse_midtrans_notification, verify_midtrans_notification
from gateways.xendit import parse_xendit_webhook, verify_xendit_callback

ROOT = Path(__file__).resolve().parents[2]

# Keys of this test run, deliberately not the dev defaults: the sandbox must use what it is given.
XENDIT_KEY = "xnd_development_gateway_tests_key"
XENDIT_TOKEN = "gateway-tests-callback-token"
MIDTRANS_KEY = "SB-Mid-server-gateway-tests"

_invoice_ids = itertools.count(int(time.time()) % 100_000 * 10 + 1)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def payment_request(
    amount: str = "38633",
    currency: Currency = Currency.IDR,
    *,
    installment_number: int | None = None,
    items: list[PaymentItem] | None = None,
    tax: str = "0",
    fee: str = "0",
    minutes: int = 60,
) -> PaymentRequest:
    """A payment request for a fresh invoice id (so references never clash across tests)."""
    return PaymentRequest(
        invoice_id=next(_invoice_ids),
        installment_number=installment_number,
        attempt=1,
        amount=Decimal(amount),
        currency=currency,
        description="Gateway test invoice",
        expires_at=utcnow() + timedelta(minutes=minutes),
        items=items or [],
        tax_amount=Decimal(tax),
        service_fee=Decimal(fee),
        customer_name="Budi Santoso",
        customer_email="budi@example.com",
        metadata={"tenant": "gateway-tests"},
    )


@dataclass
class Received:
    """One webhook as PayTrust's endpoint would see it."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    reference: str | None
    event: WebhookEvent | None
    error: str | None
    at: float = field(default_factory=time.monotonic)


class WebhookReceiver:
    """A real HTTP server standing in for PayTrust's `/webhooks/{gateway}` endpoints.

    It verifies and parses with the gateway module's own functions and answers like API.md
    says: 401 bad token/signature, 400 malformed, 200 accepted. `fail_next[reference] = n`
    makes the next n deliveries about that payment answer 500, to watch the sandbox retry
    (keyed by payment, so another test's retries still in flight cannot use them up).
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.received: list[Received] = []
        self.fail_next: dict[str, int] = {}
        self._lock = threading.Lock()
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            interface="asgi3",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("webhook receiver did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path: str = scope["path"]
        reference = _loose_reference(body)
        status, event, error = self._handle(path, headers, body, reference)
        with self._lock:
            self.received.append(Received(path, headers, body, status, reference, event, error))
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def _handle(
        self, path: str, headers: dict[str, str], body: bytes, reference: str | None
    ) -> tuple[int, WebhookEvent | None, str | None]:
        with self._lock:
            if reference is not None and self.fail_next.get(reference, 0) > 0:
                self.fail_next[reference] -= 1
                return 500, None, "instructed to fail"
        try:
            if path == "/webhooks/xendit":
                verify_xendit_callback(headers, XENDIT_TOKEN)
                return 200, parse_xendit_webhook(body), None
            if path == "/webhooks/midtrans":
                verify_midtrans_notification(body, MIDTRANS_KEY)
                return 200, parse_midtrans_notification(body), None
        except GatewayError as exc:
            return exc.status_code or 400, None, f"{type(exc).__name__}: {exc}"
        return 404, None, "unknown path"

    def for_reference(self, reference: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.reference == reference]

    async def wait_for(
        self,
        reference: str,
        count: int = 1,
        *,
        where: Callable[[Received], bool] = lambda r: True,
        timeout: float = 5.0,
    ) -> list[Received]:
        """Wait until `count` matching deliveries for `reference` have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.for_reference(reference) if where(r)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"expected {count} webhooks for {reference}, got {len(found)}: "
                    f"{[(r.path, r.status, r.error) for r in self.for_reference(reference)]}"
                )
            await asyncio.sleep(0.02)


def _loose_reference(body: bytes) -> str | None:
    """The payment a webhook is about, read without trusting it (for test bookkeeping)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("data"), dict):
        return data["data"].get("invoice_id")
    return data.get("order_id") or data.get("id")


class SandboxProcess:
    """`python -m sandbox` as a real subprocess on a free port, owned by the test session."""

    def __init__(self, webhook_base_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115  (closed in stop)
            prefix="sandbox-", suffix=".log", delete=False
        )
        env = {
            **os.environ,
            "SANDBOX_HOST": "127.0.0.1",
            "SANDBOX_PORT": str(self.port),
            "SANDBOX_WEBHOOK_BASE_URL": webhook_base_url,
            "SANDBOX_XENDIT_SECRET_KEY": XENDIT_KEY,
            "SANDBOX_XENDIT_CALLBACK_TOKEN": XENDIT_TOKEN,
            "SANDBOX_MIDTRANS_SERVER_KEY": MIDTRANS_KEY,
            # Xendit's six retries (15 min ... 24 h) take 1.6 s; Midtrans's five take 0.16 s.
            "SANDBOX_RETRY_TIME_SCALE": "0.00001",
            "SANDBOX_WEBHOOK_TIMEOUT_SECONDS": "2",
            "SANDBOX_LOG_LEVEL": "warning",
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sandbox"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited early:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/_sandbox/faults", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"sandbox did not start in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()
        Path(self._log.name).unlink(missing_ok=True)
