"""API.md "Conventions": envelope, request ids, 422/500/413, idempotency, CORS, OpenAPI."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select


def assert_envelope(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_request_id_is_echoed_or_created(client):
    echoed = await client.get("/health", headers={"X-Request-ID": "req-abc-123"})
    assert echoed.headers["x-request-id"] == "req-abc-123"
    fresh = await client.get("/health")
    assert len(fresh.headers["x-request-id"]) >= 16


async def test_malformed_json_is_422_in_the_envelope(client, admin_headers):
    response = await client.post(
        "/api-keys",
        content=b'{"tenant_id": ',
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    body = assert_envelope(response, 422, "validation_error")
    assert body["error"]["details"]


async def test_wrong_types_and_missing_fields_are_422(client, admin_headers):
    response = await client.post("/api-keys", json={"tenant_id": 5}, headers=admin_headers)
    body = assert_envelope(response, 422, "validation_error")
    locations = {tuple(d["loc"]) for d in body["error"]["details"]}
    assert ("body", "name") in locations


async def test_unknown_error_is_500_without_internals(app):
    import httpx

    async def explode() -> None:
        raise RuntimeError("password=hunter2 at /srv/secret/path.py line 42")

    path = f"/_test/explode/{uuid.uuid4().hex}"
    app.add_api_route(path, explode, methods=["GET"])
    # As under uvicorn: the server answers, then re-raises to log (not to the client).
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        response = await http.get(path)
    body = assert_envelope(response, 500, "internal_error")
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert body["error"]["message"] == "Internal server error"


async def test_unknown_route_is_404_envelope(client):
    assert_envelope(await client.get("/no/such/thing"), 404, "not_found")


async def test_missing_and_bad_api_key_are_401(client):
    assert_envelope(await client.get("/gateways"), 401, "missing_api_key")
    assert_envelope(
        await client.get("/gateways", headers={"X-API-Key": "pt_abcdefabcdef_nope"}),
        401,
        "invalid_api_key",
    )
    assert_envelope(
        await client.get("/gateways", headers={"X-API-Key": "garbage"}), 401, "invalid_api_key"
    )


async def test_body_over_one_mebibyte_is_413(client, admin_headers):
    big = b'{"tenant_id": "' + b"a" * (1024 * 1024) + b'"}'
    response = await client.post(
        "/api-keys", content=big, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert_envelope(response, 413, "payload_too_large")


async def test_idempotent_replay_returns_the_first_response(app, client, admin_headers, tenant_id):
    from db.models import ApiKey

    headers = {**admin_headers, "Idempotency-Key": f"idem-{uuid.uuid4()}"}
    body = {"tenant_id": tenant_id, "name": "once"}
    first = await client.post("/api-keys", json=body, headers=headers)
    second = await client.post("/api-keys", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers.get("idempotent-replayed") == "true"
    async with app.state.services.sessions() as session:
        count = (
            await session.execute(
                select(func.count()).select_from(ApiKey).where(ApiKey.tenant_id == tenant_id)
            )
        ).scalar_one()
    assert count == 1

    conflict = await client.post(
        "/api-keys", json={"tenant_id": tenant_id, "name": "other"}, headers=headers
    )
    assert_envelope(conflict, 409, "idempotency_key_reused")


async def test_idempotency_keys_are_scoped_per_caller(client, admin_headers, tenant_id):
    key = f"shared-{uuid.uuid4()}"
    body = {"tenant_id": tenant_id, "name": "scoped"}
    admin = await client.post(
        "/api-keys", json=body, headers={**admin_headers, "Idempotency-Key": key}
    )
    assert admin.status_code == 201
    # Unauthenticated callers get their 401 and nothing is stored or replayed for them.
    anon = await client.post("/api-keys", json=body, headers={"Idempotency-Key": key})
    assert anon.status_code == 401


async def test_failed_requests_are_not_stored_for_replay(client, admin_headers, tenant_id):
    headers = {**admin_headers, "Idempotency-Key": f"idem-{uuid.uuid4()}"}
    bad = await client.post("/api-keys", json={"tenant_id": tenant_id}, headers=headers)
    assert bad.status_code == 422
    # A 4xx is a definitive answer and is replayed, like any stored response.
    again = await client.post("/api-keys", json={"tenant_id": tenant_id}, headers=headers)
    assert again.status_code == 422 and again.headers.get("idempotent-replayed") == "true"


async def test_idempotency_keys_are_kept_at_least_24_hours(app, client, admin_headers, tenant_id):
    from db.models import IdempotencyKey

    key = f"ttl-{uuid.uuid4()}"
    await client.post(
        "/api-keys",
        json={"tenant_id": tenant_id, "name": "ttl"},
        headers={**admin_headers, "Idempotency-Key": key},
    )
    async with app.state.services.sessions() as session:
        row = (
            await session.execute(
                select(IdempotencyKey).where(IdempotencyKey.idempotency_key == key)
            )
        ).scalar_one()
    assert (row.expires_at - row.created_at).total_seconds() >= 24 * 3600


async def test_openapi_and_docs_are_public_and_declare_errors(client):
    spec = await client.get("/openapi.json", headers={"Origin": "https://example.com"})
    assert spec.status_code == 200
    assert spec.headers.get("access-control-allow-origin") == "*"
    paths = spec.json()["paths"]
    for path in ("/api-keys", "/api-keys/{api_key_id}/rotate", "/gateways", "/health"):
        assert path in paths
    assert "401" in paths["/gateways"]["get"]["responses"]
    assert "409" in paths["/api-keys"]["post"]["responses"]
    docs = await client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_cors_allows_no_origin_by_default(client, merchant):
    response = await client.get(
        "/gateways", headers={**merchant["headers"], "Origin": "https://evil.example"}
    )
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


async def test_health_ready_and_metrics(client):
    health = await client.get("/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "checks": {"database": "ok", "temporal": "ok"}}
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["migrations"] == "ok"
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert "paytrust_http_requests_total" in metrics.text


async def test_gateways_lists_seeded_configs(client, merchant):
    response = await client.get("/gateways", headers=merchant["headers"])
    assert response.status_code == 200
    gateways = {g["name"]: g for g in response.json()["data"]}
    assert gateways["xendit"]["supported_currencies"] == ["IDR", "MYR", "USD"]
    assert gateways["midtrans"]["supported_currencies"] == ["IDR"]
    idr = next(f for f in gateways["xendit"]["fees"] if f["currency"] == "IDR")
    assert idr == {"currency": "IDR", "fee_percentage": "0.0290", "fee_fixed": "2000"}
    usd = next(f for f in gateways["xendit"]["fees"] if f["currency"] == "USD")
    assert usd["fee_fixed"] == "0.30"
