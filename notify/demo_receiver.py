"""`make run`: the demo tenant's webhook endpoint, pointing at the sandbox receiver `demo`
(`/_sandbox/receivers/demo`), so the first payment's events can be watched arriving:
`curl -s $SANDBOX/_sandbox/receivers/demo`. The sandbox keeps receivers in memory, so at every
start the endpoint's secret is rotated (no overlap) and handed to the fresh receiver."""

from __future__ import annotations

import httpx

DEMO_RECEIVER = "demo"


def register_demo_receiver(api_url: str, sandbox_url: str, merchant_key: str) -> str:
    """The receiver's URL; the endpoint is created once and re-keyed on every start."""
    url = f"{sandbox_url}/_sandbox/receivers/{DEMO_RECEIVER}"
    headers = {"X-API-Key": merchant_key}
    with httpx.Client(base_url=api_url, headers=headers, timeout=30) as api:
        listed = api.get("/webhook-endpoints")
        listed.raise_for_status()
        existing = next((e for e in listed.json()["data"] if e["url"] == url), None)
        if existing is None:
            created = api.post(
                "/webhook-endpoints",
                json={"url": url, "events": ["*"], "description": "make run: sandbox receiver"},
            )
        else:
            if existing["disabled"]:
                api.patch(f"/webhook-endpoints/{existing['id']}", json={"disabled": False})
            created = api.post(
                f"/webhook-endpoints/{existing['id']}/rotate-secret",
                json={"expire_previous_in_seconds": 0},
            )
        created.raise_for_status()
        secret = created.json()["secret"]
    configured = httpx.put(url, json={"secret": secret}, timeout=30)
    configured.raise_for_status()
    return url
