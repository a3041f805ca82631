"""Cross-tenant probe: tenant A has an invoice in installments with a payment initiated and one
installment paid, a supplementary invoice, and a permanently failed webhook; tenant B, with its
own valid key, calls every endpoint with A's ids. Every one answers 404 (lists: nothing of
A's), nothing of A's appears in any body B receives, and A's data is unchanged."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.gateways.support import XENDIT_TOKEN
from tests.invoices.helpers import Merchant, eventually, xendit_callback


async def _tenant(client, admin_headers, name: str) -> dict[str, Any]:
    import uuid

    tenant_id = f"t-{name}-{uuid.uuid4().hex[:10]}"
    created = await client.post(
        "/api-keys", json={"tenant_id": tenant_id, "name": name}, headers=admin_headers
    )
    assert created.status_code == 201, created.text
    return {"tenant_id": tenant_id, "headers": {"X-API-Key": created.json()["key"]}}


def _ids_in(value: Any, keys: frozenset[str] = frozenset({"id", "invoice_id"})) -> set[int]:
    """Every value of an `id` / `invoice_id` / `original_invoice_id` field in a JSON body."""
    found: set[int] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys | {"original_invoice_id"} and isinstance(item, int):
                found.add(item)
            found |= _ids_in(item, keys)
    elif isinstance(value, list):
        for item in value:
            found |= _ids_in(item, keys)
    return found


async def test_tenant_b_sees_nothing_of_tenant_a(client, admin_headers, sandbox):
    a = await _tenant(client, admin_headers, "a")
    b = await _tenant(client, admin_headers, "b")
    shop_a = Merchant(client, a["headers"], sandbox.url)

    invoice = await shop_a.create(installments={"count": 3, "interval_days": 7})
    link = await shop_a.pay_link(invoice["id"])
    await shop_a.sandbox_pay(link["gateway_reference"])
    await shop_a.wait_status(invoice["id"], "partially_paid")
    supplementary = await client.post(
        f"/invoices/{invoice['id']}/supplementary",
        json={
            "external_id": f"{invoice['external_id']}-extra",
            "line_items": [{"description": "Delivery", "quantity": 1, "unit_price": "25000"}],
        },
        headers=a["headers"],
    )
    assert supplementary.status_code == 201, supplementary.text
    child = supplementary.json()
    # A's permanently failed webhook: a verified payment of installment 2 in the wrong currency.
    second = await shop_a.pay_link(invoice["id"])
    assert second["installment_number"] == 2
    mismatch = await client.post(
        "/webhooks/xendit",
        content=xendit_callback(
            reference=second["gateway_reference"],
            external_id=(
                await shop_a.sandbox("GET", f"/_sandbox/payments/{second['gateway_reference']}")
            ).json()["merchant_reference"],
            amount="10",
            currency="USD",
        ),
        headers={"x-callback-token": XENDIT_TOKEN, "content-type": "application/json"},
    )
    assert mismatch.status_code == 200, mismatch.text
    failed_a = await eventually(
        lambda: client.get("/webhooks/failed", headers=a["headers"]),
        lambda r: any(e["invoice_id"] == invoice["id"] for e in r.json()["data"]),
    )
    failed_id = next(e["id"] for e in failed_a.json()["data"] if e["invoice_id"] == invoice["id"])
    before = await shop_a.get(invoice["id"])
    before_child = await shop_a.get(child["id"])

    a_ids = {invoice["id"], child["id"]}
    secrets_of_a = [
        invoice["external_id"],
        child["external_id"],
        link["gateway_reference"],
        second["gateway_reference"],
        a["tenant_id"],
        a["headers"]["X-API-Key"],
    ]
    bodies: list[tuple[str, str]] = []
    wrong: list[str] = []
    today = datetime.now(UTC).date()

    async def call(method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = await client.request(method, path, headers=b["headers"], **kwargs)
        bodies.append((f"{method} {path}", response.text))
        if response.status_code != expect:
            wrong.append(f"{method} {path} -> {response.status_code} {response.text[:200]}")
        return response

    line = {"description": "X", "quantity": 1, "unit_price": "1000"}
    for invoice_id in sorted(a_ids):
        base = f"/invoices/{invoice_id}"
        await call("GET", base, 404)
        for sub in ("installments", "transactions", "discrepancies", "overpayment", "refunds"):
            await call("GET", f"{base}/{sub}", 404)
        await call("PATCH", base, 404, json={"description": "hijacked by B"})
        await call(
            "PATCH",
            f"{base}/installments",
            404,
            json={"installments": [{"number": 2, "amount": "1"}]},
        )
        await call("POST", f"{base}/payments", 404, json={})
        await call("POST", f"{base}/payments", 404, json={"installment_number": 2})
        await call(
            "POST",
            f"{base}/supplementary",
            404,
            json={"external_id": "b-sup", "line_items": [line]},
        )
        await call("POST", f"{base}/cancel", 404, json={})

    listed = await call("GET", "/invoices", 200, params={"page_size": 200})
    assert listed.json()["total"] == 0 and listed.json()["data"] == []
    for status in ("pending", "partially_paid", "draft"):
        filtered = await call("GET", "/invoices", 200, params={"status": status})
        assert filtered.json()["data"] == []
    report = await call(
        "GET",
        "/reports/financial",
        200,
        params={
            "start_date": (today - timedelta(days=1)).isoformat(),
            "end_date": (today + timedelta(days=1)).isoformat(),
        },
    )
    assert all(section["invoice_count"] == 0 for section in report.json()["currencies"]), (
        report.text
    )
    failed_b = await call("GET", "/webhooks/failed", 200, params={"page_size": 200})
    assert failed_id not in {e["id"] for e in failed_b.json()["data"]}
    # Replay is admin-only: a merchant key is refused whoever owns the event.
    await call("POST", f"/webhooks/failed/{failed_id}/retry", 401)
    # B's own (empty) view of a reference of A's does not exist either.
    await call("GET", f"/invoices/{invoice['id'] + 10_000_000}", 404)

    assert not wrong, "B got answers other than 404 for A's resources:\n" + "\n".join(wrong)
    leaks = [
        (request, secret) for request, body in bodies for secret in secrets_of_a if secret in body
    ]
    assert not leaks, f"A's data in B's responses: {leaks}"
    id_leaks = []
    for request, body in bodies:
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            continue
        if _ids_in(parsed) & a_ids or failed_id in _ids_in(parsed, frozenset({"id"})):
            id_leaks.append((request, body[:300]))
    assert not id_leaks, f"A's ids in B's response bodies: {id_leaks}"

    # Nothing B did changed A's invoices.
    after = await shop_a.get(invoice["id"])
    after_child = await shop_a.get(child["id"])
    for key in ("status", "description", "amount_paid", "installments", "updated_at"):
        assert after[key] == before[key], key
        assert after_child[key] == before_child[key], key
    assert after["payment_initiated_at"] == before["payment_initiated_at"]
