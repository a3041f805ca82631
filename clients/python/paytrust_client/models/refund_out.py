from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RefundOut")


@_attrs_define
class RefundOut:
    """
    Attributes:
        refund_amount (str):
        refund_id (str):
        refund_reason (None | str):
        refund_timestamp (datetime.datetime):
        transaction_id (int):
    """

    refund_amount: str
    refund_id: str
    refund_reason: None | str
    refund_timestamp: datetime.datetime
    transaction_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        refund_amount = self.refund_amount

        refund_id = self.refund_id

        refund_reason: None | str
        refund_reason = self.refund_reason

        refund_timestamp = self.refund_timestamp.isoformat()

        transaction_id = self.transaction_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "refund_amount": refund_amount,
                "refund_id": refund_id,
                "refund_reason": refund_reason,
                "refund_timestamp": refund_timestamp,
                "transaction_id": transaction_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        refund_amount = d.pop("refund_amount")

        refund_id = d.pop("refund_id")

        def _parse_refund_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        refund_reason = _parse_refund_reason(d.pop("refund_reason"))

        refund_timestamp = datetime.datetime.fromisoformat(d.pop("refund_timestamp"))

        transaction_id = d.pop("transaction_id")

        refund_out = cls(
            refund_amount=refund_amount,
            refund_id=refund_id,
            refund_reason=refund_reason,
            refund_timestamp=refund_timestamp,
            transaction_id=transaction_id,
        )

        refund_out.additional_properties = d
        return refund_out

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
