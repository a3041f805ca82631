"""Runs of FIRST_TASK_DELAY_REVISION sleep until an update wakes them, which a Temporal server
older than 1.29 was not checked to do: the api and the worker refuse such a server for those
revisions (`workflows.client.refuse_older_server`, called on every connect), and accept it for
older ones."""

from __future__ import annotations

import pytest

from config import ConfigurationError
from contracts.invoices import FIRST_TASK_DELAY_REVISION, INVOICE_WORKFLOW_REVISION
from workflows.client import refuse_older_server


@pytest.mark.parametrize("version", ["1.28.1", "1.20.0", "0.9"])
def test_an_older_server_is_refused_for_sleeping_runs(version: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        refuse_older_server(INVOICE_WORKFLOW_REVISION, version)
    message = str(refused.value)
    assert version in message and "1.29" in message
    assert f"INVOICE_WORKFLOW_REVISION={FIRST_TASK_DELAY_REVISION - 1}" in message


@pytest.mark.parametrize("version", ["1.29.1", "1.32.0", "1.30.0-rc1", "2.0.0", "", "cloud"])
def test_a_new_enough_or_unnamed_server_is_accepted(version: str) -> None:
    refuse_older_server(INVOICE_WORKFLOW_REVISION, version)


def test_older_revisions_run_on_an_older_server() -> None:
    refuse_older_server(FIRST_TASK_DELAY_REVISION - 1, "1.28.1")
