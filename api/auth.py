"""Authentication: merchant API keys (argon2, cached) and the admin key (constant-time).

A key looks like `pt_<prefix>_<secret>`. The prefix finds the row; the whole key is verified
against its argon2 hash once, then the verified key is cached in the process under its SHA-256
digest so a request costs a dict look-up, not an argon2 hash. The cache is kept honest about
revocation and rotation:

- the key's row is re-read (by primary key, no hashing) once the cached status is older than
  `api_key_status_ttl_seconds` (1 s by default), so a revoked key is refused by every replica
  within that bound;
- with Redis (`REDIS_URL`), every request also compares the key's generation counter in Redis,
  which rotate and revoke bump, so a change is seen by every replica on its next request.

Failed keys are remembered briefly too, so a flood of bad keys cannot make us hash. Failures
are also counted per key prefix and per source address (`auth_failures_per_minute`): beyond
the limit a fresh verification is refused with `AuthThrottled` (429) before any argon2 work,
and `auth_failed` audit rows are capped per key per minute, so a flood costs neither CPU,
memory nor audit-table rows. A key already verified (cached) is never throttled.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from db.api_keys import AdminApiKeyRepository
from db.engine import SessionFactory, transaction
from db.models import ApiKey
from domain.timeutil import ensure_utc, to_naive_utc, utcnow
from observability.metrics import API_KEY_VERIFICATIONS

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from api.ratelimit import RateLimiter

logger = logging.getLogger("paytrust.auth")

KEY_PREFIX = "pt"
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class NewKey:
    key: str
    prefix: str
    hash: str


def generate_key() -> NewKey:
    """A fresh random key; the caller shows `key` once and stores only `hash`."""
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewKey(key=key, prefix=prefix, hash=_hasher.hash(key))


def key_prefix(raw: str) -> str | None:
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1]


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def verify_argon2(hash_: str, raw: str) -> bool:
    try:
        return bool(_hasher.verify(hash_, raw))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a merchant tenant through one of its keys."""

    tenant_id: str
    api_key_id: int


@dataclass(slots=True)
class _Cached:
    principal: Principal
    key_hash: str  # the argon2 hash the key matched; a rotation or revocation changes the row
    grace_until: float | None  # monotonic deadline when the key is a rotated-out secret
    checked_at: float
    generation: str | None
    # One re-read of the row at a time: when the status TTL lapses under load, the concurrent
    # requests of that key wait for one read instead of each reading the row.
    recheck: asyncio.Lock = field(default_factory=asyncio.Lock)


