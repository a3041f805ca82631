"""Installments (seed US3) and supplementary invoices (FR-082), end to end through the api,
the workflows and the sandbox. Expected amounts are computed here from the inputs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tests.workflows.helpers import keep_history

# 3 × 100000 at 11% on xendit IDR (2.9% + 2000): subtotal 300000, tax 33000, fee 10700.
LINES = [{"description": "Sofa", "quantity": 3, "unit_price": "100000", "tax_rate": "0.11"}]
SUBTOTAL, TAX = Decimal(300000), Decimal(33000)
FEE = (SUBTOTAL * Decimal("0.029") + 2000).quantize(Decimal(1))
TOTAL = SUBTOTAL + TAX + FEE


def q(value: Decimal, places: str = "1") -> Decimal:
    return value.quantize(Decimal(places), ROUND_HALF_UP)


def expected_schedule(total: Decimal, count: int) -> list[Decimal]:
    """Equal shares rounded down to the unit, the last absorbing the remainder."""
    share = (total / count).quantize(Decimal(1), rounding="ROUND_DOWN")
    return [share] * (count - 1) + [total - share * (count - 1)]


async def three_installments(shop, **extra):
    return await shop.create(lines=LINES, installments={"count": 3, "interval_days": 7}, **extra)


async def test_schedule_shares_sum_to_each_component(shop):
    invoice = await three_installments(shop)
    assert invoice["total"] == f"{TOTAL}"
    items = invoice["installments"]
    amounts = [Decimal(i["amount"]) for i in items]
    assert amounts == expected_schedule(TOTAL, 3)
    assert sum(Decimal(i["tax_amount"]) for i in items) == TAX
    assert sum(Decimal(i["service_fee_amount"]) for i in items) == FEE
    for item, amount in zip(items[:-1], amounts[:-1], strict=True):
        assert Decimal(item["tax_amount"]) == q(TAX * amount / TOTAL)
        assert Decimal(item["service_fee_amount"]) == q(FEE * amount / TOTAL)
    due = [datetime.fromisoformat(i["due_date"].replace("Z", "+00:00")) for i in items]
    assert [d - due[0] for d in due] == [timedelta(0), timedelta(days=7), timedelta(days=14)]
    expires = datetime.fromisoformat(invoice["expires_at"].replace("Z", "+00:00"))
    assert expires - due[-1] == timedelta(hours=24)  # default: last due date + 24 h


async def test_paid_in_order_to_fully_paid(shop):
    invoice = await three_installments(shop)
    amounts = [i["amount"] for i in invoice["installments"]]
    statuses = [invoice["status"]]
    for number, amount in enumerate(amounts, start=1):
        link = await shop.pay_link(invoice["id"])
        assert (link["installment_number"], link["amount"]) == (number, amount)
        if number == 1:
            statuses.append((await shop.get(invoice["id"]))["status"])
        await shop.sandbox_pay(link["gateway_reference"])
        paid_so_far = sum(Decimal(a) for a in amounts[:number])
        after = await shop.wait_paid(invoice["id"], f"{paid_so_far}")
        statuses.append(after["status"])
        assert [i["status"] for i in after["installments"]][:number] == ["paid"] * number
    assert statuses == ["draft", "pending", "partially_paid", "partially_paid", "fully_paid"]
    txns = (await shop.sub(invoice["id"], "transactions"))["data"]
    assert [t["installment_number"] for t in txns] == [1, 2, 3]


async def test_out_of_order_initiation_is_rejected(shop):
    invoice = await three_installments(shop)
    response = await shop.initiate(invoice["id"], installment=2)
    assert response.status_code == 400
    assert (
        response.json()["error"]["message"] == "Installment 2 cannot be paid before installment 1"
    )
    assert (await shop.initiate(invoice["id"], installment=1)).status_code == 201


async def test_overpayment_on_first_covers_second_and_part_of_third(shop, temporal_env):
    invoice = await three_installments(shop)
    a1, a2, a3 = (Decimal(i["amount"]) for i in invoice["installments"])
    part_of_third = Decimal(10000)
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"], amount=f"{a1 + a2 + part_of_third}")
    after = await shop.wait_paid(invoice["id"], f"{a1 + a2 + part_of_third}")
    assert after["status"] == "partially_paid"
    assert [(i["status"], i["paid_amount"]) for i in after["installments"]] == [
        ("paid", f"{a1}"),
        ("paid", f"{a2}"),
        ("unpaid", f"{part_of_third}"),
    ]
    gap = (await shop.sub(invoice["id"], "discrepancies"))["discrepancies"][0]
    assert (gap["type"], gap["expected_amount"], gap["difference"]) == (
        "overpayment",
        f"{a1}",
        f"{a2 + part_of_third}",
    )
    link3 = await shop.pay_link(invoice["id"])
    assert (link3["installment_number"], link3["amount"]) == (3, f"{a3 - part_of_third}")
    await shop.sandbox_pay(link3["gateway_reference"])
    done = await shop.wait_status(invoice["id"], "fully_paid")
    assert done["amount_paid"] == f"{TOTAL}" and done["overpayment_amount"] == "0"
    handle = temporal_env.client.get_workflow_handle(f"invoice-{invoice['id']}")
    await handle.result()
    await keep_history(handle, "invoice-installments-overpayment")


async def test_underpayment_leaves_installment_open(shop):
    invoice = await three_installments(shop)
    a1 = Decimal(invoice["installments"][0]["amount"])
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"], amount=f"{a1 - 5000}")
    after = await shop.wait_paid(invoice["id"], f"{a1 - 5000}")
    first = after["installments"][0]
    assert (first["status"], first["paid_amount"]) == ("pending", f"{a1 - 5000}")
    again = await shop.pay_link(invoice["id"])
    assert (again["installment_number"], again["amount"]) == (1, "5000")
    gap = (await shop.sub(invoice["id"], "discrepancies"))["discrepancies"][0]
    assert (gap["type"], gap["difference"]) == ("underpayment", "5000")


async def test_adjustment_after_first_payment(shop, client):
    invoice = await three_installments(shop)
    a1 = Decimal(invoice["installments"][0]["amount"])
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    await shop.wait_paid(invoice["id"], f"{a1}")
    remaining = TOTAL - a1
    new2 = Decimal(50000)
    due3 = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    ok = await client.patch(
        f"/invoices/{invoice['id']}/installments",
        json={
            "installments": [
                {"number": 2, "amount": f"{new2}"},
                {
                    "number": 3,
                    "amount": f"{remaining - new2}",
                    "due_date": due3.isoformat().replace("+00:00", "Z"),
                },
            ]
        },
        headers=shop.headers,
    )
    assert ok.status_code == 200, ok.text
    rows = ok.json()["data"]
    assert [r["amount"] for r in rows] == [f"{a1}", f"{new2}", f"{remaining - new2}"]
    assert sum(Decimal(r["tax_amount"]) for r in rows) == TAX
    assert sum(Decimal(r["service_fee_amount"]) for r in rows) == FEE
    assert rows[2]["due_date"] == due3.isoformat().replace("+00:00", "Z")

    mismatch = await client.patch(
        f"/invoices/{invoice['id']}/installments",
        json={"installments": [{"number": 2, "amount": "1"}]},
        headers=shop.headers,
    )
    assert mismatch.status_code == 400
    assert mismatch.json()["error"]["message"] == (
        f"Installment amounts must sum to the remaining balance {remaining}"
    )
    paid = await client.patch(
        f"/invoices/{invoice['id']}/installments",
        json={"installments": [{"number": 1, "amount": "1"}]},
        headers=shop.headers,
    )
    assert paid.status_code == 400
    assert paid.json()["error"]["message"] == "Installment 1 is already paid and cannot be modified"
    link2 = await shop.pay_link(invoice["id"])
    assert link2["amount"] == f"{new2}"


async def test_usd_with_custom_amounts(shop):
    lines = [{"description": "Course", "quantity": 1, "unit_price": "100.00", "tax_rate": "0.1"}]
    # subtotal 100.00, tax 10.00, fee 2.90 + 0.30 = 3.20, total 113.20
    invoice = await shop.create(
        currency="USD", lines=lines, installments={"count": 2, "amounts": ["13.20", "100.00"]}
    )
    items = invoice["installments"]
    assert [i["amount"] for i in items] == ["13.20", "100.00"]
    assert [i["tax_amount"] for i in items] == [
        f"{q(Decimal('10') * Decimal('13.20') / Decimal('113.20'), '0.01')}",
        f"{Decimal('10.00') - q(Decimal('10') * Decimal('13.20') / Decimal('113.20'), '0.01')}",
    ]
    bad = await shop.client.post(
        "/invoices",
        json={
            "external_id": "usd-bad",
            "currency": "USD",
            "gateway_id": 1,
            "line_items": lines,
            "installments": {"count": 2, "amounts": ["13.20", "99.99"]},
        },
        headers=shop.headers,
    )
    assert bad.status_code == 400
    assert (
        bad.json()["error"]["message"] == "Installment amounts must sum to the invoice total 113.20"
    )
    link = await shop.pay_link(invoice["id"])
    assert (link["amount"], link["currency"]) == ("13.20", "USD")
    await shop.sandbox_pay(link["gateway_reference"])
    after = await shop.wait_paid(invoice["id"], "13.20")
    assert after["status"] == "partially_paid"


async def test_concurrent_adjustment_and_payment_serialize(shop, client):
    """A payment webhook and an adjustment racing: whichever the workflow takes first, the
    result is consistent (installment 1 paid, the rest summing to the remaining balance)."""
    invoice = await three_installments(shop)
    a1, a2, a3 = (Decimal(i["amount"]) for i in invoice["installments"])
    link = await shop.pay_link(invoice["id"])
    pay = asyncio.create_task(shop.sandbox_pay(link["gateway_reference"]))
    adjust = client.patch(
        f"/invoices/{invoice['id']}/installments",
        json={
            "installments": [
                {"number": 2, "amount": f"{a2 - 1000}"},
                {"number": 3, "amount": f"{a3 + 1000}"},
            ]
        },
        headers=shop.headers,
    )
    response = await adjust
    await pay
    assert response.status_code == 200, response.text
    after = await shop.wait_paid(invoice["id"], f"{a1}")
    rows = after["installments"]
    assert [r["status"] for r in rows] == ["paid", "unpaid", "unpaid"]
    assert [r["amount"] for r in rows] == [f"{a1}", f"{a2 - 1000}", f"{a3 + 1000}"]
    assert sum(Decimal(r["amount"]) for r in rows) == TOTAL


async def test_supplementary_invoice_happy_path(shop, client):
    parent = await three_installments(shop)
    await shop.pay_link(parent["id"])
    response = await client.post(
        f"/invoices/{parent['id']}/supplementary",
        json={
            "external_id": f"{parent['external_id']}-extra",
            "line_items": [{"description": "Delivery", "quantity": 1, "unit_price": "25000"}],
            "installments": {"count": 2},
        },
        headers=shop.headers,
    )
    assert response.status_code == 201, response.text
    child = response.json()
    assert child["original_invoice_id"] == parent["id"]
    assert (child["currency"], child["gateway_id"]) == (parent["currency"], parent["gateway_id"])
    assert child["status"] == "draft" and len(child["installments"]) == 2
    fee = Decimal(25000) * Decimal("0.029") + 2000
    assert child["total"] == f"{q(Decimal(25000) + fee)}"
    unchanged = await shop.get(parent["id"])
    assert unchanged["total"] == parent["total"]
    assert unchanged["installments"][0]["amount"] == parent["installments"][0]["amount"]
    link = await shop.pay_link(child["id"])
    assert link["installment_number"] == 1


async def test_supplementary_rejections(shop, client):
    body = {
        "external_id": "extra",
        "line_items": [{"description": "x", "quantity": 1, "unit_price": "1000"}],
    }
    draft = await shop.create()
    response = await client.post(
        f"/invoices/{draft['id']}/supplementary", json=body, headers=shop.headers
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Cannot create supplementary invoice for draft parent invoice"
    )
    cancelled = await shop.create()
    await client.post(f"/invoices/{cancelled['id']}/cancel", json={}, headers=shop.headers)
    response = await client.post(
        f"/invoices/{cancelled['id']}/supplementary", json=body, headers=shop.headers
    )
    assert response.json()["error"]["message"] == (
        "Cannot create supplementary invoice for cancelled parent invoice"
    )
    parent = await shop.create()
    await shop.pay_link(parent["id"])
    child = await client.post(
        f"/invoices/{parent['id']}/supplementary", json=body, headers=shop.headers
    )
    assert child.status_code == 201
    # The child is a draft, and status is checked first: initiate its payment to reach the
    # supplementary rule.
    await shop.pay_link(child.json()["id"])
    grandchild = await client.post(
        f"/invoices/{child.json()['id']}/supplementary",
        json={**body, "external_id": "extra-2"},
        headers=shop.headers,
    )
    assert grandchild.status_code == 400
    assert grandchild.json()["error"]["message"] == (
        "Cannot create supplementary invoice from another supplementary invoice"
    )
    missing = await client.post(
        "/invoices/999999999/supplementary", json=body, headers=shop.headers
    )
    assert missing.status_code == 404
