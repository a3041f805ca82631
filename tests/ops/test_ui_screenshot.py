"""The Temporal Web UI shows an invoice's workflow: a paid invoice's page, opened in headless
Chromium over the DevTools protocol once it has rendered, saved as the README's screenshot
(docs/img/temporal-ui-invoice.png)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from devstack import ROOT, Stack, free_port
from tests.e2e.support import Merchant

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "img" / "temporal-ui-invoice.png"
WIDTH, HEIGHT = 1280, 800

pytestmark = pytest.mark.slow  # a whole stack and a browser


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
    profile = tempfile.mkdtemp(prefix="chromium-ops-")
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
            f"--window-size={WIDTH},{HEIGHT}",
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
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


class Page:
    """A minimal CDP client for one page target."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        await self._ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self._ws.recv(), timeout=30))
            if message.get("id") == message_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message["result"]
                return result

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = await self.evaluate(expression)
            except RuntimeError:
                value = None  # the page is navigating
            if value:
                return value
            if time.monotonic() > deadline:
                text = await self.evaluate("document.body && document.body.innerText")
                raise AssertionError(f"never true in the page: {expression}\n{text!r:.2000}")
            await asyncio.sleep(0.1)


@pytest.fixture
async def page(browser: int) -> AsyncIterator[Page]:
    async with httpx.AsyncClient() as http:
        targets = (await http.get(f"http://127.0.0.1:{browser}/json/list")).json()
    target = next(t for t in targets if t["type"] == "page")
    async with connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
        page = Page(ws)
        await page.call("Runtime.enable")
        await page.call("Page.enable")
        await page.call(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield page


def paid_invoice(stack: Stack) -> int:
    """An invoice paid in full through the sandbox: its workflow has a story to show."""
    tenant = "acme"
    merchant = Merchant(stack, tenant, stack.create_merchant_key(tenant, "ui screenshot"))
    invoice = merchant.create()
    link = merchant.pay_link(invoice["id"])
    merchant.sandbox_pay(link["gateway_reference"])
    merchant.wait_status(invoice["id"], "fully_paid")
    return int(invoice["id"])


async def test_invoice_workflow_page_screenshot(ops_stack: Stack, page: Page) -> None:
    invoice_id = await asyncio.to_thread(paid_invoice, ops_stack)
    workflow_id = f"invoice-{invoice_id}"
    url = f"{ops_stack.temporal_ui_url}/namespaces/default/workflows/{workflow_id}"
    await page.call("Page.navigate", url=url)

    # Rendered: the header, the workflow type, its input and result, and the timeline's events.
    text = await page.wait_for(
        "(() => { const t = document.body && document.body.innerText;"
        f" return t && t.includes('{workflow_id}') && t.includes('InvoiceWorkflow')"
        " && t.includes('COMPLETED') && t.includes('fully_paid')"
        " && t.includes('apply_payment_event') ? t : ''; })()"
    )
    assert '"tenant_id": "acme"' in text or '"tenant_id":"acme"' in text
    html = await page.evaluate("document.documentElement.outerHTML")
    assert workflow_id in html
    await asyncio.sleep(1.0)  # let the timeline's transitions settle before the picture

    shot = await page.call(
        "Page.captureScreenshot",
        format="png",
        clip={"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT, "scale": 1},
    )
    data = base64.b64decode(shot["data"])
    # The README's picture is refreshed on request (PAYTRUST_UPDATE_SCREENSHOT=1), so a test
    # run leaves the work tree clean; otherwise the picture goes next to the test's logs.
    target = (
        SCREENSHOT
        if os.environ.get("PAYTRUST_UPDATE_SCREENSHOT")
        else (Path(tempfile.gettempdir()) / "paytrust-temporal-ui-invoice.png")
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > 20_000, f"{len(data)} bytes: an empty page?"
