from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.gateway_account_out_status import GatewayAccountOutStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.gateway_account_out_credentials import GatewayAccountOutCredentials


T = TypeVar("T", bound="GatewayAccountOut")


@_attrs_define
class GatewayAccountOut:
    """
    Attributes:
        created_at (datetime.datetime):
        credentials (GatewayAccountOutCredentials):
        gateway (str):
        id (str):
        status (GatewayAccountOutStatus):
        updated_at (datetime.datetime):
        webhook_url (str):
        deleted_at (datetime.datetime | None | Unset):
    """

    created_at: datetime.datetime
    credentials: GatewayAccountOutCredentials
    gateway: str
    id: str
    status: GatewayAccountOutStatus
    updated_at: datetime.datetime
    webhook_url: str
    deleted_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        credentials = self.credentials.to_dict()

        gateway = self.gateway

        id = self.id

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        webhook_url = self.webhook_url

        deleted_at: None | str | Unset
        if isinstance(self.deleted_at, Unset):
            deleted_at = UNSET
        elif isinstance(self.deleted_at, datetime.datetime):
            deleted_at = self.deleted_at.isoformat()
        else:
            deleted_at = self.deleted_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "credentials": credentials,
                "gateway": gateway,
                "id": id,
                "status": status,
                "updated_at": updated_at,
                "webhook_url": webhook_url,
            }
        )
        if deleted_at is not UNSET:
            field_dict["deleted_at"] = deleted_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.gateway_account_out_credentials import (
            GatewayAccountOutCredentials,
        )

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        credentials = GatewayAccountOutCredentials.from_dict(d.pop("credentials"))

        gateway = d.pop("gateway")

        id = d.pop("id")

        status = GatewayAccountOutStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        webhook_url = d.pop("webhook_url")

        def _parse_deleted_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                deleted_at_type_0 = datetime.datetime.fromisoformat(data)

                return deleted_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        deleted_at = _parse_deleted_at(d.pop("deleted_at", UNSET))

        gateway_account_out = cls(
            created_at=created_at,
            credentials=credentials,
            gateway=gateway,
            id=id,
            status=status,
            updated_at=updated_at,
            webhook_url=webhook_url,
            deleted_at=deleted_at,
        )

        gateway_account_out.additional_properties = d
        return gateway_account_out

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
