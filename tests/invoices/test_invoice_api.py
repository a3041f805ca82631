"""POST/GET/PATCH/cancel of invoices: every validation with the seed's messages, tenancy,
idempotency, immutability after payment initiation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db.models import Invoice, TaxRateAudit
from tests.invoices.helpers import in_hours, invoice_body


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def post(client, headers, **kwargs):
    return await client.post("/invoices", json=invoice_body(**kwargs), headers=headers)


def error(response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]["message"]


async def test_totals_per_currency(shop):
    usd = await shop.create(
        currency="USD",
        lines=[
            {"description": "A", "quantity": 3, "unit_price": "19.99", "tax_rate": "0.0725"},
            {"description": "B", "quantity": 1, "unit_price": "5.05", "tax_rate": "0.1"},
        ],
    )
    # Independent computation: per-line tax rounded half up to cents, fee 2.9% + 0.30.
    a, b = Decimal("59.97"), Decimal("5.05")
    tax = (a * Decimal("0.0725")).quantize(Decimal("0.01"), "ROUND_HALF_UP") + (
        b * Decimal("0.1")
    ).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    fee = ((a + b) * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    assert usd["subtotal"] == "65.02"
    assert usd["tax_total"] == f"{tax}"
    assert usd["service_fee"] == f"{fee}"
    assert usd["total"] == f"{a + b + tax + fee}"
    assert [line["tax_rate"] for line in usd["line_items"]] == ["0.0725", "0.1000"]
    myr = await shop.create(
        currency="MYR", lines=[{"description": "C", "quantity": 1, "unit_price": 10}]
    )
    assert (myr["subtotal"], myr["tax_total"], myr["service_fee"], myr["total"]) == (
        "10.00",
        "0.00",
        "1.29",
        "11.29",
    )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"currency": "EUR"}, "Unsupported currency"),
        ({"currency": "USD", "gateway_id": 2}, "Gateway midtrans does not support currency USD"),
        ({"gateway_id": 99}, "Gateway 99 does not exist"),
        (
            {"lines": [{"description": "x", "quantity": 1, "unit_price": "10.5"}]},
            "more decimal places than IDR allows",
        ),
        (
            {"lines": [{"description": "x", "quantity": 0, "unit_price": "10"}]},
            "quantity must be at least 1",
        ),
        ({"lines": [{"description": "x", "quantity": 1, "unit_price": "-1"}]}, "negative"),
        (
            {
                "lines": [
                    {"description": "x", "quantity": 1, "unit_price": "10", "tax_rate": "1.0001"}
                ]
            },
            "Invalid tax_rate: must be between 0 and 1.0 with max 4 decimal places",
        ),
        (
            {
                "lines": [
                    {"description": "x", "quantity": 1, "unit_price": "10", "tax_rate": "0.12345"}
                ]
            },
            "Invalid tax_rate: must be between 0 and 1.0 with max 4 decimal places",
        ),
        ({"line_items": []}, "at least one line item"),
    ],
)
async def test_business_rule_violations_are_400(client, merchant, override, message):
    kwargs = dict(override)
    if "line_items" in kwargs:
        body = invoice_body()
        body["line_items"] = kwargs.pop("line_items")
        response = await client.post("/invoices", json=body, headers=merchant["headers"])
    else:
        response = await post(client, merchant["headers"], **kwargs)
    assert message in error(response, 400)


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        (lambda now: now - timedelta(minutes=5), "Expiration time cannot be in the past"),
        (lambda now: now + timedelta(minutes=30), "Expiration must be at least 1 hour from now"),
        (lambda now: now + timedelta(days=31), "Expiration must be within 30 days from now"),
    ],
)
async def test_expiry_rules(client, merchant, expires, message):
    response = await post(client, merchant["headers"], expires_at=iso(expires(datetime.now(UTC))))
    assert error(response, 400) == message


async def test_expiry_before_last_installment_is_rejected(client, merchant):
    response = await post(
        client,
        merchant["headers"],
        expires_at=in_hours(48),
        installments={"count": 3, "interval_days": 7},
    )
    assert error(response, 400).startswith(
        "Invoice expiration cannot occur before final installment due date "
    )


async def test_default_expiry_is_24_hours(shop):
    before = datetime.now(UTC)
    invoice = await shop.create()
    expires = datetime.fromisoformat(invoice["expires_at"].replace("Z", "+00:00"))
    assert timedelta(hours=23, minutes=59) < expires - before < timedelta(hours=24, minutes=1)


async def test_malformed_payloads_are_422(client, merchant):
    body = invoice_body()
    body["line_items"][0]["unit_price"] = 10.5  # a float is not money
    assert (
        await client.post("/invoices", json=body, headers=merchant["headers"])
    ).status_code == 422
    body = invoice_body()
    del body["external_id"]
    assert (
        await client.post("/invoices", json=body, headers=merchant["headers"])
    ).status_code == 422


async def test_high_tax_rates_are_accepted_and_audited(app, shop):
    invoice = await shop.create(
        lines=[{"description": "Luxury", "quantity": 1, "unit_price": "1000", "tax_rate": "0.35"}]
    )
    assert invoice["tax_total"] == "350"
    async with app.state.services.sessions() as session:
        audited = (
            (
                await session.execute(
                    select(TaxRateAudit).where(TaxRateAudit.invoice_id == invoice["id"])
                )
            )
            .scalars()
            .all()
        )
    assert [str(a.tax_rate) for a in audited] == ["0.3500"]


async def test_external_id_is_unique_per_tenant(client, merchant, admin_headers, tenant_id):
    body = invoice_body()
    assert (
        await client.post("/invoices", json=body, headers=merchant["headers"])
    ).status_code == 201
    again = await client.post("/invoices", json=body, headers=merchant["headers"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_external_id"
    other = await client.post(
        "/api-keys", json={"tenant_id": f"{tenant_id}-b", "name": "b"}, headers=admin_headers
    )
    other_headers = {"X-API-Key": other.json()["key"]}
    assert (await client.post("/invoices", json=body, headers=other_headers)).status_code == 201


async def test_idempotent_creation(app, client, merchant):
    headers = {**merchant["headers"], "Idempotency-Key": str(uuid.uuid4())}
    body = invoice_body()
    first = await client.post("/invoices", json=body, headers=headers)
    second = await client.post("/invoices", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    async with app.state.services.sessions() as session:
        count = (
            await session.execute(
                select(func.count())
                .select_from(Invoice)
                .where(Invoice.tenant_id == merchant["tenant_id"])
            )
        ).scalar_one()
    assert count == 1
    changed = dict(body, description="other")
    assert (await client.post("/invoices", json=changed, headers=headers)).status_code == 409


async def test_list_filters_and_pagination(shop, client):
    for currency in ("IDR", "IDR", "USD"):
        await shop.create(currency=currency)
    page = await client.get("/invoices", params={"page_size": 2}, headers=shop.headers)
    body = page.json()
    assert body["total"] == 3 and len(body["data"]) == 2 and body["page_size"] == 2
    usd = await client.get("/invoices", params={"currency": "USD"}, headers=shop.headers)
    assert [i["currency"] for i in usd.json()["data"]] == ["USD"]
    drafts = await client.get("/invoices", params={"status": "draft"}, headers=shop.headers)
    assert drafts.json()["total"] == 3
    too_big = await client.get("/invoices", params={"page_size": 201}, headers=shop.headers)
    assert too_big.status_code == 422


async def test_other_tenants_invoice_is_404_everywhere(client, shop, admin_headers):
    invoice = await shop.create()
    intruder = await client.post(
        "/api-keys",
        json={"tenant_id": f"intruder-{uuid.uuid4().hex[:8]}", "name": "x"},
        headers=admin_headers,
    )
    headers = {"X-API-Key": intruder.json()["key"]}
    invoice_id = invoice["id"]
    probes = [
        ("GET", f"/invoices/{invoice_id}", None),
        ("PATCH", f"/invoices/{invoice_id}", {"description": "pwned"}),
        ("POST", f"/invoices/{invoice_id}/payments", {}),
        ("POST", f"/invoices/{invoice_id}/cancel", {}),
        ("GET", f"/invoices/{invoice_id}/transactions", None),
        ("GET", f"/invoices/{invoice_id}/discrepancies", None),
        ("GET", f"/invoices/{invoice_id}/overpayment", None),
        ("GET", f"/invoices/{invoice_id}/refunds", None),
        ("GET", f"/invoices/{invoice_id}/installments", None),
    ]
    for method, path, body in probes:
        response = await client.request(method, path, json=body, headers=headers)
        assert response.status_code == 404, (method, path, response.text)
        missing = await client.request(
            method, path.replace(str(invoice_id), "999999999"), json=body, headers=headers
        )
        assert missing.json()["error"]["code"] == response.json()["error"]["code"]
    listed = await client.get("/invoices", headers=headers)
    assert listed.json()["total"] == 0
    assert (await shop.get(invoice_id))["description"] == invoice["description"]


async def test_patch_draft_recomputes_totals(shop, client):
    invoice = await shop.create()
    response = await client.patch(
        f"/invoices/{invoice['id']}",
        json={
            "description": "Bigger order",
            "line_items": [
                {"description": "Widget", "quantity": 4, "unit_price": "50000", "tax_rate": "0.11"}
            ],
        },
        headers=shop.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["description"] == "Bigger order"
    assert (body["subtotal"], body["tax_total"], body["service_fee"], body["total"]) == (
        "200000",
        "22000",
        "7800",
        "229800",
    )
    assert body["expires_at"] == invoice["expires_at"]
    bad = await client.patch(
        f"/invoices/{invoice['id']}",
        json={
            "line_items": [{"description": "x", "quantity": 1, "unit_price": "1", "tax_rate": "2"}]
        },
        headers=shop.headers,
    )
    assert "Invalid tax_rate" in error(bad, 400)
    assert (await shop.get(invoice["id"]))["total"] == "229800"  # unchanged by the bad PATCH


async def test_invoice_is_immutable_after_payment_initiation(shop, client):
    invoice = await shop.create()
    await shop.pay_link(invoice["id"])
    response = await client.patch(
        f"/invoices/{invoice['id']}", json={"description": "late"}, headers=shop.headers
    )
    assert error(response, 400) == "Invoice cannot be modified after payment has been initiated"
    assert (await shop.get(invoice["id"]))["description"] == invoice["description"]


async def test_cancel_rules(shop, client):
    draft = await shop.create()
    cancelled = await client.post(f"/invoices/{draft['id']}/cancel", json={}, headers=shop.headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/invoices/{draft['id']}/cancel", json={}, headers=shop.headers)
    assert again.status_code == 400
    pay = await shop.initiate(draft["id"])
    assert error(pay, 400) in (
        "Cannot initiate payment for cancelled invoice",
        "Invoice is cancelled; it cannot change any more",
    )

    pending = await shop.create()
    link = await shop.pay_link(pending["id"])
    ok = await client.post(f"/invoices/{pending['id']}/cancel", json={}, headers=shop.headers)
    assert ok.status_code == 200
    # The live payment link was expired at the gateway.
    from tests.invoices.helpers import eventually

    await eventually(
        lambda: shop.sandbox("GET", f"/_sandbox/payments/{link['gateway_reference']}"),
        lambda r: r.json()["status"] == "expired",
    )

    partly = await shop.create()
    link = await shop.pay_link(partly["id"])
    await shop.sandbox_pay(link["gateway_reference"], amount="1000")
    await shop.wait_status(partly["id"], "partially_paid")
    refused = await client.post(f"/invoices/{partly['id']}/cancel", json={}, headers=shop.headers)
    assert error(refused, 400) == "Invoice cannot be cancelled after a payment has been received"


async def test_fully_paid_invoice_cannot_be_paid_again(shop):
    invoice = await shop.create()
    link = await shop.pay_link(invoice["id"])
    await shop.sandbox_pay(link["gateway_reference"])
    await shop.wait_status(invoice["id"], "fully_paid")
    again = await shop.initiate(invoice["id"])
    assert again.status_code == 400
