"""GET /invoices (API.md "Conventions: lists" and "Invoices"): every filter, cursor paging
beside page/page_size, 422 for what a list does not know, and the indexes behind them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, text

from api.pagination import encode_cursor
from db import invoices as repo
from db.models import Invoice
from db.pagination import ListParams, page_query

ORDER = [Invoice.created_at, Invoice.id]


async def _list(client, headers, **params) -> dict:
    response = await client.get("/invoices", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def _insert_invoices(
    app, tenant_id: str, count: int, *, start: datetime, **columns: object
) -> list[int]:
    """Rows straight into MariaDB (a list reads only MySQL): three per timestamp, so the walk
    also has to break ties on id."""
    rows = [
        {
            "tenant_id": tenant_id,
            "external_id": f"bulk-{uuid.uuid4().hex[:16]}",
            "status": "draft",
            "currency": "IDR",
            "gateway_id": 1,
            "subtotal": Decimal(1000),
            "tax_total": Decimal(0),
            "service_fee": Decimal(0),
            "total": Decimal(1000),
            "fee_percentage": Decimal(0),
            "fee_fixed": Decimal(0),
            "expires_at": (start + timedelta(days=1)).replace(tzinfo=None),
            "created_at": (start - timedelta(seconds=i // 3)).replace(tzinfo=None),
        }
        | columns
        for i in range(count)
    ]
    async with app.state.services.sessions() as session, session.begin():
        await session.execute(insert(Invoice), rows)
    async with app.state.services.sessions() as session:
        result = await session.execute(
            text("SELECT id FROM invoices WHERE tenant_id = :t"), {"t": tenant_id}
        )
        return [int(r[0]) for r in result]


async def test_each_filter(shop, client):
    idr = await shop.create(currency="IDR", gateway_id=1)
    usd = await shop.create(currency="USD", gateway_id=1)
    midtrans = await shop.create(currency="IDR", gateway_id=2)
    headers = shop.headers

    def ids(body: dict) -> list[int]:
        return [i["id"] for i in body["data"]]

    everything = await _list(client, headers)
    assert ids(everything) == [midtrans["id"], usd["id"], idr["id"]]  # newest first
    assert everything["total"] == 3 and everything["has_more"] is False

    found = await _list(client, headers, external_id=usd["external_id"])
    assert ids(found) == [usd["id"]]
    assert ids(await _list(client, headers, external_id="no-such-order")) == []
    assert ids(await _list(client, headers, gateway_id=2)) == [midtrans["id"]]
    assert ids(await _list(client, headers, currency="usd")) == [usd["id"]]
    assert ids(await _list(client, headers, status="draft")) == ids(everything)
    assert ids(await _list(client, headers, status="pending")) == []

    created = [datetime.fromisoformat(i["created_at"].replace("Z", "+00:00")) for i in (idr, usd)]
    between = await _list(
        client,
        headers,
        created_gte=created[0].isoformat(),
        created_lte=created[1].isoformat(),
    )
    assert ids(between) == [usd["id"], idr["id"]]
    today = datetime.now(UTC).date().isoformat()
    assert len(ids(await _list(client, headers, created_gte=today, created_lte=today))) == 3
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert ids(await _list(client, headers, created_gte=tomorrow)) == []
    combined = await _list(client, headers, currency="IDR", gateway_id=1, status="draft")
    assert ids(combined) == [idr["id"]]


async def test_unknown_parameter_or_bad_value_is_422_naming_it(shop, client, admin_headers):
    cases = [
        ("/invoices", {"created_after": "2026-01-01"}, "created_after"),
        ("/invoices", {"status": "bogus"}, "status"),
        ("/invoices", {"currency": "EUR"}, "currency"),
        ("/invoices", {"gateway_id": "x"}, "gateway_id"),
        ("/invoices", {"created_gte": "yesterday"}, "created_gte"),
        ("/invoices", {"created_lte": "2026-13-01"}, "created_lte"),
        ("/invoices", {"limit": 0}, "limit"),
        ("/invoices", {"starting_after": "not-a-cursor"}, "starting_after"),
        # well-formed cursors that do not fit the list's order (checked where the page is
        # fetched, in db/pagination.py): one value for a two-column order; a string id
        ("/invoices", {"starting_after": encode_cursor([1])}, "starting_after"),
        (
            "/invoices",
            {"starting_after": encode_cursor(["2026-01-01T00:00:00Z", "x"])},
            "starting_after",
        ),
        ("/webhooks/failed", {"starting_after": encode_cursor([1, 2, 3])}, "starting_after"),
        ("/invoices", {"limit": 5, "page_size": 5}, "limit"),
        ("/invoices", {"limit": 5, "page": 2}, "page"),
        ("/api-keys", {"tenant": "x"}, "tenant"),
        ("/api-keys/audit", {"start_date": "soon"}, "start_date"),
        ("/webhooks/failed", {"gateway": "xendit"}, "gateway"),
    ]
    for path, params, name in cases:
        headers = admin_headers if path.startswith("/api-keys") else shop.headers
        response = await client.get(path, params=params, headers=headers)
        assert response.status_code == 422, (path, params, response.text)
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert repr(name) in error["message"], (params, error)
        assert ["query", name] in [d["loc"] for d in error["details"]]


async def test_limit_is_honoured_and_page_paging_still_works(shop, client):
    for _ in range(3):
        await shop.create()
    first = await _list(client, shop.headers, limit=2)
    assert len(first["data"]) == 2 and first["has_more"] is True and first["next_cursor"]
    assert first["total"] is None and first["page"] is None
    rest = await _list(client, shop.headers, limit=2, starting_after=first["next_cursor"])
    assert len(rest["data"]) == 1 and rest["has_more"] is False and rest["next_cursor"] is None
    paged = await _list(client, shop.headers, page=2, page_size=2)
    assert paged["total"] == 3 and paged["page"] == 2 and len(paged["data"]) == 1
    assert paged["data"][0]["id"] == rest["data"][0]["id"]


async def test_cursor_walk_while_new_invoices_arrive(app, shop, client, merchant):
    """250 invoices walked 40 at a time while new ones are created between the calls: every
    one of the 250 is seen exactly once, and the walk ends."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    existing = set(await _insert_invoices(app, merchant["tenant_id"], 250, start=start))
    assert len(existing) == 250
    seen: list[int] = []
    arrived: set[int] = set()
    cursor: str | None = None
    for _ in range(20):
        params: dict[str, object] = {"limit": 40}
        if cursor:
            params["starting_after"] = cursor
        body = await _list(client, shop.headers, **params)
        seen += [i["id"] for i in body["data"]]
        arrived.add((await shop.create())["id"])
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert len(seen) == len(set(seen)), "a duplicate in the walk"
    assert existing <= set(seen), f"missed: {sorted(existing - set(seen))[:10]}"
    assert not (set(seen) & arrived), "rows created after the walk began sort before it"
    assert cursor is None


