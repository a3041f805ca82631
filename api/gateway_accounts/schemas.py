from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Secret = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class Credentials(BaseModel):
    """Xendit: `secret_key` and `callback_token`; Midtrans: `server_key` (and `client_key`)."""

    model_config = ConfigDict(extra="forbid")

    secret_key: Secret | None = None
    callback_token: Secret | None = None
    server_key: Secret | None = None
    client_key: Secret | None = None

    def given(self) -> dict[str, str]:
        return {key: value for key, value in self.model_dump().items() if value is not None}


class GatewayAccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gateway: Literal["xendit", "midtrans"]
    credentials: Credentials


class CredentialsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credentials: Credentials


class GatewayAccountOut(BaseModel):
    id: str
    gateway: str
    status: Literal["active", "deleted"]
    # The last 4 characters of each credential; the credentials themselves are never returned.
    credentials: dict[str, str] = Field(examples=[{"secret_key": "••••a1b2"}])
    # Paste into the gateway's dashboard: notifications for this account go here.
    webhook_url: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


class GatewayAccountList(BaseModel):
    data: list[GatewayAccountOut]
