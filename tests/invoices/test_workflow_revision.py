"""The revision the api starts InvoiceWorkflow runs with is a setting
(`INVOICE_WORKFLOW_REVISION`): during an upgrade from a release without revisions, the api runs
with 0 and starts runs an older worker runs the same way (docs/deployment.md "Workflow
revisions"); the default is the newest."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from api.auth import Principal
from api.invoices import service
from contracts.invoices import (
    FIRST_TASK_DELAY_REVISION,
    INVOICE_WORKFLOW_REVISION,
    InvoiceWorkflowInput,
)
from contracts.resources import InvoiceCreate
from contracts.workflows import invoice_workflow_id
from domain.events import OVERDUE_AFTER
from tests.invoices.helpers import invoice_body
from tests.workflows.helpers import eventually, history, patch_markers


async def started_input(client: Client, invoice_id: int) -> InvoiceWorkflowInput:
    handle = client.get_workflow_handle(invoice_workflow_id(invoice_id))
    events = await history(handle)
    started = events[0].raw.workflow_execution_started_event_attributes
    return client.data_converter.payload_converter.from_payloads(
        started.input.payloads, [InvoiceWorkflowInput]
    )[0]


async def test_the_api_starts_runs_with_the_configured_revision(app, client, merchant):
    services = app.state.services
    principal = Principal(tenant_id=merchant["tenant_id"], api_key_id=merchant["id"])
    temporal = await services.temporal()
    assert services.settings.invoice_starts.revision == INVOICE_WORKFLOW_REVISION
    for revision in range(INVOICE_WORKFLOW_REVISION + 1):
        starts = replace(services.settings.invoice_starts, revision=revision)
        async with services.sessions() as session, session.begin():
            created = await service.create_invoice(
                session,
                services.temporal,
                starts,
                principal,
                InvoiceCreate.model_validate(invoice_body()),
            )
        assert (await started_input(temporal, created.id)).revision == revision
        handle = temporal.get_workflow_handle(invoice_workflow_id(created.id))
        started = (await history(handle))[0].raw.workflow_execution_started_event_attributes
        delayed = started.first_workflow_task_backoff.ToTimedelta() > timedelta(0)
        assert delayed == (revision >= FIRST_TASK_DELAY_REVISION)
        # A sleeping run's first workflow task is payment initiation's (an update); an older
        # run's comes at once.
        initiated = await client.post(
            f"/invoices/{created.id}/payments", json={}, headers=merchant["headers"]
        )
        assert initiated.status_code in (200, 201), initiated.text

        async def events_of(handle: Any = handle) -> list[Any]:
            return await history(handle)

        events = await eventually(
            events_of,
            lambda evs: (
                EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED in [e.type for e in evs]
            ),
            what="payment initiation completed",
        )
        # Revision 0 asks for its patches as runs before revisions did; later ones have them.
        assert bool(patch_markers(events)) == (revision == 0)


async def test_a_new_invoice_s_run_sleeps_until_its_first_timer_or_an_update(app, client, merchant):
    """Creation starts the run with its first workflow task delayed until its first timer
    (its expiry; with installments, the overdue check a day after the first due date): no
    workflow task at creation. Payment initiation (an update) runs it at once, and its
    validator decides on the start's snapshot (an invalid installment is refused)."""
    temporal = await app.state.services.temporal()
    plain = await client.post("/invoices", json=invoice_body(), headers=merchant["headers"])
    assert plain.status_code == 201, plain.text
    body = invoice_body()
    body["installments"] = {"count": 2, "interval_days": 7}
    split = await client.post("/invoices", json=body, headers=merchant["headers"])
    assert split.status_code == 201, split.text
    for created in (plain.json(), split.json()):
        handle = temporal.get_workflow_handle(invoice_workflow_id(created["id"]))
        events = await history(handle)
        assert [e.type for e in events] == [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED]
        started = events[0].raw.workflow_execution_started_event_attributes
        backoff = started.first_workflow_task_backoff.ToTimedelta()
        created_at = datetime.fromisoformat(created["created_at"])
        expected = min(
            [
                datetime.fromisoformat(created["expires_at"]),
                *(
                    datetime.fromisoformat(i["due_date"]) + OVERDUE_AFTER
                    for i in created["installments"]
                ),
            ]
        )
        # The delay is measured from the api's clock at creation (within a second of the row).
        assert abs(backoff - (expected - created_at)) < timedelta(seconds=2), (backoff, expected)
    split_id = split.json()["id"]
    refused = await client.post(
        f"/invoices/{split_id}/payments",
        json={"installment_number": 2},
        headers=merchant["headers"],
    )
    assert refused.status_code == 400, refused.text  # business_rule_violation
    handle = temporal.get_workflow_handle(invoice_workflow_id(split_id))
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED not in [
        e.type for e in await history(handle)
    ]
    initiated = await client.post(
        f"/invoices/{plain.json()['id']}/payments", json={}, headers=merchant["headers"]
    )
    assert initiated.status_code in (200, 201), initiated.text
    handle = temporal.get_workflow_handle(invoice_workflow_id(plain.json()["id"]))
    events = await history(handle)
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in [e.type for e in events]
    assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED in [e.type for e in events]
