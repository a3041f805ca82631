"""Payment sync on the processes `make run` starts, at the default (production) schedule: the
sandbox loses every notification (`drop_notifications`), and each paid invoice still becomes
`fully_paid` within 90 s of its payment, exactly once, because its workflow asks the gateway
about a minute after the link was made."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from devstack import Stack
from tests.e2e.support import Database, Merchant, eventually

VISIBLE_WITHIN_SECONDS = 90


@pytest.fixture
def notifications_lost(stack: Stack) -> Iterator[None]:
    faults = f"{stack.sandbox_url}/_sandbox/faults"
    response = httpx.post(faults, json={"drop_notifications": True}, timeout=10)
    assert response.status_code == 200, response.text
    try:
        yield
    finally:
        httpx.delete(faults, timeout=10)


@pytest.mark.slow
def test_every_notification_lost_yet_paid_invoices_are_visible_within_90_s(
    stack: Stack, db: Database, merchant: Merchant, notifications_lost: None
) -> None:
    invoices = [merchant.create(gateway_id=gateway_id) for gateway_id in (1, 1, 2, 2)]
    paid_at: dict[int, float] = {}
    for invoice in invoices:
        link = merchant.pay_link(invoice["id"])
        merchant.sandbox_pay(link["gateway_reference"])
        paid_at[invoice["id"]] = time.monotonic()
        assert {d["state"] for d in merchant.sandbox_webhooks(link["gateway_reference"])} == {
            "dropped"
        }
    visible_after: dict[int, float] = {}
    for invoice in invoices:
        invoice_id = invoice["id"]
        remaining = VISIBLE_WITHIN_SECONDS - (time.monotonic() - paid_at[invoice_id])
        paid = eventually(
            lambda: merchant.get(invoice_id),  # noqa: B023 (called within this iteration)
            lambda inv: inv["status"] == "fully_paid",
            timeout=max(remaining, 0.1),
            interval=0.5,
            what=f"invoice {invoice_id} fully_paid by payment sync",
        )
        visible_after[invoice_id] = time.monotonic() - paid_at[invoice_id]
        assert paid["amount_paid"] == invoice["total"] and paid["amount_due"] == "0"
    print(
        "paid → visible with every notification lost (s): "
        + ", ".join(f"{seconds:.1f}" for seconds in visible_after.values())
    )
    for invoice in invoices:
        transactions = merchant.transactions(invoice["id"])
        assert [(t["status"], t["amount"]) for t in transactions] == [("paid", invoice["total"])]
    # Nothing came by notification: the sandbox sent none, PayTrust recorded none.
    ids = ",".join(str(invoice["id"]) for invoice in invoices)
    assert db.scalar(f"SELECT COUNT(*) FROM webhook_events WHERE invoice_id IN ({ids})") == 0