async def test_list_queries_use_an_index_without_filesort(app, merchant):
    """EXPLAIN of each filter's list query: an index leading with tenant_id, no filesort, so
    a tenant with a million invoices pages in milliseconds (MariaDB reads LIMIT+1 index rows)."""
    tenant = merchant["tenant_id"]
    ids = await _insert_invoices(app, tenant, 300, start=datetime.now(UTC))
    async with app.state.services.sessions() as session:
        known = await session.get(Invoice, ids[0])
        assert known is not None
    # A few rare values: a filter on them must go straight to them, not scan the tenant.
    for rare in ({"status": "failed"}, {"currency": "USD"}, {"gateway_id": 2}):
        await _insert_invoices(app, tenant, 3, start=datetime.now(UTC), **rare)
    # Other tenants' rows, so the tenant is a small part of the table as in production.
    # (rare in this tenant, common in others: only the tenant-leading index narrows to them).
    for columns in ({"status": "failed"}, {"currency": "USD"}, {"gateway_id": 2}, {}):
        other = f"other-{uuid.uuid4().hex[:8]}"
        await _insert_invoices(app, other, 300, start=datetime.now(UTC), **columns)
    now = datetime.now(UTC)
    cursor = ListParams(page=None, size=50, after=(now.isoformat(), 10**12))
    first = ListParams(page=1, size=50)
    cases: dict[str, tuple[dict[str, Any], str]] = {
        "plain": ({}, "ix_invoices_tenant_id_created_at"),
        "status": ({"status": "failed"}, "ix_invoices_tenant_id_status_created_at"),
        "currency": ({"currency": "USD"}, "ix_invoices_tenant_id_currency_created_at"),
        "gateway": ({"gateway_id": 2}, "ix_invoices_tenant_id_gateway_id_created_at"),
        "created": (
            {"created_gte": now - timedelta(days=1), "created_lte": now},
            "ix_invoices_tenant_id_created_at",
        ),
        "external_id": ({"external_id": known.external_id}, "uq_invoices_tenant_id_external_id"),
    }
    async with app.state.services.sessions() as session:
        await session.execute(text("ANALYZE TABLE invoices"))
        for name, (filters, index) in cases.items():
            invoices = repo.InvoiceRepository(session, tenant)
            conditions = invoices.list_conditions(repo.InvoiceFilters(**filters))
            for params in (first, cursor):
                hint = repo.list_index(**{k: v for k, v in filters.items() if "created" not in k})
                stmt = page_query(Invoice, conditions, ORDER, params, index=hint)
                sql = stmt.compile(
                    dialect=session.bind.dialect, compile_kwargs={"literal_binds": True}
                )
                plan = (await session.execute(text(f"EXPLAIN {sql}"))).mappings().all()
                assert len(plan) == 1, plan
                row = plan[0]
                assert row["key"] == index, (name, row)
                assert "filesort" not in (row["Extra"] or ""), (name, row)
                assert row["type"] in ("ref", "range", "const"), (name, row)
                if params is cursor and name != "external_id":
                    # The cursor's bound is where the scan starts (not a filter on every row).
                    assert row["type"] == "range", (name, row)


async def test_every_merchant_read_refuses_unknown_parameters(shop, client):
    invoice = await shop.create()
    for path in (
        "/gateways",
        f"/invoices/{invoice['id']}",
        f"/invoices/{invoice['id']}/transactions",
        f"/invoices/{invoice['id']}/installments",
        f"/invoices/{invoice['id']}/refunds",
        "/events",
        "/webhook-endpoints",
    ):
        response = await client.get(path, params={"expand": "all"}, headers=shop.headers)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["message"] == "Unknown query parameter 'expand'"
        assert (await client.get(path, headers=shop.headers)).status_code == 200, path
