from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="GatewayFeeOut")


@_attrs_define
class GatewayFeeOut:
    """
    Attributes:
        currency (str):
        fee_fixed (str):
        fee_percentage (str):
    """

    currency: str
    fee_fixed: str
    fee_percentage: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        fee_fixed = self.fee_fixed

        fee_percentage = self.fee_percentage

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "currency": currency,
                "fee_fixed": fee_fixed,
                "fee_percentage": fee_percentage,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        currency = d.pop("currency")

        fee_fixed = d.pop("fee_fixed")

        fee_percentage = d.pop("fee_percentage")

        gateway_fee_out = cls(
            currency=currency,
            fee_fixed=fee_fixed,
            fee_percentage=fee_percentage,
        )

        gateway_fee_out.additional_properties = d
        return gateway_fee_out

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
