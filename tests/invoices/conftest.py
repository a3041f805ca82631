from __future__ import annotations

import pytest

from tests.invoices.helpers import Merchant


@pytest.fixture
async def shop(client, merchant, sandbox) -> Merchant:
    """A fresh tenant driving invoices through the api and paying through the sandbox."""
    return Merchant(client, merchant["headers"], sandbox.url)
