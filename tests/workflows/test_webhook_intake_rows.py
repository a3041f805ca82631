"""The webhook intake's get-or-create on real MariaDB: a repeated delivery of one gateway event
finds the row the first one wrote, without a server warning (each one costs the driver a
`SHOW WARNINGS` round trip and a log line), and a bad value is still an error, never a warning
that stores something else."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from db.engine import SessionFactory, transaction
from db.models import WebhookEvent
from db.webhook_events import WebhookIntakeRepository


def values(**overrides: object) -> dict[str, object]:
    return {"event_type": "invoice.paid", "payload": "{}", "status": "received", **overrides}


async def test_a_repeated_event_finds_its_row_without_a_driver_warning(
    sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    event_id = f"evt-{uuid.uuid4().hex}"
    caplog.set_level(logging.WARNING, logger="asyncmy")
    async with transaction(sessions) as session:
        first = await WebhookIntakeRepository(session).get_or_create("xendit", event_id, values())
    async with transaction(sessions) as session:
        again = await WebhookIntakeRepository(session).get_or_create(
            "xendit", event_id, values(payload='{"second": true}')
        )
    assert again == first
    assert [r for r in caplog.records if r.name == "asyncmy"] == [], caplog.text
    async with sessions() as session:
        rows = (
            await session.execute(select(WebhookEvent).where(WebhookEvent.event_id == event_id))
        ).scalars()
        assert [(r.id, r.payload) for r in rows] == [(first, "{}")]  # the first one's row


async def test_a_bad_value_is_an_error_not_a_stored_warning(sessions: SessionFactory) -> None:
    event_id = f"evt-{uuid.uuid4().hex}"
    with pytest.raises(DBAPIError):
        async with transaction(sessions) as session:
            await WebhookIntakeRepository(session).get_or_create(
                "xendit",
                event_id,
                values(event_type="x" * 51),  # event_type is VARCHAR(50)
            )
    async with sessions() as session:
        found = await session.execute(select(WebhookEvent).where(WebhookEvent.event_id == event_id))
        assert found.first() is None
