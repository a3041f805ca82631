from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RefundOut")


@_attrs_define
class RefundOut:
    """
    Attributes:
        refund_amount (Any):
        refund_id (Any):
        refund_reason (Any):
        refund_timestamp (Any):
        transaction_id (Any):
    """

    refund_amount: Any
    refund_id: Any
    refund_reason: Any
    refund_timestamp: Any
    transaction_id: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        refund_amount = self.refund_amount

        refund_id = self.refund_id

        refund_reason = self.refund_reason

        refund_timestamp = self.refund_timestamp

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

        refund_reason = d.pop("refund_reason")

        refund_timestamp = d.pop("refund_timestamp")

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
