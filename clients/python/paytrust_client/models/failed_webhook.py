from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FailedWebhook")


@_attrs_define
class FailedWebhook:
    """
    Attributes:
        attempts (int):
        event_id (str):
        event_type (str):
        failed_at (None | str):
        gateway (str):
        id (int):
        invoice_id (int | None):
        last_error (None | str):
        rejection_reason (None | str | Unset):
    """

    attempts: int
    event_id: str
    event_type: str
    failed_at: None | str
    gateway: str
    id: int
    invoice_id: int | None
    last_error: None | str
    rejection_reason: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        event_id = self.event_id

        event_type = self.event_type

        failed_at: None | str
        failed_at = self.failed_at

        gateway = self.gateway

        id = self.id

        invoice_id: int | None
        invoice_id = self.invoice_id

        last_error: None | str
        last_error = self.last_error

        rejection_reason: None | str | Unset
        if isinstance(self.rejection_reason, Unset):
            rejection_reason = UNSET
        else:
            rejection_reason = self.rejection_reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "event_id": event_id,
                "event_type": event_type,
                "failed_at": failed_at,
                "gateway": gateway,
                "id": id,
                "invoice_id": invoice_id,
                "last_error": last_error,
            }
        )
        if rejection_reason is not UNSET:
            field_dict["rejection_reason"] = rejection_reason

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        event_id = d.pop("event_id")

        event_type = d.pop("event_type")

        def _parse_failed_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failed_at = _parse_failed_at(d.pop("failed_at"))

        gateway = d.pop("gateway")

        id = d.pop("id")

        def _parse_invoice_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        invoice_id = _parse_invoice_id(d.pop("invoice_id"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        def _parse_rejection_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rejection_reason = _parse_rejection_reason(d.pop("rejection_reason", UNSET))

        failed_webhook = cls(
            attempts=attempts,
            event_id=event_id,
            event_type=event_type,
            failed_at=failed_at,
            gateway=gateway,
            id=id,
            invoice_id=invoice_id,
            last_error=last_error,
            rejection_reason=rejection_reason,
        )

        failed_webhook.additional_properties = d
        return failed_webhook

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
