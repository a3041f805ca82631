from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.gateway_fee_out import GatewayFeeOut


T = TypeVar("T", bound="GatewayOut")


@_attrs_define
class GatewayOut:
    """
    Attributes:
        fees (list[GatewayFeeOut]):
        id (int):
        name (str):
        region (None | str):
        supported_currencies (list[str]):
    """

    fees: list[GatewayFeeOut]
    id: int
    name: str
    region: None | str
    supported_currencies: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fees = []
        for fees_item_data in self.fees:
            fees_item = fees_item_data.to_dict()
            fees.append(fees_item)

        id = self.id

        name = self.name

        region: None | str
        region = self.region

        supported_currencies = self.supported_currencies

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fees": fees,
                "id": id,
                "name": name,
                "region": region,
                "supported_currencies": supported_currencies,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.gateway_fee_out import GatewayFeeOut

        d = dict(src_dict)
        fees = []
        _fees = d.pop("fees")
        for fees_item_data in _fees:
            fees_item = GatewayFeeOut.from_dict(fees_item_data)

            fees.append(fees_item)

        id = d.pop("id")

        name = d.pop("name")

        def _parse_region(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        region = _parse_region(d.pop("region"))

        supported_currencies = cast(list[str], d.pop("supported_currencies"))

        gateway_out = cls(
            fees=fees,
            id=id,
            name=name,
            region=region,
            supported_currencies=supported_currencies,
        )

        gateway_out.additional_properties = d
        return gateway_out

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
