"""What a benchmark gets: a started stack, its keys, an HTTP client and the run's options."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from devstack import Stack

# The bench stack's PAYMENT_SYNC_SCALE: payment sync's schedule compressed 50x (first check
# 1.2 s after a link is made), so the sync path can be measured (benchmarks/payment_sync.py).
PAYMENT_SYNC_SCALE = 0.02


@dataclass
class BenchContext:
    stack: Stack
    http: httpx.AsyncClient  # base_url = the api; no per-request timeout surprises (30 s)
    admin_key: str
    database_url: str
    quick: bool = False
    has_sandbox: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.stack.api_url

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"X-Admin-Key": self.admin_key}

    def scale(self, full: int, quick: int) -> int:
        """`quick` under --quick, else `full`."""
        return quick if self.quick else full

    async def create_merchant_key(
        self, tenant_id: str | None = None, name: str = "bench"
    ) -> tuple[str, str]:
        """A new API key for `tenant_id` (a fresh tenant if None): (tenant_id, key)."""
        tenant = tenant_id or f"bench-{uuid.uuid4().hex[:10]}"
        response = await self.http.post(
            "/api-keys", json={"tenant_id": tenant, "name": name}, headers=self.admin_headers
        )
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return tenant, str(body["key"])

    def out(self, text: str = "") -> None:
        print(text, flush=True)
