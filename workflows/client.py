"""Connecting to Temporal: every client and worker uses the pydantic data converter (Decimal),
and refuses a server too old for the InvoiceWorkflow revision it starts runs with."""

from __future__ import annotations

import re

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config import ConfigurationError, Settings
from contracts.invoices import FIRST_TASK_DELAY_REVISION

# The oldest Temporal server checked to run a delayed first workflow task at once when an update
# arrives (1.29.1; 1.32.0 too), which runs of FIRST_TASK_DELAY_REVISION rely on: on a server
# that waited, payment initiation of a new invoice would wait for the invoice's expiry.
DELAYED_START_SERVER = (1, 29)


def refuse_older_server(revision: int, server_version: str) -> None:
    """ConfigurationError when runs of `revision` need a newer server than `server_version`.
    A server that does not say its version is taken at its word (nothing to compare)."""
    if revision < FIRST_TASK_DELAY_REVISION:
        return
    found = re.match(r"(\d+)\.(\d+)", server_version)
    if found is None or (int(found[1]), int(found[2])) >= DELAYED_START_SERVER:
        return
    oldest = ".".join(map(str, DELAYED_START_SERVER))
    older = FIRST_TASK_DELAY_REVISION - 1
    raise ConfigurationError(
        f"PayTrust refuses to start: InvoiceWorkflow revision {revision} needs Temporal server "
        f"{oldest} or newer (a new invoice's run sleeps until a call wakes it), this one is "
        f"{server_version}: upgrade Temporal, or run revision {older} with "
        f"INVOICE_WORKFLOW_REVISION={older}"
    )


async def connect_temporal(settings: Settings) -> Client:
    client = await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
    info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
    refuse_older_server(settings.invoice_workflow_revision, info.server_version)
    return client
