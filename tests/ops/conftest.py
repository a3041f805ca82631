"""Operator tooling against a real stack: the runbook's commands (docs/operations.md) and the
Temporal Web UI, on the processes `make run` starts (free ports, own database `paytrust_ops`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack import Stack
from tests.e2e.support import Database, start_stack
from tests.ops.runbook import Runbook


@pytest.fixture(scope="session")
def ops_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = start_stack(tmp_path_factory.mktemp("ops-stack"), "paytrust_ops")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def ops_db(ops_stack: Stack) -> Iterator[Database]:
    database = Database(ops_stack.database_url)
    yield database
    database.close()


@pytest.fixture(scope="session")
def runbook(ops_stack: Stack) -> Runbook:
    return Runbook(ops_stack)
