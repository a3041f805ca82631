"""A whole payment through api → workflow → sandbox → webhook → workflow → MySQL."""

from __future__ import annotations


async def test_single_full_payment_xendit(shop):
    invoice = await shop.create()
    assert invoice["status"] == "draft"
    assert (invoice["subtotal"], invoice["tax_total"], invoice["service_fee"], invoice["total"]) == (
        "100000", "11000", "4900", "115900"
    )
    link = await shop.pay_link(invoice["id"])
    assert link["amount"] == "115900" and link["gateway"] == "xendit"
    pending = await shop.get(invoice["id"])
    assert pending["status"] == "pending" and pending["payment_initiated_at"]
    await shop.sandbox_pay(link["gateway_reference"])
    paid = await shop.wait_status(invoice["id"], "fully_paid")
    assert paid["amount_paid"] == "115900" and paid["amount_due"] == "0"
    txns = (await shop.sub(invoice["id"], "transactions"))["data"]
    assert [(t["status"], t["amount"]) for t in txns] == [("paid", "115900")]
