"""Drill: the api is SIGKILLed (by PID) while ten invoices are being created at once, then
started again. Invoice creation writes the row and starts its workflow in one step (the row
commits only after the workflow exists), so after the crash:
- every invoice a client got a 201 for exists, exactly once;
- every invoice row of the tenant in MySQL has its `invoice-{id}` workflow (no orphan row);
- retrying each creation with its Idempotency-Key creates no duplicate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devstack import Stack
from tests.e2e.support import (
    IDEMPOTENCY_LEASE_SECONDS,
    XENDIT_TOTAL,
    Database,
    Merchant,
    idr,
    invoice_body,
    kill,
    workflow_exists,
)

CLIENTS = 10


async def create_all(
    merchant: Merchant,
    bodies: list[dict[str, Any]],
    on_first_created: Callable[[], None] | None = None,
) -> list[httpx.Response | Exception]:
    """POST every body at once, each with its Idempotency-Key (= its external_id);
    `on_first_created` runs (once) the moment the first 201 reaches a client."""
    fired = False
    async with httpx.AsyncClient(
        base_url=merchant.stack.api_url, headers=merchant.headers, timeout=60
    ) as http:

        async def one(body: dict[str, Any]) -> httpx.Response | Exception:
            nonlocal fired
            try:
                response = await http.post(
                    "/invoices", json=body, headers={"Idempotency-Key": body["external_id"]}
                )
            except httpx.TransportError as exc:
                return exc
            if response.status_code == 201 and on_first_created and not fired:
                fired = True
                on_first_created()
            return response

        return list(await asyncio.gather(*(one(body) for body in bodies)))


@pytest.mark.slow
async def test_api_killed_during_concurrent_creation_leaves_no_orphan_or_duplicate(
    stack: Stack, db: Database, merchant: Merchant
) -> None:
    # Authenticate once so the ten requests race on creation, not on the key's first check.
    with merchant.http() as http:
        assert http.get("/gateways").status_code == 200
    bodies = [invoice_body() for _ in range(CLIENTS)]
    killed: list[int] = []
    # SIGKILL the api as soon as the first client has its 201: the others are mid-flight.
    results = await create_all(merchant, bodies, lambda: killed.append(kill(stack, "api")))
    assert killed, "no creation succeeded, so the api was never killed"
    # Back up before any assertion, so a failure here leaves the shared stack whole.
    await asyncio.to_thread(stack.start_api)
    await asyncio.to_thread(stack.wait_ready, 60)
    created = {
        body["external_id"]: r.json()
        for body, r in zip(bodies, results, strict=True)
        if isinstance(r, httpx.Response) and r.status_code == 201
    }
    interrupted = [r for r in results if isinstance(r, Exception)]
    unexpected = [
        (r.status_code, r.text)
        for r in results
        if isinstance(r, httpx.Response) and r.status_code not in (201, 503)
    ]
    print(f"{len(created)} created (201), {len(interrupted)} interrupted, others {unexpected}")
    assert not unexpected
    assert interrupted, "every request finished before the kill: the drill proved nothing"
    assert created, "no 201 before the kill"

    def rows_by_external_id() -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for row in db.rows(
            "SELECT id, external_id FROM invoices WHERE tenant_id = :t", t=merchant.tenant_id
        ):
            found.setdefault(row.external_id, []).append(int(row.id))
        return found

    def assert_no_orphans(rows: dict[str, list[int]]) -> None:
        for external_id, ids in rows.items():
            assert len(ids) == 1, f"{external_id} stored {len(ids)} times: {ids}"
            described = workflow_exists(stack, f"invoice-{ids[0]}")
            assert described.returncode == 0, (
                f"invoice {ids[0]} ({external_id}) has no workflow: {described.stderr}"
            )

    # Every 201 exists exactly once and as answered; no row without its workflow.
    rows = rows_by_external_id()
    print(f"{len(rows)} invoice rows after the crash")
    for external_id, invoice in created.items():
        assert rows.get(external_id) == [invoice["id"]]
        assert merchant.get(invoice["id"])["total"] == idr(XENDIT_TOTAL)
    assert_no_orphans(rows)

    # The clients retry with the same Idempotency-Key: no duplicate, ever. A key whose
    # request died with the api is "in progress" until its lease runs out, then taken over.
    outcomes: dict[str, str] = {}
    pending = list(bodies)
    deadline = time.monotonic() + IDEMPOTENCY_LEASE_SECONDS + 30
    while pending:
        retried = await create_all(merchant, pending)
        waiting = []
        for body, response in zip(pending, retried, strict=True):
            assert isinstance(response, httpx.Response), response
            external_id = body["external_id"]
            if response.status_code == 201:
                if external_id in created:  # replayed: the very same invoice
                    assert response.json()["id"] == created[external_id]["id"]
                outcomes[external_id] = "201"
                continue
            assert response.status_code == 409, response.text
            code = response.json()["error"]["code"]
            if code == "idempotency_in_progress":
                waiting.append(body)
            else:
                outcomes[external_id] = code
        pending = waiting
        if pending:
            assert time.monotonic() < deadline, f"{len(pending)} keys stuck in progress"
            await asyncio.sleep(1)
    print("retry outcomes:", sorted(outcomes.values()))
    after = rows_by_external_id()
    assert set(after) <= {body["external_id"] for body in bodies}
    assert_no_orphans(after)
    # A retry that answered 201 has exactly one row; created ones kept theirs; a 409 is a
    # duplicate external_id (created before the crash, answer lost) and has exactly one row.
    for external_id, outcome in outcomes.items():
        if outcome == "201":
            assert len(after.get(external_id, [])) == 1
        else:
            assert outcome == "duplicate_external_id", outcome
            assert len(after[external_id]) == 1
    for external_id, invoice in created.items():
        assert after[external_id] == [invoice["id"]]
