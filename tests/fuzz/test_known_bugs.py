"""Contract bugs the fuzzing found, each pinned by the one request that reproduced it (all
fixed: a huge ?page= is a 422, a body that is not JSON is a 422, admin operations document the
admin key)."""

from __future__ import annotations

import pytest

HUGE_PAGE = str(10**30)


@pytest.mark.parametrize(
    ("path", "who"),
    [
        ("/invoices", "merchant"),
        ("/webhooks/failed", "merchant"),
        ("/api-keys", "admin"),
        ("/api-keys/audit", "admin"),
    ],
)
async def test_a_huge_page_number_is_not_a_server_error(client, merchant, admin_headers, path, who):
    headers = merchant["headers"] if who == "merchant" else admin_headers
    response = await client.get(path, params={"page": HUGE_PAGE}, headers=headers)
    assert response.status_code < 500, response.text


async def test_a_body_that_is_not_json_is_a_documented_answer(client, admin_headers):
    response = await client.post(
        "/api-keys",
        content=b"\x10\xff#",
        headers={**admin_headers, "content-type": "application/json"},
    )
    documented = (await client.get("/openapi.json")).json()["paths"]["/api-keys"]["post"][
        "responses"
    ]
    assert str(response.status_code) in documented, (response.status_code, response.text)


async def test_admin_operations_document_the_admin_key(client):
    document = (await client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    operation = document["paths"]["/api-keys"]["post"]
    names = {schemes[name]["name"] for req in operation.get("security", []) for name in req}
    assert names == {"X-Admin-Key"}, names
