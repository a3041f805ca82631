"""Database errors classified precisely (issue 12), on real MariaDB errors: a value MariaDB
refuses (truncation, out of range, JSON nested past its limit, which asyncmy reports as an
OperationalError) is the caller's 422 and a non-retryable activity failure with a readable
message, never "dependency unavailable"; only an unreachable server is a 503."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from activities.errors import non_retryable_reason
from api.errors import is_dependency_outage, unexpected_error_response
from db.engine import create_engine
from db.errors import is_data_error, is_database_unavailable
from devstack import free_port


async def refused(database_url: str, statement: str, value: object) -> DBAPIError:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(
                text("CREATE TEMPORARY TABLE hardening_probe (s VARCHAR(5), i INT, j JSON)")
            )
            with pytest.raises(DBAPIError) as caught:
                await conn.execute(text(statement), {"v": value})
            return caught.value
    finally:
        await engine.dispose()


def deep_json(depth: int) -> str:
    return json.dumps(json.loads("[" * depth + "1" + "]" * depth))


@pytest.mark.parametrize(
    ("statement", "value"),
    [
        ("INSERT INTO hardening_probe (s) VALUES (:v)", "x" * 100),
        ("INSERT INTO hardening_probe (i) VALUES (:v)", 10**12),
        ("INSERT INTO hardening_probe (j) VALUES (:v)", deep_json(40)),
    ],
    ids=["too-long", "out-of-range", "json-too-deep"],
)
async def test_a_refused_value_is_a_data_error_not_an_outage(database_url, statement, value):
    exc = await refused(database_url, statement, value)
    assert is_data_error(exc)
    assert not is_database_unavailable(exc)
    assert not is_dependency_outage(exc)
    response = unexpected_error_response(exc, "POST", "/invoices")
    assert response.status_code == 422
    body = json.loads(bytes(response.body))
    assert body["error"]["code"] == "invalid_value"
    assert "INSERT" not in body["error"]["message"]  # MariaDB's message, never the SQL
    reason = non_retryable_reason(exc)
    assert reason is not None and "refused a value" in reason


async def test_only_an_unreachable_server_is_unavailable(database_url):
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(port=free_port())
    engine = create_engine(url.render_as_string(hide_password=False))
    try:
        with pytest.raises(DBAPIError) as caught:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    exc = caught.value
    assert is_database_unavailable(exc) and is_dependency_outage(exc)
    assert not is_data_error(exc)
    assert unexpected_error_response(exc, "GET", "/invoices").status_code == 503
    assert non_retryable_reason(exc) is None  # Temporal retries outages
