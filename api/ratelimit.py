"""Rate limiting: a fixed one-minute window per key, in-process or shared through Redis."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from redis.asyncio import Redis


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # epoch seconds when the window ends

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_at),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, self.reset_at - int(time.time())))
        return headers


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window_seconds: int = 60) -> RateDecision: ...


def _window(window_seconds: int) -> tuple[int, int]:
    now = int(time.time())
    start = now - now % window_seconds
    return start, start + window_seconds


class InMemoryRateLimiter:
    """Per-process counters: right for one api replica, or as a fallback without Redis."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, limit: int, window_seconds: int = 60) -> RateDecision:
        start, reset = _window(window_seconds)
        window_start, count = self._counts.get(key, (start, 0))
        if window_start != start:
            count = 0
            if len(self._counts) > 100_000:  # drop stale windows rather than grow forever
                self._counts = {k: v for k, v in self._counts.items() if v[0] == start}
        count += 1
        self._counts[key] = (start, count)
        return RateDecision(count <= limit, limit, max(0, limit - count), reset)


class RedisRateLimiter:
    """Shared counters across api replicas: INCR on a key per window, expiring with it."""

    def __init__(self, redis: Redis, prefix: str = "paytrust:rl") -> None:
        self._redis = redis
        self._prefix = prefix

    async def hit(self, key: str, limit: int, window_seconds: int = 60) -> RateDecision:
        start, reset = _window(window_seconds)
        redis_key = f"{self._prefix}:{key}:{start}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, window_seconds + 5)
            count, _ = await pipe.execute()
        count = int(count)
        return RateDecision(count <= limit, limit, max(0, limit - count), reset)
