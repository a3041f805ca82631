"""GET /reports/financial against an independent computation from the test's own inputs: a
randomized mix of currencies, lines, taxes, gateways, payments and refunds over two tenants."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.invoices.helpers import Merchant

FEES = {
    (1, "IDR"): ("0.029", "2000"),
    (1, "MYR"): ("0.029", "1.00"),
    (1, "USD"): ("0.029", "0.30"),
    (2, "IDR"): ("0.02", "4000"),
}
SCALE = {"IDR": Decimal(1), "MYR": Decimal("0.01"), "USD": Decimal("0.01")}
GATEWAY = {1: "xendit", 2: "midtrans"}


def q(value: Decimal, currency: str) -> Decimal:
    return value.quantize(SCALE[currency], ROUND_HALF_UP)


def fmt(value: Decimal, currency: str) -> str:
    return f"{q(value, currency):f}"


def random_invoice(rng: random.Random) -> dict:
    gateway, currency = rng.choice(list(FEES))
    lines = []
    for _ in range(rng.randint(1, 3)):
        price = (
            Decimal(rng.randint(1, 500000))
            if currency == "IDR"
            else (Decimal(rng.randint(1, 50000)) / 100)
        )
        lines.append(
            {
                "description": "item",
                "quantity": rng.randint(1, 4),
                "unit_price": f"{price:f}",
                "tax_rate": rng.choice(["0", "0.11", "0.06", "0.1"]),
                "tax_category": rng.choice(["VAT", "SST", None]),
            }
        )
    return {"gateway_id": gateway, "currency": currency, "lines": lines}


def expected_for(specs: list[dict]) -> dict:
    """The report, computed from the inputs alone (not the code under test)."""
    sections: dict[str, dict] = {}
    for spec in specs:
        c = spec["currency"]
        sec = sections.setdefault(
            c,
            {
                "invoice_count": 0,
                "subtotal": Decimal(0),
                "tax_total": Decimal(0),
                "service_fee_total": Decimal(0),
                "total": Decimal(0),
                "amount_paid": Decimal(0),
                "amount_refunded": Decimal(0),
                "taxes": defaultdict(lambda: [Decimal(0), Decimal(0)]),
                "service_fees": defaultdict(Decimal),
            },
        )
        subtotal = tax = Decimal(0)
        for line in spec["lines"]:
            line_sub = line["quantity"] * Decimal(line["unit_price"])
            line_tax = q(line_sub * Decimal(line["tax_rate"]), c)
            subtotal += line_sub
            tax += line_tax
            key = (f"{Decimal(line['tax_rate']):.4f}", line["tax_category"])
            sec["taxes"][key][0] += line_sub
            sec["taxes"][key][1] += line_tax
        pct, fixed = FEES[(spec["gateway_id"], c)]
        fee = q(subtotal * Decimal(pct) + Decimal(fixed), c)
        sec["invoice_count"] += 1
        sec["subtotal"] += subtotal
        sec["tax_total"] += tax
        sec["service_fee_total"] += fee
        sec["total"] += subtotal + tax + fee
        sec["amount_paid"] += spec.get("paid", Decimal(0))
        sec["amount_refunded"] += spec.get("refunded", Decimal(0))
        sec["service_fees"][GATEWAY[spec["gateway_id"]]] += fee
    return sections


async def test_report_matches_independent_computation(client, admin_headers, sandbox):
    rng = random.Random(20261126)
    shops = []
    for name in ("a", "b"):
        created = await client.post(
            "/api-keys",
            json={"tenant_id": f"rep-{name}-{uuid.uuid4().hex[:8]}", "name": name},
            headers=admin_headers,
        )
        shops.append(Merchant(client, {"X-API-Key": created.json()["key"]}, sandbox.url))
    specs: dict[int, list[dict]] = {0: [], 1: []}
    for index in range(14):
        owner = index % 2
        shop = shops[owner]
        spec = random_invoice(rng)
        invoice = await shop.create(
            currency=spec["currency"], gateway_id=spec["gateway_id"], lines=spec["lines"]
        )
        total = Decimal(invoice["total"])
        fate = rng.choice(["draft", "cancelled", "pending", "paid", "partial", "refunded"])
        if fate == "cancelled":
            await client.post(f"/invoices/{invoice['id']}/cancel", json={}, headers=shop.headers)
        if fate in ("pending", "paid", "partial", "refunded"):
            link = await shop.pay_link(invoice["id"])
            paid = Decimal(0)
            if fate in ("paid", "refunded"):
                paid = total
            elif fate == "partial":
                paid = q(total / 2, spec["currency"])
            if paid:
                await shop.sandbox_pay(
                    link["gateway_reference"], amount=fmt(paid, spec["currency"])
                )
                await shop.wait_paid(invoice["id"], fmt(paid, spec["currency"]))
            spec["paid"] = paid
            if fate == "refunded":
                refund = q(total / 4, spec["currency"])
                await shop.sandbox(
                    "POST",
                    f"/_sandbox/payments/{link['gateway_reference']}/refund",
                    json={"amount": fmt(refund, spec["currency"])},
                )
                await shop.wait_refunded(invoice["id"], fmt(refund, spec["currency"]))
                spec["refunded"] = refund
            specs[owner].append(spec)
    today = datetime.now(UTC).date()
    for owner, shop in enumerate(shops):
        response = await client.get(
            "/reports/financial",
            params={"start_date": f"{today - timedelta(days=1)}", "end_date": f"{today}"},
            headers=shop.headers,
        )
        assert response.status_code == 200, response.text
        got = {s["currency"]: s for s in response.json()["currencies"]}
        want = expected_for(specs[owner])
        assert set(got) == set(want)
        for currency, sec in want.items():
            g = got[currency]
            assert g["invoice_count"] == sec["invoice_count"]
            for field in (
                "subtotal",
                "tax_total",
                "service_fee_total",
                "total",
                "amount_paid",
                "amount_refunded",
            ):
                assert g[field] == fmt(sec[field], currency), (currency, field)
            assert {
                (t["tax_rate"], t["tax_category"]): (t["taxable_amount"], t["tax_amount"])
                for t in g["taxes"]
            } == {k: (fmt(v[0], currency), fmt(v[1], currency)) for k, v in sec["taxes"].items()}
            assert {f["gateway"]: f["amount"] for f in g["service_fees"]} == {
                k: fmt(v, currency) for k, v in sec["service_fees"].items()
            }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start_date": "2026-13-01", "end_date": "2026-12-01"}, "start_date must be a date"),
        (
            {"start_date": "2026-12-01", "end_date": "2026-11-01"},
            "start_date must not be after end_date",
        ),
        (
            {"start_date": "2025-01-01", "end_date": "2026-06-01"},
            "The report range cannot exceed 366 days",
        ),
    ],
)
async def test_bad_ranges_are_400(client, merchant, params, message):
    response = await client.get("/reports/financial", params=params, headers=merchant["headers"])
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


async def test_empty_range_has_no_sections(client, merchant):
    response = await client.get(
        "/reports/financial",
        params={"start_date": "2020-01-01", "end_date": "2020-01-31"},
        headers=merchant["headers"],
    )
    assert response.status_code == 200
    assert response.json()["currencies"] == []
