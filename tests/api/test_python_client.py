"""The generated Python client (clients/python): the committed one is what `make client`
produces from this checkout's OpenAPI document, and it creates, finds and pays an invoice
against the live api."""

from __future__ import annotations

import asyncio
import filecmp
import subprocess
import sys
import uuid
from pathlib import Path

from devstack import ROOT

COMMITTED = ROOT / "clients" / "python" / "paytrust_client"


def _files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_committed_client_is_not_stale(tmp_path):
    fresh = tmp_path / "paytrust_client"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_client.py"), str(fresh)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    committed, generated = _files(COMMITTED), _files(fresh)
    hint = "clients/python is stale: run `make client` and commit the result"
    assert committed == generated, f"{hint}; differing files: {sorted(committed ^ generated)}"
    changed = [
        name
        for name in sorted(generated)
        if not filecmp.cmp(COMMITTED / name, fresh / name, shallow=False)
    ]
    assert not changed, f"{hint}; changed: {changed}"


async def test_client_creates_lists_and_pays_an_invoice(api_url, merchant, sandbox):
    from paytrust_client import AuthenticatedClient
    from paytrust_client.api.invoices import create_invoice, initiate_payment, list_invoices
    from paytrust_client.models import (
        ErrorEnvelope,
        InvoiceCreate,
        InvoiceOut,
        LineItemIn,
        PageInvoiceOut,
        PaymentInitiate,
        PaymentOut,
    )

    client = AuthenticatedClient(
        base_url=api_url, token=merchant["key"], auth_header_name="X-API-Key", prefix=""
    )
    external_id = f"client-{uuid.uuid4().hex[:12]}"
    body = InvoiceCreate(
        external_id=external_id,
        currency="IDR",
        gateway_id=1,
        line_items=[LineItemIn(description="Widget", quantity=2, unit_price="50000")],
    )
    async with client:
        invoice = await create_invoice.asyncio(
            client=client, body=body, idempotency_key=external_id
        )
        assert isinstance(invoice, InvoiceOut), invoice
        assert invoice.total == "104900" and invoice.status == "draft"
        # The replay answers the first response (a 409 "in progress" while the first one is
        # still being recorded: retried, as a client does).
        for _ in range(50):
            replay = await create_invoice.asyncio(
                client=client, body=body, idempotency_key=external_id
            )
            if not (isinstance(replay, ErrorEnvelope) and "progress" in replay.error.code):
                break
            await asyncio.sleep(0.1)
        assert isinstance(replay, InvoiceOut) and replay.id == invoice.id

        found = await list_invoices.asyncio(client=client, external_id=external_id)
        assert isinstance(found, PageInvoiceOut) and [i.id for i in found.data] == [invoice.id]

        link = await initiate_payment.asyncio(
            invoice.id,
            client=client,
            body=PaymentInitiate(success_redirect_url="https://shop.example.com/thanks"),
        )
        assert isinstance(link, PaymentOut) and link.payment_url.startswith("http")

        missing = await initiate_payment.asyncio(10**12, client=client, body=PaymentInitiate())
        assert isinstance(missing, ErrorEnvelope) and missing.error.code == "not_found"
