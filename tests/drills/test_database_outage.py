"""Drill: MariaDB goes away for OUTAGE seconds (60) in the middle of a run.

The api and the worker reach MariaDB only through a pausable TCP proxy (in a thread of the test
process; migrations go direct). While invoices are being created, payment-initiated and paid,
the proxy refuses every connection and resets the open ones for 60 s. Meanwhile:
- DB-touching requests (POST /invoices with and without Idempotency-Key, GET /invoices/{id})
  answer 503 with the error envelope, never 500; `/health` is 503 naming the database (and
  Temporal still "ok");
- webhooks for payments made during the outage are accepted at once (200: they only need
  Temporal), and their processing is retried (WebhookWorkflow's T+1 min retry), unless the
  invoice's payment sync finds the payment at the gateway first once MariaDB is back;
After `restore()`, within RECOVERY_DEADLINE: every payment is applied (amount_paid equals the
sandbox's record, each payment one paid transaction), the client's retried creations (same
Idempotency-Key) exist exactly once, every invoice row has its workflow, `/health` is 200, and no
webhook permanently failed.

Why no payment is made in the PAY_QUIET seconds before the outage: WebhookWorkflow retries a
failed attempt at T+1 min, T+6 min and T+36 min, counted from the webhook's arrival. A webhook
that arrives during the outage always has its T+1 min retry after a 60 s outage has ended. One
whose first attempt is still running when MariaDB goes away (it arrived up to a few hundred ms
before) has its T+1 min retry inside the outage and is only applied at T+6 min: six real
minutes, too long for CI. Such a webhook is not lost (the T+6 min retry applies it), but this
drill keeps to the observable-in-budget case: creation, initiation and status reads go on right
up to and through the outage, payments pause for a moment around its start.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Any

import httpx
import pytest

from tests.drills.conftest import StackFactory, with_port
from tests.drills.helpers import (
    MerchantClient,
    amount,
    assert_error_envelope,
    check_invoice,
    drill_invoice,
    money_mismatches,
    sandbox_paid_by_invoice,
    workflow_statuses,
)
from tests.e2e.support import Database, e2e_database_url
from tests.support.threaded_proxy import ThreadedTcpProxy

OUTAGE = 60.0
PAY_QUIET = 3.0  # no payment in the last seconds before the outage (see the docstring)
BEFORE = 15.0  # load before the outage
AFTER = 10.0  # load after it
RESERVED = 8  # invoices initiated before the outage and paid during it
RECOVERY_DEADLINE = 100.0


class Load:
    """Creates, initiates and pays invoices back to back until told to stop."""

    def __init__(self, client: MerchantClient) -> None:
        self.client = client
        self.stop = asyncio.Event()
        self.pay_open = asyncio.Event()
        self.pay_open.set()
        self.created: dict[str, int] = {}
        self.paid: list[tuple[int, str, Decimal]] = []
        self.unpaid: list[tuple[int, dict[str, Any]]] = []
        self.count = 0

    async def run(self, worker: int) -> None:
        while not self.stop.is_set():
            self.count += 1
            external_id = f"db-{worker}-{self.count}-{uuid.uuid4().hex[:6]}"
            gateway = ("xendit", "midtrans")[self.count % 2]
            invoice = await self.client.create_invoice(drill_invoice(external_id, gateway))
            self.created[external_id] = int(invoice["id"])
            link = await self.client.initiate(int(invoice["id"]), f"{external_id}:pay")
            if not self.pay_open.is_set():
                self.unpaid.append((int(invoice["id"]), link))
                continue
            total = amount(invoice["total"])
            paid = total + (Decimal(1000) if self.count % 3 == 0 else Decimal(0))
            await self.client.sandbox_pay(link["gateway_reference"], paid, 2)
            self.paid.append((int(invoice["id"]), link["gateway_reference"], paid))


async def probe_outage(
    client: MerchantClient, known_invoice: int, until: float
) -> dict[str, list[Any]]:
    """DB-touching requests and /health while MariaDB is away: every answer is recorded."""
    seen: dict[str, list[Any]] = {"create": [], "create_idem": [], "get": [], "health": []}
    async with httpx.AsyncClient(
        base_url=client.stack.api_url, headers={"X-API-Key": client.key}, timeout=30
    ) as http:
        while time.monotonic() < until - 2:
            external_id = f"probe-{uuid.uuid4().hex[:10]}"
            body = drill_invoice(external_id, "xendit")
            idem = {"Idempotency-Key": external_id}
            requests: list[tuple[str, Callable[[], Awaitable[httpx.Response]]]] = [
                ("create", partial(http.post, "/invoices", json=body)),
                ("create_idem", partial(http.post, "/invoices", json=body, headers=idem)),
                ("get", partial(http.get, f"/invoices/{known_invoice}")),
                ("health", partial(http.get, "/health")),
            ]
            for name, request in requests:
                response = await request()
                seen[name].append((response.status_code, response.json(), external_id))
            await asyncio.sleep(3)
    return seen


async def pay_during_outage(
    client: MerchantClient, reserved: list[tuple[int, dict[str, Any], Decimal]], until: float
) -> list[tuple[int, str, Decimal, float]]:
    """Pay the reserved invoices one by one during the outage (two deliveries each)."""
    made = []
    gap = (until - time.monotonic() - 8) / max(len(reserved), 1)
    for invoice_id, link, paid in reserved:
        await client.sandbox_pay(link["gateway_reference"], paid, 2)
        made.append((invoice_id, link["gateway_reference"], paid, time.monotonic()))
        await asyncio.sleep(gap)
    return made


@pytest.mark.slow
async def test_database_outage_answers_503_and_applies_every_payment_after(
    drill_stack: StackFactory, db_proxy: ThreadedTcpProxy
) -> None:
    started = time.monotonic()
    direct = e2e_database_url("paytrust_drill_db")
    stack = drill_stack("paytrust_drill_db", process_database_url=with_port(direct, db_proxy.port))
    client = MerchantClient.new(stack)
    db = Database(stack.database_url)
    try:
        assert db_proxy.accepted > 0, "the api and worker do not go through the proxy"
        # Invoices paid during the outage: created and initiated now, paid then.
        reserved: list[tuple[int, dict[str, Any], Decimal]] = []
        for n in range(RESERVED):
            gateway = ("xendit", "midtrans")[n % 2]
            invoice = await client.create_invoice(drill_invoice(f"reserved-{n}", gateway))
            link = await client.initiate(int(invoice["id"]), f"reserved-{n}:pay")
            reserved.append((int(invoice["id"]), link, amount(invoice["total"])))

        load = Load(client)
        workers = [asyncio.create_task(load.run(w)) for w in range(3)]
        await asyncio.sleep(BEFORE - PAY_QUIET)
        load.pay_open.clear()
        await asyncio.sleep(PAY_QUIET)

        # --- the outage --------------------------------------------------------------------
        db_proxy.refuse()
        refused_at = time.monotonic()
        print(f"\n[db drill] MariaDB refused at {refused_at - started:.1f}s", flush=True)
        until = refused_at + OUTAGE
        await asyncio.sleep(1.0)
        probe = asyncio.create_task(probe_outage(client, reserved[0][0], until))
        during = await pay_during_outage(client, reserved, until)
        seen = await probe
        await asyncio.sleep(max(0.0, until - time.monotonic()))
        db_proxy.restore()
        restored_at = time.monotonic()
        print(f"[db drill] MariaDB back after {restored_at - refused_at:.1f}s", flush=True)
        load.pay_open.set()

        await asyncio.sleep(AFTER)
        load.stop.set()
        results = await asyncio.gather(*workers, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, errors
        for invoice_id, link in load.unpaid:  # initiated in the quiet window or the outage
            invoice = await client.get_invoice(invoice_id)
            await client.sandbox_pay(link["gateway_reference"], amount(invoice["total"]), 2)

        # --- what the outage looked like from outside -----------------------------------------
        for name in ("create", "create_idem", "get"):
            assert seen[name], f"no {name} probe ran during the outage"
            for status, body, _ in seen[name]:
                assert status == 503, (name, status, body)
                assert_error_envelope(body, name)
        for status, body, _ in seen["health"]:
            assert status == 503, body
            assert body["checks"]["database"] != "ok", body
            assert body["checks"]["temporal"] == "ok", body
        # The load's own retried requests: 503s with the envelope, never a 500 (call() raises).
        for unavailable in client.unavailable:
            assert_error_envelope(unavailable.body, unavailable.path)
        assert client.stats["503"] > 0, client.stats
        # The webhooks sent during the outage were accepted at once (they only need Temporal).
        for _, reference, _, _ in during:
            response = await client.sandbox.get(
                "/_sandbox/webhooks", params={"reference": reference}
            )
            deliveries = response.json()["data"]
            assert len(deliveries) == 2, deliveries
            for delivery in deliveries:
                first = delivery["attempts"][0]
                assert first["status_code"] == 200, delivery

        # --- recovery -----------------------------------------------------------------------
        deadline = restored_at + RECOVERY_DEADLINE
        while True:
            by_invoice = sandbox_paid_by_invoice(await client.sandbox_payments())
            invoices = await client.list_invoices()
            wrong = money_mismatches(invoices, by_invoice)
            if not wrong or time.monotonic() > deadline:
                break
            await asyncio.sleep(2)
        recovered = time.monotonic() - restored_at
        print(
            f"[db drill] all payments applied {recovered:.1f}s after MariaDB came back "
            f"({len(wrong)} left); client {dict(client.stats)}; "
            f"{len(load.paid)} paid by the load, {len(during)} during the outage, "
            f"{len(load.unpaid)} after",
            flush=True,
        )
        assert not wrong, wrong
        health = await client.http.get("/health")
        assert health.status_code == 200, health.text

        problems: list[str] = []
        for invoice in invoices:
            problems += await check_invoice(client, invoice, by_invoice.get(invoice["id"], []))
        assert not problems, problems

        # Payments made during the outage were not dropped (every one is applied once, above):
        # either their notification was retried until MariaDB was back (attempts >= 2) or
        # payment sync found them at the gateway first (no notification accepted yet).
        ways = {"retried notification": 0, "payment sync": 0, "notification after": 0}
        for invoice_id, _, _, _ in during:
            attempts = db.scalar(
                "SELECT MAX(attempts) FROM webhook_events WHERE invoice_id = :i", i=invoice_id
            )
            if attempts is None:
                ways["payment sync"] += 1
            elif attempts >= 2:
                ways["retried notification"] += 1
            else:
                ways["notification after"] += 1
        print(f"[db drill] payments made during the outage applied by: {ways}", flush=True)

        # Every invoice row exactly once per external_id, each with its workflow; the
        # probes' 503 creations left no row.
        rows = db.rows(
            "SELECT id, external_id FROM invoices WHERE tenant_id = :t", t=client.tenant_id
        )
        external_ids = [r.external_id for r in rows]
        assert len(external_ids) == len(set(external_ids)), "duplicate invoices"
        assert not [e for e in external_ids if e.startswith("probe-")], "a 503 left a row"
        for external_id, invoice_id in load.created.items():
            assert (external_id, invoice_id) in {(r.external_id, int(r.id)) for r in rows}
        statuses = await workflow_statuses(stack, [int(r.id) for r in rows])
        assert not [i for i, s in statuses.items() if s is None], statuses
        failed = await client.call("GET", "/webhooks/failed")
        assert failed.status_code == 200 and failed.json()["total"] == 0, failed.text
        print(f"[db drill] wall {time.monotonic() - started:.1f}s", flush=True)
    finally:
        db.close()
        await client.aclose()
