"""POST /invoices/{id}/payments with success/failure redirect URLs (API.md "Invoices"): handed
to each gateway in its own fields, refused unless http(s); and a float amount's 422 says how
to send money."""

from __future__ import annotations

import pytest

SUCCESS = "https://shop.example.com/orders/1001/thanks"
FAILURE = "http://shop.example.com/orders/1001/retry?reason=declined"


async def _gateway_request(shop, reference: str) -> dict:
    payments = (await shop.sandbox("GET", "/_sandbox/payments")).json()
    rows = payments["data"] if isinstance(payments, dict) else payments
    [row] = [p for p in rows if p["reference"] == reference]
    return row["request"]


@pytest.mark.parametrize("gateway_id", [1, 2])
async def test_redirect_urls_reach_the_gateway(shop, client, gateway_id):
    invoice = await shop.create(gateway_id=gateway_id, installments={"count": 2})
    response = await client.post(
        f"/invoices/{invoice['id']}/payments",
        json={"success_redirect_url": SUCCESS, "failure_redirect_url": FAILURE},
        headers=shop.headers,
    )
    assert response.status_code == 201, response.text
    sent = await _gateway_request(shop, response.json()["gateway_reference"])
    if gateway_id == 1:  # Xendit
        assert sent["success_redirect_url"] == SUCCESS
        assert sent["failure_redirect_url"] == FAILURE
        assert sent["metadata"]["installment_count"] == "2"
    else:  # Midtrans Snap
        assert sent["callbacks"] == {"finish": SUCCESS, "error": FAILURE}
        assert sent["custom_field2"] == "1/2"


async def test_redirect_urls_must_be_http_or_https(shop, client):
    invoice = await shop.create()
    for bad in (
        "javascript:alert(1)",
        "ftp://shop.example.com/x",
        "/relative/path",
        "https://",
        "https://shop.example.com/a b",
    ):
        response = await client.post(
            f"/invoices/{invoice['id']}/payments",
            json={"success_redirect_url": bad},
            headers=shop.headers,
        )
        assert response.status_code == 422, (bad, response.text)
        assert ["body", "success_redirect_url"] in [
            d["loc"] for d in response.json()["error"]["details"]
        ]
    assert (await shop.get(invoice["id"]))["status"] == "draft"  # nothing changed


async def test_a_float_amount_says_how_to_send_money(shop, client):
    body = {
        "external_id": "float-order",
        "currency": "USD",
        "gateway_id": 1,
        "line_items": [{"description": "Widget", "quantity": 1, "unit_price": 12.5}],
    }
    response = await client.post("/invoices", json=body, headers=shop.headers)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert 'Send amounts as decimal strings, e.g. "12.50"' in error["message"]
    [detail] = error["details"]
    assert detail["loc"] == ["body", "line_items", "0", "unit_price"]
    assert 'Send amounts as decimal strings, e.g. "12.50"' in detail["msg"]
