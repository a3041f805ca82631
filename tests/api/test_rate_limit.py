"""1000 requests per minute per key; the 1001st is 429 with Retry-After (in-process and Redis)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from api.ratelimit import InMemoryRateLimiter, RedisRateLimiter


async def _away_from_window_edge(margin: float = 8.0) -> None:
    """A fixed window resets on the minute: don't start a 1001-request burst just before it."""
    into = time.time() % 60
    if into > 60 - margin:
        await asyncio.sleep(60 - into + 0.2)


async def test_1001st_request_in_a_minute_is_429(client, merchant):
    await _away_from_window_edge()
    headers = merchant["headers"]
    for i in range(1000):
        response = await client.get("/gateways", headers=headers)
        assert response.status_code == 200, (i, response.text)
    assert response.headers["x-ratelimit-limit"] == "1000"
    assert response.headers["x-ratelimit-remaining"] == "0"
    over = await client.get("/gateways", headers=headers)
    assert over.status_code == 429
    assert over.json()["error"]["code"] == "rate_limited"
    retry_after = int(over.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert int(over.headers["x-ratelimit-reset"]) >= int(time.time())


async def _exhaust(limiter, key: str, limit: int) -> list[bool]:
    return [(await limiter.hit(key, limit)).allowed for _ in range(limit + 1)]


async def test_in_memory_limiter_counts_per_key():
    await _away_from_window_edge(2)
    limiter = InMemoryRateLimiter()
    assert await _exhaust(limiter, "a", 1000) == [True] * 1000 + [False]
    assert (await limiter.hit("b", 1000)).allowed


async def test_redis_limiter_is_shared_between_replicas(redis_url):
    if redis_url is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    from redis.asyncio import Redis

    await _away_from_window_edge(3)
    first, second = Redis.from_url(redis_url), Redis.from_url(redis_url)
    prefix = f"test-rl-{uuid.uuid4().hex}"
    replica_a, replica_b = RedisRateLimiter(first, prefix), RedisRateLimiter(second, prefix)
    try:
        for i in range(1000):
            limiter = replica_a if i % 2 else replica_b
            assert (await limiter.hit("key", 1000)).allowed
        decision = await replica_a.hit("key", 1000)
        assert not decision.allowed
        assert int(decision.headers()["Retry-After"]) >= 1
    finally:
        await first.aclose()
        await second.aclose()


async def test_api_with_redis_limiter(database_url, temporal_address, redis_url, admin_headers):
    if redis_url is None:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import httpx

    from api.app import create_app
    from tests.conftest import make_settings

    await _away_from_window_edge(5)
    app = create_app(
        make_settings(database_url, temporal_address, redis_url=redis_url, rate_limit_per_minute=5)
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://r"
    ) as http:
        created = await http.post(
            "/api-keys",
            json={"tenant_id": f"rl-{uuid.uuid4().hex[:8]}", "name": "rl"},
            headers=admin_headers,
        )
        headers = {"X-API-Key": created.json()["key"]}
        statuses = [(await http.get("/gateways", headers=headers)).status_code for _ in range(6)]
        assert statuses == [200] * 5 + [429]
    await app.state.services.engine.dispose()
    await app.state.services.redis.aclose()
