"""End-to-end: the processes `make run` starts (Temporal dev server, worker, api, sandbox) on
free loopback ports, with their own freshly created database, driven only over HTTP, the
`temporal` CLI and (for crash points) reads of that database. One stack per session; the
Temporal outage drill starts its own (test_dependency_outage.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack import Stack
from tests.e2e.support import Database, Merchant, start_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The shared e2e stack (api, worker, sandbox, Temporal dev server) for the session."""
    started = start_stack(tmp_path_factory.mktemp("e2e-stack"), "paytrust_e2e")
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def db(stack: Stack) -> Iterator[Database]:
    database = Database(stack.database_url)
    yield database
    database.close()


@pytest.fixture
def merchant(stack: Stack) -> Merchant:
    """A fresh tenant and key on the shared stack."""
    return Merchant.new(stack)
