"""The revision the api starts InvoiceWorkflow runs with is a setting
(`INVOICE_WORKFLOW_REVISION`): during an upgrade from a release without revisions, the api runs
with 0 and starts runs an older worker runs the same way (docs/deployment.md "Workflow
revisions"); the default is the newest."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from temporalio.client import Client

from api.auth import Principal
from api.invoices import service
from contracts.invoices import INVOICE_WORKFLOW_REVISION, InvoiceWorkflowInput
from contracts.resources import InvoiceCreate
from contracts.workflows import invoice_workflow_id
from tests.invoices.helpers import invoice_body
from tests.workflows.helpers import eventually, history, patch_markers


async def started_input(client: Client, invoice_id: int) -> InvoiceWorkflowInput:
    handle = client.get_workflow_handle(invoice_workflow_id(invoice_id))
    events = await history(handle)
    started = events[0].raw.workflow_execution_started_event_attributes
    return client.data_converter.payload_converter.from_payloads(
        started.input.payloads, [InvoiceWorkflowInput]
    )[0]


async def test_the_api_starts_runs_with_the_configured_revision(app, merchant):
    services = app.state.services
    principal = Principal(tenant_id=merchant["tenant_id"], api_key_id=merchant["id"])
    client = await services.temporal()
    assert services.settings.invoice_starts.revision == INVOICE_WORKFLOW_REVISION
    for revision in (0, INVOICE_WORKFLOW_REVISION):
        starts = replace(services.settings.invoice_starts, revision=revision)
        async with services.sessions() as session, session.begin():
            created = await service.create_invoice(
                session,
                services.temporal,
                starts,
                principal,
                InvoiceCreate.model_validate(invoice_body()),
            )
        assert (await started_input(client, created.id)).revision == revision
        handle = client.get_workflow_handle(invoice_workflow_id(created.id))

        async def events_of(handle: Any = handle) -> list[Any]:
            return await history(handle)

        events = await eventually(
            events_of, lambda evs: len(evs) > 4, what="the first workflow task completed"
        )
        # Revision 0 asks for its patches as runs before revisions did; the newest has them.
        assert bool(patch_markers(events)) == (revision == 0)
