from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """
    Attributes:
        actor_identifier (str):
        api_key_id (int | None):
        created_at (datetime.datetime):
        id (int):
        ip_address (None | str):
        operation_type (str):
        success_status (bool):
        tenant_id (None | str):
    """

    actor_identifier: str
    api_key_id: int | None
    created_at: datetime.datetime
    id: int
    ip_address: None | str
    operation_type: str
    success_status: bool
    tenant_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor_identifier = self.actor_identifier

        api_key_id: int | None
        api_key_id = self.api_key_id

        created_at = self.created_at.isoformat()

        id = self.id

        ip_address: None | str
        ip_address = self.ip_address

        operation_type = self.operation_type

        success_status = self.success_status

        tenant_id: None | str
        tenant_id = self.tenant_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor_identifier": actor_identifier,
                "api_key_id": api_key_id,
                "created_at": created_at,
                "id": id,
                "ip_address": ip_address,
                "operation_type": operation_type,
                "success_status": success_status,
                "tenant_id": tenant_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        actor_identifier = d.pop("actor_identifier")

        def _parse_api_key_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        api_key_id = _parse_api_key_id(d.pop("api_key_id"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        def _parse_ip_address(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        ip_address = _parse_ip_address(d.pop("ip_address"))

        operation_type = d.pop("operation_type")

        success_status = d.pop("success_status")

        def _parse_tenant_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tenant_id = _parse_tenant_id(d.pop("tenant_id"))

        audit_entry = cls(
            actor_identifier=actor_identifier,
            api_key_id=api_key_id,
            created_at=created_at,
            id=id,
            ip_address=ip_address,
            operation_type=operation_type,
            success_status=success_status,
            tenant_id=tenant_id,
        )

        audit_entry.additional_properties = d
        return audit_entry

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
