"""The hot-path shortcuts answer exactly as the full paths do: the folded middleware (plain
requests skip the inner layers), the one-statement invoice read, the cached `/health`."""

from __future__ import annotations

import asyncio
import inspect

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import event

import api.app
from api.health.endpoints import CachedHealth
from api.invoices import service
from db import invoices as repo
from db import resources
from tests.invoices.helpers import invoice_body
from tests.support.statements import captured_statements


async def test_plain_and_full_chain_requests_carry_the_same_headers(client, merchant):
    plain = await client.get("/gateways", headers=merchant["headers"])
    # An Origin (not allowed by default) sends the request through every layer.
    full = await client.get(
        "/gateways", headers={**merchant["headers"], "Origin": "https://shop.example"}
    )
    assert plain.status_code == full.status_code == 200
    assert plain.json() == full.json()
    for response in (plain, full):
        assert response.headers["vary"] == "Origin"
        assert len(response.headers["x-request-id"]) >= 16
        assert response.headers["x-ratelimit-limit"]


async def test_one_statement_read_equals_the_orm_rendering(client, app, merchant):
    body = invoice_body()
    body["installments"] = {"count": 2, "interval_days": 7}
    body["line_items"][0]["tax_category"] = ""
    # Text that JSON must escape and nesting that must stay JSON, through the one document.
    body["description"] = 'Kopi "susu" \\ 100% — ☕\n2'
    body["metadata"] = {"order": {"lines": [1, 2.5, None, True]}, "note": "é ☕"}
    created = await client.post("/invoices", json=body, headers=merchant["headers"])
    assert created.status_code == 201, created.text
    invoice_id = created.json()["id"]
    services = app.state.services
    async with services.sessions() as session:
        invoice = await repo.InvoiceRepository(session, merchant["tenant_id"]).get(invoice_id)
        assert invoice is not None
        rendered = await resources.render(session, invoice)
    async with services.reader.connect() as conn:
        read = await service.read_invoice(conn, merchant["tenant_id"], invoice_id)
    assert read == rendered
    assert len(read.installments) == 2 and read.line_items[0].tax_category == ""
    got = await client.get(f"/invoices/{invoice_id}", headers=merchant["headers"])
    assert got.json() == created.json()


async def test_another_tenants_invoice_is_not_read(client, app, merchant):
    created = await client.post("/invoices", json=invoice_body(), headers=merchant["headers"])
    async with app.state.services.reader.connect() as conn:
        other = repo.InvoiceDocumentRepository(conn, "someone-else")
        assert await other.get(created.json()["id"]) is None


async def test_health_checks_run_once_per_second(app):
    cached = CachedHealth(app.state.services, ttl=60)
    first = await cached.response()
    checked_at = cached._checked_at
    second = await cached.response()
    assert cached._checked_at == checked_at  # answered from the cache
    assert first.status_code == second.status_code == 200
    assert first.body == second.body
    expired = CachedHealth(app.state.services, ttl=0)
    await expired.response()
    before = expired._checked_at
    await expired.response()
    assert expired._checked_at > before  # a lapsed cache checks again


def _sync_dependencies(dependant: Dependant) -> list[str]:
    found = []
    for sub in dependant.dependencies:
        call = sub.call
        if not (
            inspect.iscoroutinefunction(call)
            or inspect.isasyncgenfunction(call)
            or inspect.iscoroutinefunction(type(call).__call__)
        ):
            found.append(getattr(call, "__qualname__", repr(call)))
        found += _sync_dependencies(sub)
    return found


def test_no_route_has_a_sync_dependency_or_endpoint():
    """FastAPI runs a sync dependency or endpoint in the thread pool: a hop per request."""
    routes = []
    for router in [v for v in vars(api.app).values() if isinstance(v, APIRouter)]:
        routes += [r for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 40
    sync = {
        (route.path, name)
        for route in routes
        for name in _sync_dependencies(route.dependant)
        + ([] if inspect.iscoroutinefunction(route.endpoint) else ["endpoint"])
    }
    assert sync == set()


async def test_concurrent_reads_beyond_the_pool_wait_for_a_connection_instead_of_opening_one(
    client, app, merchant
):
    """More concurrent reads than pooled connections reuse the pool: an overflow connection
    would be opened for one read and closed on return (a connect and a MariaDB thread per
    request under load)."""
    created = await client.post("/invoices", json=invoice_body(), headers=merchant["headers"])
    invoice_id = created.json()["id"]
    reader = app.state.services.reader
    connects = 0

    def count(*_: object) -> None:
        nonlocal connects
        connects += 1

    event.listen(reader.sync_engine, "connect", count)
    try:
        for _ in range(3):
            answers = await asyncio.gather(
                *(
                    client.get(f"/invoices/{invoice_id}", headers=merchant["headers"])
                    for _ in range(4 * reader.pool.size())
                )
            )
            assert {a.status_code for a in answers} == {200}
    finally:
        event.remove(reader.sync_engine, "connect", count)
    assert connects <= reader.pool.size()
    assert reader.pool.overflow() <= 0


async def test_an_invoice_no_endpoint_takes_is_not_handed_to_delivery(client, app, merchant):
    """Creating an invoice for a tenant without webhook endpoints writes its event and no
    outbox row, and asks for no hand-over after the commit (one query fewer per creation)."""
    with captured_statements(app.state.services.engine.sync_engine) as statements:
        created = await client.post("/invoices", json=invoice_body(), headers=merchant["headers"])
    assert created.status_code == 201, created.text
    assert any("INSERT INTO events" in s for s in statements)
    assert not any("webhook_deliveries" in s for s in statements), statements
    events = await client.get(
        "/events", params={"invoice_id": created.json()["id"]}, headers=merchant["headers"]
    )
    assert [e["type"] for e in events.json()["data"]] == ["invoice.created"]


async def test_creation_numbers_its_event_with_the_insert(client, app, merchant):
    """invoice.created is the invoice's event 1, numbered in the INSERT of the row: creating
    an invoice does not UPDATE it; the next event is 2."""
    with captured_statements(app.state.services.engine.sync_engine) as statements:
        created = await client.post("/invoices", json=invoice_body(), headers=merchant["headers"])
    assert created.status_code == 201, created.text
    assert not any(s.lstrip().upper().startswith("UPDATE INVOICES") for s in statements), statements
    invoice_id = created.json()["id"]
    cancelled = await client.post(f"/invoices/{invoice_id}/cancel", headers=merchant["headers"])
    assert cancelled.status_code == 200, cancelled.text
    logged = await client.get(
        "/events", params={"invoice_id": invoice_id}, headers=merchant["headers"]
    )
    assert sorted((e["sequence"], e["type"]) for e in logged.json()["data"]) == [
        (1, "invoice.created"),
        (2, "invoice.cancelled"),
    ]
