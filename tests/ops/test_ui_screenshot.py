"""The Temporal Web UI shows an invoice's workflow: a paid invoice's page, opened in headless
Chromium over the DevTools protocol once it has rendered, saved as the README's screenshot
(docs/img/temporal-ui-invoice.png)."""

from __future__ import annotations

import asyncio
import base64
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from devstack import ROOT, Stack
from tests.e2e.support import Merchant
from tests.support.chromium import Page, ensure_chromium, launch, open_page

SCREENSHOT = ROOT / "docs" / "img" / "temporal-ui-invoice.png"
WIDTH, HEIGHT = 1280, 800

pytestmark = pytest.mark.slow  # a whole stack and a browser


@pytest.fixture
def browser() -> Iterator[int]:
    with launch(ensure_chromium(), width=WIDTH, height=HEIGHT) as port:
        yield port


@pytest.fixture
async def page(browser: int) -> AsyncIterator[Page]:
    async with open_page(browser, width=WIDTH, height=HEIGHT) as opened:
        yield opened


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
