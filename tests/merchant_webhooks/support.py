"""Merchant receivers for the outbound-webhook tests: the sandbox's `/_sandbox/receivers`,
registered through the public API, with every delivery verified here again with the
`standardwebhooks` library exactly as a merchant verifies it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from standardwebhooks import Webhook

from tests.invoices.helpers import Merchant, eventually


class Receiver:
    def __init__(self, shop: Merchant, name: str, endpoint: dict[str, Any]) -> None:
        self.shop = shop
        self.name = name
        self.endpoint = endpoint
        self.secret: str = endpoint["secret"]

    @property
    def path(self) -> str:
        return f"/_sandbox/receivers/{self.name}"

    async def configure(self, **settings: Any) -> None:
        response = await self.shop.sandbox("PUT", self.path, json=settings)
        assert response.status_code == 200, response.text

    async def deliveries(self) -> list[dict[str, Any]]:
        response = await self.shop.sandbox("GET", self.path)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["deliveries"]
        return found

    async def accepted(self, invoice_id: int | None = None) -> list[dict[str, Any]]:
        """Deliveries answered 2xx (for one invoice), in arrival order."""
        return [
            d
            for d in await self.deliveries()
            if d["answered"] == 200
            and d["event"] is not None
            and (invoice_id is None or d["event"]["invoice_id"] == invoice_id)
        ]

    async def delivery_of(self, event_id: str) -> dict[str, Any]:
        """PayTrust's delivery record (status, attempts) of one event to this endpoint."""
        response = await self.shop.client.get(
            f"/webhook-endpoints/{self.endpoint['id']}/deliveries",
            params={"event_id": event_id},
            headers=self.shop.headers,
        )
        assert response.status_code == 200, response.text
        [delivery] = response.json()["data"]
        found: dict[str, Any] = delivery
        return found

    async def wait_types(
        self, invoice_id: int, types: Sequence[str], timeout: float = 30
    ) -> list[dict[str, Any]]:
        """Wait until the receiver accepted exactly `types` for the invoice (in order)."""
        return await eventually(
            lambda: self.accepted(invoice_id),
            lambda got: [d["event"]["type"] for d in got] == list(types),
            timeout=timeout,
        )


def verify(delivery: dict[str, Any], secret: str) -> dict[str, Any]:
    """A merchant's verification of one recorded delivery; raises if it does not verify."""
    headers = {
        "webhook-id": delivery["webhook_id"],
        "webhook-timestamp": delivery["webhook_timestamp"],
        "webhook-signature": delivery["webhook_signature"],
    }
    payload: dict[str, Any] = Webhook(secret).verify(delivery["body"], headers)
    return payload


async def add_receiver(
    shop: Merchant, *, events: Sequence[str] = ("*",), name: str | None = None, **settings: Any
) -> Receiver:
    name = name or f"r-{uuid.uuid4().hex[:10]}"
    response = await shop.client.post(
        "/webhook-endpoints",
        json={"url": f"{shop.sandbox_url}/_sandbox/receivers/{name}", "events": list(events)},
        headers=shop.headers,
    )
    assert response.status_code == 201, response.text
    receiver = Receiver(shop, name, response.json())
    await receiver.configure(secret=receiver.secret, **settings)
    return receiver


async def events_of(shop: Merchant, invoice_id: int) -> list[dict[str, Any]]:
    """GET /events for the invoice, every page, oldest first."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"invoice_id": invoice_id, "limit": 2}
    while True:
        response = await shop.client.get("/events", params=params, headers=shop.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        found.extend(body["data"])
        if not body["has_more"]:
            return list(reversed(found))
        params["starting_after"] = body["next_cursor"]
