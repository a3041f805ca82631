"""Webhook delivery: real HTTP POSTs to PayTrust, on the gateways' own retry schedules.

First attempts go out one at a time in the order events happened (or reversed, when the
`reorder_next` fault holds them); a failed delivery is then retried in its own task, after the
gateway's delays multiplied by `retry_time_scale`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

import httpx

from sandbox.faults import Faults, SandboxGateway
from sandbox.wire import utc_now, xendit_time

log = logging.getLogger("sandbox.delivery")

MINUTE: Final = 60.0
# Xendit: the original attempt, then up to six retries (15 min and 45 min are documented; the
# later intervals follow the documented exponential back-off table, unconfirmed beyond that).
XENDIT_RETRY_DELAYS: Final = (
    15 * MINUTE,
    45 * MINUTE,
    120 * MINUTE,
    360 * MINUTE,
    720 * MINUTE,
    1440 * MINUTE,
)
# Midtrans: 2, 10, 30, 90 and 210 minutes after the first attempt fails.
MIDTRANS_RETRY_DELAYS: Final = (2 * MINUTE, 10 * MINUTE, 30 * MINUTE, 90 * MINUTE, 210 * MINUTE)
RETRY_DELAYS: Final[dict[SandboxGateway, tuple[float, ...]]] = {
    "xendit": XENDIT_RETRY_DELAYS,
    "midtrans": MIDTRANS_RETRY_DELAYS,
}
# How long each gateway waits for PayTrust's answer.
DELIVERY_TIMEOUTS: Final[dict[SandboxGateway, float]] = {"xendit": 30.0, "midtrans": 15.0}

DeliveryState = Literal["dropped", "held", "queued", "retrying", "delivered", "failed"]


@dataclass
class Attempt:
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


@dataclass
class Delivery:
    """One webhook and every attempt to deliver it."""

    id: int
    gateway: SandboxGateway
    url: str
    reference: str
    event: str
    body: bytes
    headers: dict[str, str]
    signature_valid: bool
    created_at: datetime
    state: DeliveryState = "queued"
    attempts: list[Attempt] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        """The delivery log entry served by `GET /_sandbox/webhooks`."""
        return {
            "id": self.id,
            "gateway": self.gateway,
            "url": self.url,
            "reference": self.reference,
            "event": self.event,
            "signature_valid": self.signature_valid,
            "state": self.state,
            "created_at": xendit_time(self.created_at),
            "headers": self.headers,
            "payload": self.body.decode(),
            "attempts": [
                {
                    "at": xendit_time(attempt.at),
                    "status_code": attempt.status_code,
                    "error": attempt.error,
                    "duration_ms": attempt.duration_ms,
                }
                for attempt in self.attempts
            ],
        }


class Dispatcher:
    """Owns the delivery log, the outbox and the retry tasks."""

    def __init__(
        self,
        faults: Faults,
        *,
        retry_time_scale: float,
        timeout_seconds: float | None,
    ) -> None:
        self._faults = faults
        self._scale = retry_time_scale
        self._timeout_override = timeout_seconds
        self._ids = itertools.count(1)
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._held: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self.log: list[Delivery] = []

    async def start(self) -> None:
        """Open the HTTP client and start the outbox worker."""
        self._client = httpx.AsyncClient(follow_redirects=False)
        self._worker = asyncio.create_task(self._run_outbox(), name="sandbox-outbox")

    async def stop(self) -> None:
        """Cancel pending deliveries and close the client."""
        tasks = [*self._tasks, *([self._worker] if self._worker else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    def new(
        self,
        *,
        gateway: SandboxGateway,
        url: str,
        reference: str,
        event: str,
        body: bytes,
        headers: dict[str, str],
        signature_valid: bool,
    ) -> Delivery:
        """Record a webhook and put it on its way (or hold it, under `reorder_next`)."""
        delivery = Delivery(
            id=next(self._ids),
            gateway=gateway,
            url=url,
            reference=reference,
            event=event,
            body=body,
            headers=headers,
            signature_valid=signature_valid,
            created_at=utc_now(),
        )
        self.log.append(delivery)
        if self._faults.drop_notifications:
            delivery.state = "dropped"
            log.info("webhook %s to %s dropped (drop_notifications fault)", delivery.id, url)
        elif self._faults.reorder_next > 0:
            delivery.state = "held"
            self._held.append(delivery)
            self._faults.reorder_next -= 1
            if self._faults.reorder_next == 0:
                self.release_held()
        else:
            self._queue.put_nowait(delivery)
        return delivery

    def release_held(self) -> None:
        """Send the held webhooks, newest first."""
        for delivery in reversed(self._held):
            delivery.state = "queued"
            self._queue.put_nowait(delivery)
        self._held.clear()

    def clear_log(self) -> None:
        """Forget delivered and failed webhooks (pending ones keep going)."""
        self.log = [d for d in self.log if d.state in ("held", "queued", "retrying")]

    async def _run_outbox(self) -> None:
        while True:
            delivery = await self._queue.get()
            if await self._attempt(delivery):
                continue
            delivery.state = "retrying"
            task = asyncio.create_task(self._retry(delivery), name=f"retry-{delivery.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _retry(self, delivery: Delivery) -> None:
        for delay in RETRY_DELAYS[delivery.gateway]:
            await asyncio.sleep(delay * self._scale)
            if await self._attempt(delivery):
                return
        delivery.state = "failed"
        log.warning("webhook %s to %s failed after all retries", delivery.id, delivery.url)

    async def _attempt(self, delivery: Delivery) -> bool:
        assert self._client is not None, "dispatcher not started"
        timeout = self._timeout_override or DELIVERY_TIMEOUTS[delivery.gateway]
        started = time.monotonic()
        at = utc_now()
        status_code: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(
                delivery.url, content=delivery.body, headers=delivery.headers, timeout=timeout
            )
            status_code = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = int((time.monotonic() - started) * 1000)
        delivery.attempts.append(Attempt(at, status_code, error, duration_ms))
        ok = status_code is not None and 200 <= status_code < 300
        if ok:
            delivery.state = "delivered"
        return ok
