"""Merchant stand-ins for PayTrust's outbound webhooks: `/_sandbox/receivers/{name}`.

A receiver records every delivery PayTrust makes to it and verifies its Standard Webhooks
signature with the `standardwebhooks` library, exactly as a merchant would (this module
imports nothing from PayTrust). It can be told to fail the next N deliveries, to answer
slowly, to be down (every delivery answered 503), or to redirect (every delivery it would
accept answered `redirect_status` with `Location: redirect_to`), so tests and demos can watch
retries, ordering, recovery and that redirects are not followed.

- `PUT /_sandbox/receivers/{name}` `{"secret": "whsec_...", "fail_next": 3, "fail_status":
  500, "delay_ms": 0, "down": false, "fail_invoices": [], "redirect_to": null,
  "redirect_status": 307}` creates or reconfigures it (fields left out keep their value;
  `"redirect_to": null` stops redirecting; deliveries seen so far are kept).
- `POST /_sandbox/receivers/{name}` is the URL to register with PayTrust.
- `GET /_sandbox/receivers/{name}` → its settings (no secret) and the deliveries it saw.
- `DELETE /_sandbox/receivers/{name}` forgets it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, Response
from pydantic import BaseModel, Field
from standardwebhooks import Webhook, WebhookVerificationError

router = APIRouter(prefix="/_sandbox/receivers", tags=["receivers"])

Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
MAX_KEPT = 20_000


class ReceiverConfig(BaseModel):
    secret: str | None = Field(default=None, description="The endpoint's whsec_ secret")
    fail_next: int | None = Field(default=None, ge=0, le=10_000)
    fail_status: int | None = Field(default=None, ge=400, le=599)
    delay_ms: int | None = Field(default=None, ge=0, le=60_000)
    down: bool | None = None
    fail_invoices: list[int] | None = Field(
        default=None, description="Deliveries of these invoices' events always fail"
    )
    redirect_to: str | None = Field(
        default=None, max_length=2048, description="Answer deliveries with a redirect here"
    )
    redirect_status: int | None = Field(default=None, ge=300, le=399)


@dataclass
class Receiver:
    secret: str | None = None
    fail_next: int = 0
    fail_status: int = 500
    delay_ms: int = 0
    down: bool = False
    fail_invoices: list[int] = field(default_factory=list)
    redirect_to: str | None = None
    redirect_status: int = 307
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "has_secret": self.secret is not None,
            "fail_next": self.fail_next,
            "fail_status": self.fail_status,
            "delay_ms": self.delay_ms,
            "down": self.down,
            "fail_invoices": self.fail_invoices,
            "redirect_to": self.redirect_to,
            "redirect_status": self.redirect_status,
            "deliveries": self.deliveries,
        }


def _receivers(request: Request) -> dict[str, Receiver]:
    state = request.app.state
    if not hasattr(state, "receivers"):
        state.receivers = {}
    found: dict[str, Receiver] = state.receivers
    return found


@router.put("/{name}")
async def configure(name: Name, body: ReceiverConfig, request: Request) -> dict[str, Any]:
    receiver = _receivers(request).setdefault(name, Receiver())
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is not None or key in ("secret", "redirect_to"):
            setattr(receiver, key, value)
    return receiver.summary()


@router.get("/{name}")
async def show(name: Name, request: Request) -> dict[str, Any]:
    receiver = _receivers(request).get(name)
    if receiver is None:
        raise HTTPException(404, f"No receiver {name}")
    return receiver.summary()


@router.delete("/{name}", status_code=204)
async def forget(name: Name, request: Request) -> Response:
    _receivers(request).pop(name, None)
    return Response(status_code=204)


@router.post("/{name}")
async def receive(name: Name, request: Request) -> Response:
    """A delivery: recorded (verified or not), then answered as configured."""
    receiver = _receivers(request).setdefault(name, Receiver())
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items()}
    verified: bool | None = None
    error: str | None = None
    if receiver.secret:
        try:
            Webhook(receiver.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError as exc:
            verified, error = False, str(exc)
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    invoice_id = event.get("invoice_id") if isinstance(event, dict) else None
    refused = invoice_id is not None and invoice_id in receiver.fail_invoices
    failing = receiver.down or refused or receiver.fail_next > 0
    if receiver.fail_next > 0 and not receiver.down and not refused:
        receiver.fail_next -= 1
    status = (503 if receiver.down else receiver.fail_status) if failing else 200
    redirecting = not failing and receiver.redirect_to is not None
    if redirecting:
        status = receiver.redirect_status
    record = {
        "received_at": time.time(),
        "webhook_id": headers.get("webhook-id"),
        "webhook_timestamp": headers.get("webhook-timestamp"),
        "webhook_signature": headers.get("webhook-signature"),
        "user_agent": headers.get("user-agent"),
        "content_type": headers.get("content-type"),
        "verified": verified,
        "verification_error": error,
        "answered": status,
        "event": event if isinstance(event, dict) else None,
        "body": body.decode("utf-8", "replace"),
    }
    if len(receiver.deliveries) < MAX_KEPT:
        receiver.deliveries.append(record)
    if receiver.delay_ms:
        await asyncio.sleep(receiver.delay_ms / 1000)
    if failing:
        return Response(f"receiver {name} failing", status_code=status)
    if redirecting:
        location = receiver.redirect_to or ""
        return Response(
            f"receiver {name} moved", status_code=status, headers={"Location": location}
        )
    return Response('{"received": true}', media_type="application/json")
