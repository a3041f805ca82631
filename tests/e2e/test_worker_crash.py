"""Drill: the worker is SIGKILLed (by PID) at a chosen point of a payment and started again.
The sandbox delivers the paid webhook three times. Whatever the kill point, the payment is
applied exactly once: fully_paid, amount_paid == total, one paid transaction, one event row.

Kill points:
- `after_initiate`: payment link issued, nothing paid yet (workflow idle on its timers);
- `webhook_row`: the `webhook_events` row for the delivery has committed (resolve activity
  done; delivery to the invoice workflow and payment application in flight or not started);
- `transaction_row`: the `payment_transactions` row has committed. The invoice's status moves
  in the same MySQL transaction, so "row written but status unchanged" cannot be observed from
  outside; what is in flight here is the workflow's bookkeeping after the commit (snapshot,
  search attributes, the webhook attempt log).
"""

from __future__ import annotations

import time

import pytest

from devstack import Stack
from tests.e2e.support import XENDIT_TOTAL, Database, Merchant, eventually, idr, kill, log_tail

WEBHOOK_ROW = "SELECT id FROM webhook_events WHERE invoice_id = :invoice_id LIMIT 1"
TRANSACTION_ROW = "SELECT id FROM payment_transactions WHERE invoice_id = :invoice_id LIMIT 1"


def restart_worker(stack: Stack) -> None:
    killed = kill(stack, "worker")
    fresh = stack.start_worker()
    assert fresh.pid != killed and fresh.poll() is None


@pytest.mark.slow
@pytest.mark.parametrize("kill_point", ["after_initiate", "webhook_row", "transaction_row"])
def test_worker_killed_mid_payment_applies_it_exactly_once(
    stack: Stack, db: Database, merchant: Merchant, kill_point: str
) -> None:
    invoice = merchant.create()
    invoice_id = invoice["id"]
    assert invoice["total"] == idr(XENDIT_TOTAL)
    link = merchant.pay_link(invoice_id)
    reference = link["gateway_reference"]
    assert link["amount"] == idr(XENDIT_TOTAL)

    started = time.monotonic()
    if kill_point == "after_initiate":
        restart_worker(stack)
        merchant.sandbox_pay(reference, deliveries=3)
        state_at_kill = "before paying"
    else:
        merchant.sandbox_pay(reference, deliveries=3)
        sql = WEBHOOK_ROW if kill_point == "webhook_row" else TRANSACTION_ROW
        db.wait_row(sql, timeout=30, invoice_id=invoice_id)
        restart_worker(stack)
        status, paid = db.rows(
            "SELECT status, amount_paid FROM invoices WHERE id = :id", id=invoice_id
        )[0]
        txns = db.scalar(
            "SELECT COUNT(*) FROM payment_transactions WHERE invoice_id = :id", id=invoice_id
        )
        state_at_kill = f"invoice {status}, amount_paid {paid}, {txns} transaction row(s)"

    try:
        paid_invoice = merchant.wait_status(invoice_id, "fully_paid", timeout=120)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n--- worker.log ---\n{log_tail(stack, 'worker')}") from None
    settled_after = time.monotonic() - started
    print(f"[{kill_point}] killed at: {state_at_kill}; fully_paid {settled_after:.1f}s later")

    # Everything read back through the public API equals the test's own arithmetic.
    assert paid_invoice["amount_paid"] == idr(XENDIT_TOTAL) == paid_invoice["total"]
    assert paid_invoice["amount_due"] == "0"
    assert paid_invoice["overpayment_amount"] == "0"
    txns = merchant.transactions(invoice_id)
    assert [(t["status"], t["amount"]) for t in txns] == [("paid", idr(XENDIT_TOTAL))]

    # All three deliveries were answered 200, and they are one event, processed once.
    deliveries = eventually(
        lambda: merchant.sandbox_webhooks(reference),
        lambda data: len(data) == 3 and all(d["state"] == "delivered" for d in data),
        timeout=30,
        what="three deliveries",
    )
    assert all(d["attempts"][-1]["status_code"] == 200 for d in deliveries)
    events = eventually(
        lambda: db.rows("SELECT status FROM webhook_events WHERE invoice_id = :id", id=invoice_id),
        lambda rows: [r.status for r in rows] == ["processed"],
        timeout=120,
        what="one processed webhook event",
    )
    assert len(events) == 1
    # Nothing applied twice behind the API's back either.
    assert (
        db.scalar("SELECT COUNT(*) FROM payment_transactions WHERE invoice_id = :id", id=invoice_id)
        == 1
    )
    assert merchant.get(invoice_id)["amount_paid"] == idr(XENDIT_TOTAL)
