"""Out-of-range values in every field of the invoice API (issue 12): each is the right 4xx
naming the field, never a 5xx, and nothing is written. Real api, MariaDB, Temporal."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.invoices.helpers import in_hours, invoice_body
from tests.security.hardening_support import assert_client_error, tenant_state


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": 1}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def line(**fields: Any) -> list[dict[str, Any]]:
    return [{"description": "Widget", "quantity": 1, "unit_price": "1000", **fields}]


# (body overrides, expected status, text the answer must contain: the field or the rule)
CREATE_ATTACKS: list[tuple[str, dict[str, Any], int, str]] = [
    ("quantity 10^12", {"lines": line(quantity=10**12)}, 422, "quantity"),
    ("quantity 3e9", {"lines": line(quantity=3 * 10**9)}, 422, "quantity"),
    ("quantity -10^12", {"lines": line(quantity=-(10**12))}, 400, "quantity"),
    ("unit_price exponent overflow", {"lines": line(unit_price="9E+999999999")}, 422, "unit_price"),
    ("unit_price 10^30 digits", {"lines": line(unit_price="1" + "0" * 30)}, 400, "unit_price"),
    ("unit_price int above 10^13", {"lines": line(unit_price=10**13 + 1)}, 422, "unit_price"),
    (
        "unit_price 31 decimals in IDR",
        {"lines": line(unit_price="1.0000000000000000000000000000001")},
        400,
        "decimal places",
    ),
    ("tax_rate tiny exponent", {"lines": line(tax_rate="1E-999999999")}, 422, "tax_rate"),
    (
        "tax_rate 31 decimals",
        {"lines": line(tax_rate="0.1000000000000000000000000000001")},
        400,
        "tax_rate",
    ),
    (
        "installment amounts exponent",
        {"installments": {"count": 2, "amounts": ["1e30", "-1e30"]}},
        422,
        "amounts",
    ),
    (
        "installment amounts huge digits",
        {"installments": {"count": 2, "amounts": ["1" + "0" * 30, "-" + "1" + "0" * 30]}},
        400,
        "nstallment",
    ),
    ("expires_at year 1", {"expires_at": "0001-01-01T00:00:00+01:00"}, 422, "expires_at"),
    ("expires_at year 9999", {"expires_at": "9999-12-31T23:59:59-01:00"}, 422, "expires_at"),
    ("metadata 32 deep", {"metadata": nested(32)}, 422, "metadata"),
    ("metadata 6 deep", {"metadata": nested(6)}, 422, "metadata"),
    ("metadata over 16 KiB", {"metadata": {"blob": "x" * 17_000}}, 422, "metadata"),
    ("customer 32 deep", {"customer": {"name": "Ani", "extra": nested(32)}}, 422, "customer"),
    ("customer over 16 KiB", {"customer": {"name": "Ani", "note": "x" * 17_000}}, 422, "customer"),
    ("external_id over its column", {"external_id": "x" * 256}, 422, "external_id"),
    ("gateway_id above BIGINT", {"gateway_id": 2**63}, 422, "gateway_id"),
]


@pytest.mark.parametrize(
    ("overrides", "status", "mentions"),
    [pytest.param(o, s, m, id=name) for name, o, s, m in CREATE_ATTACKS],
)
async def test_out_of_range_create_is_refused_and_writes_nothing(
    client, merchant, database_url, overrides, status, mentions
):
    before = await tenant_state(database_url, merchant["tenant_id"])
    response = await client.post(
        "/invoices", json=invoice_body(**overrides), headers=merchant["headers"]
    )
    assert_client_error(response, status)
    assert mentions in response.text, response.text
    assert await tenant_state(database_url, merchant["tenant_id"]) == before


async def test_bounds_are_in_the_openapi_document(client):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    line_item = schemas["LineItemIn"]["properties"]
    assert line_item["quantity"]["maximum"] == 10**6
    assert line_item["quantity"]["minimum"] == 1
    price = line_item["unit_price"]["anyOf"]
    assert {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "maxLength": 40}.items() <= (
        next(p for p in price if p["type"] == "string").items()
    )
    assert next(p for p in price if p["type"] == "integer")["maximum"] == 10**13
    assert "5 levels" in str(schemas["InvoiceCreate"]["properties"]["metadata"])


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1999-12-31", "x" * 65]
)
async def test_report_dates_out_of_range_are_4xx(client, merchant, value):
    for params in (
        {"start_date": value, "end_date": "2026-12-01"},
        {"start_date": "2026-01-01", "end_date": value},
    ):
        response = await client.get(
            "/reports/financial", params=params, headers=merchant["headers"]
        )
        assert_client_error(response, 400, 422)


@pytest.mark.parametrize("invoice_id", [str(2**63), str(10**30), "0", "-1"])
async def test_path_ids_outside_bigint_are_422(client, merchant, invoice_id):
    for suffix in ("", "/transactions", "/refunds", "/installments", "/discrepancies"):
        response = await client.get(f"/invoices/{invoice_id}{suffix}", headers=merchant["headers"])
        assert_client_error(response, 422)


PATCH_ATTACKS: list[tuple[str, dict[str, Any], str]] = [
    ("expires_at year 1", {"expires_at": "0001-01-01T00:00:00Z"}, "expires_at"),
    ("unit_price 1e30", {"line_items": line(unit_price="1e30")}, "unit_price"),
    ("unit_price 10^30 digits", {"line_items": line(unit_price="1" + "0" * 30)}, "unit_price"),
    ("metadata 32 deep", {"metadata": nested(32)}, "metadata"),
]


@pytest.mark.parametrize(
    ("body", "mentions"), [pytest.param(b, m, id=name) for name, b, m in PATCH_ATTACKS]
)
async def test_patch_with_bad_values_is_a_fast_readable_4xx(
    client, merchant, database_url, body, mentions
):
    created = await client.post(
        "/invoices", json=invoice_body(expires_at=in_hours(48)), headers=merchant["headers"]
    )
    assert created.status_code == 201, created.text
    invoice_id = created.json()["id"]
    before = await tenant_state(database_url, merchant["tenant_id"])
    started = time.monotonic()
    response = await client.patch(f"/invoices/{invoice_id}", json=body, headers=merchant["headers"])
    elapsed = time.monotonic() - started
    assert_client_error(response, 400, 422)
    assert mentions in response.text and "<class" not in response.text, response.text
    # No activity retries: refused by the schema or on the workflow's first attempt.
    assert elapsed < 5, elapsed
    assert await tenant_state(database_url, merchant["tenant_id"]) == before


@pytest.mark.parametrize(
    "change",
    [
        {"number": 1, "due_date": "0001-01-01T00:00:00+01:00"},
        {"number": 1, "amount": "1e30"},
        {"number": 10**12, "amount": "1000"},
    ],
)
async def test_adjusting_installments_with_bad_values_is_4xx(
    client, merchant, database_url, change
):
    created = await client.post(
        "/invoices",
        json=invoice_body(installments={"count": 2, "interval_days": 7}),
        headers=merchant["headers"],
    )
    assert created.status_code == 201, created.text
    before = await tenant_state(database_url, merchant["tenant_id"])
    response = await client.patch(
        f"/invoices/{created.json()['id']}/installments",
        json={"installments": [change]},
        headers=merchant["headers"],
    )
    assert_client_error(response, 400, 422)
    assert await tenant_state(database_url, merchant["tenant_id"]) == before
