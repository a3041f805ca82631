from __future__ import annotations

import pytest

from tests.invoices.helpers import Merchant


@pytest.fixture
async def shop(client, merchant, sandbox) -> Merchant:
    return Merchant(client, merchant["headers"], sandbox.url)
