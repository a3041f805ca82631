"""Connecting to Temporal: every client and worker uses the pydantic data converter (Decimal)."""

from __future__ import annotations

import re

from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from config import Settings

# The oldest Temporal server checked to run a delayed first workflow task at once when an update
# arrives (1.29.1; 1.32.0 too). A new invoice's run sleeps until then (FIRST_TASK_DELAY_REVISION)
# only on such a server: on one that waited, payment initiation would wait for the expiry.
DELAYED_START_SERVER = (1, 29)


def wakes_sleeping_runs(server_version: str) -> bool:
    """Whether a server of `server_version` is known to wake a delayed run on an update. A
    server that does not say its version (or says it otherwise) is taken at its word."""
    found = re.match(r"(\d+)\.(\d+)", server_version)
    return found is None or (int(found[1]), int(found[2])) >= DELAYED_START_SERVER


async def server_version(client: Client) -> str:
    info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
    return info.server_version


async def connect_temporal(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
