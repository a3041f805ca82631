from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApiKeyOut")


@_attrs_define
class ApiKeyOut:
    """
    Attributes:
        created_at (Any):
        id (Any):
        key_prefix (Any):
        name (Any):
        status (Any):
        tenant_id (Any):
        last_used_at (Any | Unset):
        revoked_at (Any | Unset):
        rotated_at (Any | Unset):
    """

    created_at: Any
    id: Any
    key_prefix: Any
    name: Any
    status: Any
    tenant_id: Any
    last_used_at: Any | Unset = UNSET
    revoked_at: Any | Unset = UNSET
    rotated_at: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        key_prefix = self.key_prefix

        name = self.name

        status = self.status

        tenant_id = self.tenant_id

        last_used_at = self.last_used_at

        revoked_at = self.revoked_at

        rotated_at = self.rotated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "key_prefix": key_prefix,
                "name": name,
                "status": status,
                "tenant_id": tenant_id,
            }
        )
        if last_used_at is not UNSET:
            field_dict["last_used_at"] = last_used_at
        if revoked_at is not UNSET:
            field_dict["revoked_at"] = revoked_at
        if rotated_at is not UNSET:
            field_dict["rotated_at"] = rotated_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        id = d.pop("id")

        key_prefix = d.pop("key_prefix")

        name = d.pop("name")

        status = d.pop("status")

        tenant_id = d.pop("tenant_id")

        last_used_at = d.pop("last_used_at", UNSET)

        revoked_at = d.pop("revoked_at", UNSET)

        rotated_at = d.pop("rotated_at", UNSET)

        api_key_out = cls(
            created_at=created_at,
            id=id,
            key_prefix=key_prefix,
            name=name,
            status=status,
            tenant_id=tenant_id,
            last_used_at=last_used_at,
            revoked_at=revoked_at,
            rotated_at=rotated_at,
        )

        api_key_out.additional_properties = d
        return api_key_out

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
