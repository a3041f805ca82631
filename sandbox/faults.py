"""Faults injected through `POST /_sandbox/faults`: failing API calls, latency, wrong webhook
signatures, reordered webhook deliveries and notifications that never leave (lost)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Operation = Literal["create_payment", "status", "refund", "expire"]
SandboxGateway = Literal["xendit", "midtrans"]


class CallFault(BaseModel):
    """Fail the next `times` calls of one operation with HTTP `status`.

    `gateway` limits it to one gateway. `in_body` (Midtrans Core API only) answers HTTP 200
    with the error in the body's `status_code`, as Midtrans does.
    """

    status: int = Field(default=503, ge=400, le=599)
    times: int = Field(default=1, ge=1)
    gateway: SandboxGateway | None = None
    in_body: bool = False


class RefundFault(BaseModel):
    """How the gateway treats the next `times` new refunds (`gateway` and `reference`, a
    payment's reference, narrow it; a repeated idempotency key is never a new refund):

    - `failed`: the gateway refuses. Xendit answers 200 PENDING, then sends `refund.failed`
      with `failure_code`; Midtrans refuses synchronously (body `status_code` "412") and sends
      nothing, as it notifies successful refunds only.
    - `timeout`: the refund is made, but its answer is held `delay_ms`: the caller times out
      not knowing, and must ask again with the same key.
    - `slow`: the refund is made and answered after `delay_ms`.
    """

    outcome: Literal["failed", "timeout", "slow"]
    times: int = Field(default=1, ge=1)
    gateway: SandboxGateway | None = None
    reference: str | None = None
    delay_ms: int = Field(default=30_000, ge=0, le=600_000)
    failure_code: str = Field(default="INSUFFICIENT_BALANCE", min_length=1, max_length=64)


class FaultsRequest(BaseModel):
    """Body of `POST /_sandbox/faults`; fields left out keep their current setting."""

    create_payment: CallFault | None = None
    status: CallFault | None = None
    refund: CallFault | None = None
    expire: CallFault | None = None
    refund_result: RefundFault | None = None
    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    webhook_signature: Literal["wrong", "right"] | None = None
    webhook_signature_times: int = Field(default=1, ge=1)
    reorder_next: int | None = Field(default=None, ge=0, le=100)
    # Every notification is recorded but never sent (as if each delivery were lost): PayTrust
    # must find the payment by asking (payment sync).
    drop_notifications: bool | None = None


class Faults:
    """The faults in force. Only touched from the event loop (no awaits in between)."""

    def __init__(self) -> None:
        self.calls: dict[Operation, CallFault] = {}
        self.refund_result: RefundFault | None = None
        self.latency_ms = 0
        self.wrong_signatures = 0
        self.reorder_next = 0
        self.drop_notifications = False

    def apply(self, request: FaultsRequest) -> None:
        """Merge a `POST /_sandbox/faults` body into the faults in force."""
        for operation in ("create_payment", "status", "refund", "expire"):
            fault: CallFault | None = getattr(request, operation)
            if fault is not None:
                self.calls[operation] = fault.model_copy()
        if request.refund_result is not None:
            self.refund_result = request.refund_result.model_copy()
        if request.latency_ms is not None:
            self.latency_ms = request.latency_ms
        if request.webhook_signature == "wrong":
            self.wrong_signatures = request.webhook_signature_times
        elif request.webhook_signature == "right":
            self.wrong_signatures = 0
        if request.reorder_next is not None:
            self.reorder_next = request.reorder_next
        if request.drop_notifications is not None:
            self.drop_notifications = request.drop_notifications

    def clear(self) -> None:
        """Back to a well-behaved gateway (held reordered webhooks are released separately)."""
        self.calls.clear()
        self.refund_result = None
        self.latency_ms = 0
        self.wrong_signatures = 0
        self.reorder_next = 0
        self.drop_notifications = False

    def take_call_fault(self, operation: Operation, gateway: SandboxGateway) -> CallFault | None:
        """The fault for this call, if one is due; counts it down."""
        fault = self.calls.get(operation)
        if fault is None or (fault.gateway is not None and fault.gateway != gateway):
            return None
        fault.times -= 1
        if fault.times <= 0:
            del self.calls[operation]
        return fault

    def take_refund_fault(self, gateway: SandboxGateway, reference: str) -> RefundFault | None:
        """The outcome due for a new refund of payment `reference`, if any; counts it down."""
        fault = self.refund_result
        if fault is None or fault.gateway not in (None, gateway):
            return None
        if fault.reference not in (None, reference):
            return None
        fault.times -= 1
        if fault.times <= 0:
            self.refund_result = None
        return fault.model_copy(update={"times": 1})

    def take_wrong_signature(self) -> bool:
        """True when the next webhook must carry a wrong token/signature; counts it down."""
        if self.wrong_signatures > 0:
            self.wrong_signatures -= 1
            return True
        return False

    def describe(self) -> dict[str, object]:
        """The faults in force, for `GET /_sandbox/faults`."""
        return {
            **{operation: fault.model_dump() for operation, fault in self.calls.items()},
            "refund_result": self.refund_result.model_dump() if self.refund_result else None,
            "latency_ms": self.latency_ms,
            "webhook_signature_wrong_remaining": self.wrong_signatures,
            "reorder_next": self.reorder_next,
            "drop_notifications": self.drop_notifications,
        }
