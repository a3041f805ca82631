"""The payer's page in a real headless Chromium, driven over the DevTools protocol: pressing
Pay (with a partial amount typed in) sends the paid webhook to the receiver."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from gateways import EventKind
from tests.gateways.support import ROOT, free_port, payment_request

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium_binary() -> Path:
    """Chromium, installed by scripts/ensure-chromium.sh when missing; skip if that fails."""
    if not CHROMIUM.exists():
        result = subprocess.run(
            ["bash", str(ROOT / "scripts" / "ensure-chromium.sh")],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if result.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(
                "chromium is not installed and scripts/ensure-chromium.sh could not install it: "
                + (result.stderr or result.stdout)[-300:]
            )
    return CHROMIUM


@pytest.fixture
def browser(chromium_binary: Path) -> Iterator[int]:
    """A headless Chromium with remote debugging on a free port; yields the port."""
    port = free_port()
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    process = subprocess.Popen(
        [
            str(chromium_binary),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            "--remote-debugging-address=127.0.0.1",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, so its helpers go with it
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/json/version", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("chromium did not open its DevTools port") from None
                time.sleep(0.1)
        yield port
    finally:
        with _suppress_lookup():
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with _suppress_lookup():
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


class _suppress_lookup:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is ProcessLookupError


class Page:
    """A minimal CDP client for one page target."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        await self._ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self._ws.recv(), timeout=10))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = await self.evaluate(expression)
            except RuntimeError:
                value = None  # the page is navigating
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"never true in the page: {expression}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def page(browser: int) -> AsyncIterator[Page]:
    async with httpx.AsyncClient() as http:
        targets = (await http.get(f"http://127.0.0.1:{browser}/json/list")).json()
    target = next(t for t in targets if t["type"] == "page")
    async with connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
        page = Page(ws)
        await page.call("Runtime.enable")
        await page.call("Page.enable")
        yield page


async def test_pressing_pay_sends_the_webhook(xendit, midtrans, receiver, page):
    created = await xendit.create_payment(payment_request("75000"))
    await page.call("Page.navigate", url=created.payment_url)
    assert (
        await page.wait_for(
            "document.querySelector('#amount') && document.querySelector('#amount').textContent"
        )
        == "IDR 75000"
    )
    assert await page.evaluate("document.querySelector('#pay-amount').value") == "75000"

    # A partial payment: the payer types a smaller amount, then presses Pay.
    await page.evaluate("document.querySelector('#pay-amount').value = '50000'")
    await page.evaluate("document.querySelector('button').click()")
    assert "Payment received" in await page.wait_for(
        "document.querySelector('#confirmation') && document.body.innerText"
    )

    [delivery] = await receiver.wait_for(created.reference)
    assert delivery.status == 200, delivery.error
    assert delivery.event is not None and delivery.event.kind is EventKind.PAID
    assert delivery.event.amount == Decimal("50000")

    # Midtrans's redirect_url resolves to the same page; the full amount this time.
    snap = await midtrans.create_payment(payment_request("12000"))
    await page.call("Page.navigate", url=snap.payment_url)
    await page.wait_for("!!document.querySelector('button')")
    await page.evaluate("document.querySelector('button').click()")
    await page.wait_for("!!document.querySelector('#confirmation')")
    [notification] = await receiver.wait_for(snap.reference)
    assert notification.event is not None and notification.event.amount == Decimal("12000")
