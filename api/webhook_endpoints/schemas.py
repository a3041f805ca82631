"""Webhook endpoint request and response bodies (API.md "Events and merchant webhooks")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.resources import Timestamped

Url = Annotated[str, Field(min_length=1, max_length=2048, description="http(s) receiver URL")]
Filters = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]],
    Field(min_length=1, max_length=64, description='Event types, "prefix.*" or "*"'),
]


class EndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    events: Filters = Field(default_factory=lambda: ["*"])
    description: Annotated[str, Field(max_length=500)] | None = None


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url | None = None
    events: Filters | None = None
    description: Annotated[str, Field(max_length=500)] | None = None
    disabled: bool | None = None


class RotateSecret(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expire_previous_in_seconds: Annotated[int, Field(ge=0, le=7 * 86400)] = 86400


class EndpointOut(Timestamped):
    id: int
    url: str
    events: list[str]
    description: str | None
    disabled: bool
    disabled_reason: str | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="Shown only here: store it to verify signatures")


class EndpointList(BaseModel):
    data: list[EndpointOut]


class AttemptOut(Timestamped):
    attempted_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_body: str | None = Field(description="The first 1 KiB of the response body")


class DeliveryOut(Timestamped):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    invoice_id: int | None
    sequence: int | None
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    attempts: list[AttemptOut]


class DeliveryList(BaseModel):
    data: list[DeliveryOut]
    has_more: bool
    next_cursor: str | None


class DeliveryAccepted(BaseModel):
    delivery_id: int
    event_id: str
    status: str
