from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_serializer

from domain.timeutil import iso_utc

TenantId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tenant_id: TenantId = Field(description="The merchant (tenant) the key acts for")
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]


class ApiKeyRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_period_seconds: int = Field(
        default=0, ge=0, le=86400, description="How long the old secret keeps working"
    )


class _Timestamps(BaseModel):
    @field_serializer("*", when_used="json", check_fields=False)
    def _utc(self, value: object) -> object:
        return iso_utc(value) if isinstance(value, datetime) else value


class ApiKeyOut(_Timestamps):
    id: int
    tenant_id: str
    name: str
    key_prefix: str
    status: str
    created_at: datetime
    rotated_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class ApiKeyWithSecret(ApiKeyOut):
    key: str = Field(description="The secret. Shown only in this response; store it now.")
    previous_key_expires_at: datetime | None = None


class AuditEntry(_Timestamps):
    id: int
    api_key_id: int | None
    tenant_id: str | None
    operation_type: str
    actor_identifier: str
    ip_address: str | None
    success_status: bool
    created_at: datetime