class AuthThrottled(Exception):
    """Too many failed authentications from this key prefix or address: answer 429."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many failed authentication attempts")
        self.retry_after = max(1, retry_after)


def generation_key(api_key_id: int) -> str:
    return f"paytrust:apikey:{api_key_id}:gen"


class ApiKeyAuthenticator:
    def __init__(
        self,
        sessions: SessionFactory,
        *,
        status_ttl_seconds: float = 1.0,
        redis: Redis | None = None,
        max_entries: int = 10_000,
        failure_limiter: RateLimiter | None = None,
        failures_per_minute: int = 10,
    ) -> None:
        from api.ratelimit import InMemoryRateLimiter

        self._failures: RateLimiter = failure_limiter or InMemoryRateLimiter()
        self._failures_per_minute = failures_per_minute
        # Throttle keys over their failure budget -> monotonic time the window ends.
        self._blocked: dict[str, float] = {}
        # Audit rows written for failures, per key (or address) and minute window.
        self._failure_audits: dict[str, tuple[int, int]] = {}
        self._sessions = sessions
        self._ttl = status_ttl_seconds
        self._redis = redis
        self._max = max_entries
        self._verified: OrderedDict[str, _Cached] = OrderedDict()
        self._rejected: OrderedDict[str, float] = OrderedDict()
        self._used_audited: dict[int, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def authenticate(self, raw: str, *, ip_address: str | None = None) -> Principal | None:
        """The principal for a raw key, or None (and an `auth_failed` audit row) if it is bad."""
        digest = _digest(raw)
        now = time.monotonic()
        cached = self._verified.get(digest)
        if cached is not None and await self._still_valid(cached, now):
            await self._audit_use(cached.principal, ip_address)
            return cached.principal
        rejected_at = self._rejected.get(digest)
        if rejected_at is not None and now - rejected_at < 60:
            return None
        throttle_keys = self._throttle_keys(raw, ip_address)
        self._check_throttle(throttle_keys, now)
        # One verification per key at a time: a burst of requests with a new key hashes once.
        lock = self._locks.setdefault(digest, asyncio.Lock())
        async with lock:
            # Whoever held the lock before us may have just verified this very key.
            cached = self._verified.get(digest)
            if cached is not None and await self._still_valid(cached, time.monotonic()):
                principal: Principal | None = cached.principal
            elif digest in self._rejected:
                principal = None
            else:
                principal = await self._verify(raw, digest, ip_address)
        if not lock.locked():
            self._locks.pop(digest, None)
        if principal is not None:
            await self._audit_use(principal, ip_address)
        else:
            await self._count_failure(throttle_keys)
        return principal

    @staticmethod
    def _throttle_keys(raw: str, ip_address: str | None) -> list[str]:
        keys = []
        prefix = key_prefix(raw)
        if prefix is not None:
            keys.append(f"auth-fail:prefix:{prefix}")
        if ip_address:
            keys.append(f"auth-fail:ip:{ip_address}")
        return keys

    def _check_throttle(self, keys: list[str], now: float) -> None:
        for key in keys:
            until = self._blocked.get(key)
            if until is None:
                continue
            if now < until:
                raise AuthThrottled(int(until - now) + 1)
            del self._blocked[key]

    async def _count_failure(self, keys: list[str]) -> None:
        """Count a failed verification; a key over its budget is blocked until the window ends
        (the count is shared through Redis when the limiter is)."""
        for key in keys:
            decision = await self._failures.hit(key, self._failures_per_minute)
            if decision.remaining == 0 or not decision.allowed:
                self._blocked[key] = time.monotonic() + max(1, decision.reset_at - time.time())
        if len(self._blocked) > self._max:
            now = time.monotonic()
            self._blocked = {k: v for k, v in self._blocked.items() if v > now}

    async def _still_valid(self, cached: _Cached, now: float) -> bool:
        if cached.grace_until is not None and now >= cached.grace_until:
            return False
        if self._redis is not None:
            try:
                generation = await self._redis.get(generation_key(cached.principal.api_key_id))
            except Exception:  # Redis down: fall back to the row, never to trusting the cache
                logger.warning("redis unavailable for key status; reading the database")
            else:
                gen = generation.decode() if isinstance(generation, bytes) else generation
                if gen != cached.generation:
                    return await self._recheck_row(cached, now)
        # Also bounded by time, so a change made without announcing it (SQL by hand, a replica
        # without Redis) is still seen within the TTL.
        if now - cached.checked_at < self._ttl:
            return True
        async with cached.recheck:
            if cached.checked_at > now:  # re-read (and still valid) by the one we waited for
                return True
            return await self._recheck_row(cached, time.monotonic())

    async def _recheck_row(self, cached: _Cached, now: float) -> bool:
        async with self._sessions() as session:
            row = await AdminApiKeyRepository(session).get(cached.principal.api_key_id)
        valid, grace = self._match_row(row, cached.key_hash)
        if not valid:
            self._drop(cached)
            return False
        cached.grace_until = grace
        cached.checked_at = now
        cached.generation = await self._generation(cached.principal.api_key_id)
        return True

    def _drop(self, cached: _Cached) -> None:
        for digest, entry in list(self._verified.items()):
            if entry is cached:
                del self._verified[digest]

    @staticmethod
    def _match_row(row: ApiKey | None, key_hash: str) -> tuple[bool, float | None]:
        """Is `key_hash` still a live secret of `row`? With the grace deadline if it is old."""
        if row is None or row.status != "active":
            return False, None
        if hmac.compare_digest(row.key_hash, key_hash):
            return True, None
        if (
            row.previous_key_hash is not None
            and row.previous_expires_at is not None
            and hmac.compare_digest(row.previous_key_hash, key_hash)
        ):
            remaining = (ensure_utc(row.previous_expires_at) - utcnow()).total_seconds()
            if remaining > 0:
                return True, time.monotonic() + remaining
        return False, None

    async def _generation(self, api_key_id: int) -> str | None:
        if self._redis is None:
            return None
        try:
            value = await self._redis.get(generation_key(api_key_id))
        except Exception:
            return None
        return value.decode() if isinstance(value, bytes) else value

    async def _verify(self, raw: str, digest: str, ip_address: str | None) -> Principal | None:
        prefix = key_prefix(raw)
        row: ApiKey | None = None
        if prefix is not None:
            async with self._sessions() as session:
                row = await AdminApiKeyRepository(session).find_for_authentication(prefix)
        matched_hash: str | None = None
        # A revoked key is refused without hashing: a flood of revoked keys costs nothing.
        if row is not None and row.status == "active":
            candidate: str | None = (
                row.key_hash if row.key_prefix == prefix else row.previous_key_hash
            )
            if candidate:
                verified: bool = await asyncio.to_thread(verify_argon2, candidate, raw)
                API_KEY_VERIFICATIONS.labels("ok" if verified else "mismatch").inc()
                matched_hash = candidate if verified else None
        valid, grace = self._match_row(row, matched_hash) if matched_hash else (False, None)
        if not valid or row is None or matched_hash is None:
            self._remember_rejected(digest)
            await self._audit_failure(row, ip_address)
            return None
        principal = Principal(tenant_id=row.tenant_id, api_key_id=row.id)
        self._verified[digest] = _Cached(
            principal=principal,
            key_hash=matched_hash,
            grace_until=grace,
            checked_at=time.monotonic(),
            generation=await self._generation(row.id),
        )
        self._verified.move_to_end(digest)
        while len(self._verified) > self._max:
            self._verified.popitem(last=False)
        return principal

    def _remember_rejected(self, digest: str) -> None:
        self._rejected[digest] = time.monotonic()
        while len(self._rejected) > self._max:
            self._rejected.popitem(last=False)

    def forget(self, api_key_id: int) -> None:
        """Drop cached entries of a key in this process (rotate/revoke call it locally)."""
        for digest, entry in list(self._verified.items()):
            if entry.principal.api_key_id == api_key_id:
                del self._verified[digest]
        self._rejected.clear()

    async def announce_change(self, api_key_id: int) -> None:
        """Tell every replica that a key changed (Redis), and forget it here."""
        self.forget(api_key_id)
        if self._redis is not None:
            try:
                await self._redis.incr(generation_key(api_key_id))
            except Exception:
                logger.warning("redis unavailable; replicas see the change within the status TTL")

    async def _audit_use(self, principal: Principal, ip_address: str | None) -> None:
        """One `used` audit row per key per minute, not a write per request."""
        now = time.monotonic()
        last = self._used_audited.get(principal.api_key_id)
        if last is not None and now - last < 60:
            return
        self._used_audited[principal.api_key_id] = now
        if self._redis is not None:
            try:
                fresh = await self._redis.set(
                    f"paytrust:apikey:{principal.api_key_id}:used", "1", nx=True, ex=60
                )
            except Exception:
                fresh = True
            if not fresh:
                return
        async with transaction(self._sessions) as session:
            keys = AdminApiKeyRepository(session)
            keys.add_auth_audit(
                api_key_id=principal.api_key_id,
                tenant_id=principal.tenant_id,
                operation="used",
                actor=f"api_key:{principal.api_key_id}",
                ip_address=ip_address,
                success=True,
            )
            row = await keys.get(principal.api_key_id)
            if row is not None:
                row.last_used_at = to_naive_utc(utcnow())

    def _failure_audit_allowed(self, row: ApiKey | None, ip_address: str | None) -> bool:
        """At most `failures_per_minute` auth_failed rows per key (or, for an unknown key, per
        address) per minute: the throttle bounds hashing, this bounds the audit table."""
        subject = f"key:{row.id}" if row is not None else f"ip:{ip_address}"
        window = int(time.time()) // 60
        seen_window, count = self._failure_audits.get(subject, (window, 0))
        if seen_window != window:
            count = 0
            if len(self._failure_audits) > self._max:
                self._failure_audits = {
                    k: v for k, v in self._failure_audits.items() if v[0] == window
                }
        if count >= self._failures_per_minute:
            return False
        self._failure_audits[subject] = (window, count + 1)
        return True

    async def _audit_failure(self, row: ApiKey | None, ip_address: str | None) -> None:
        if not self._failure_audit_allowed(row, ip_address):
            return
        async with transaction(self._sessions) as session:
            AdminApiKeyRepository(session).add_auth_audit(
                api_key_id=row.id if row is not None else None,
                tenant_id=row.tenant_id if row is not None else None,
                operation="auth_failed",
                actor="unknown" if row is None else f"api_key:{row.id}",
                ip_address=ip_address,
                success=False,
            )


def admin_key_matches(presented: str | None, expected: str) -> bool:
    if not presented:
        return False
    return hmac.compare_digest(presented.encode(), expected.encode())


def grace_deadline(seconds: int) -> datetime | None:
    from datetime import timedelta

    return to_naive_utc(utcnow() + timedelta(seconds=seconds)) if seconds > 0 else None
