from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """
    Attributes:
        actor_identifier (Any):
        api_key_id (Any):
        created_at (Any):
        id (Any):
        ip_address (Any):
        operation_type (Any):
        success_status (Any):
        tenant_id (Any):
    """

    actor_identifier: Any
    api_key_id: Any
    created_at: Any
    id: Any
    ip_address: Any
    operation_type: Any
    success_status: Any
    tenant_id: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor_identifier = self.actor_identifier

        api_key_id = self.api_key_id

        created_at = self.created_at

        id = self.id

        ip_address = self.ip_address

        operation_type = self.operation_type

        success_status = self.success_status

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

        api_key_id = d.pop("api_key_id")

        created_at = d.pop("created_at")

        id = d.pop("id")

        ip_address = d.pop("ip_address")

        operation_type = d.pop("operation_type")

        success_status = d.pop("success_status")

        tenant_id = d.pop("tenant_id")

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
