from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="LineItemIn")


@_attrs_define
class LineItemIn:
    """
    Attributes:
        description (str):
        quantity (int): Integer 1..1000000
        unit_price (int | str): ≥ 0, at the currency's scale, at most 10^13
        tax_category (None | str | Unset):
        tax_rate (int | None | str | Unset): 0..1 with at most 4 decimals; default 0
    """

    description: str
    quantity: int
    unit_price: int | str
    tax_category: None | str | Unset = UNSET
    tax_rate: int | None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        quantity = self.quantity

        unit_price: int | str
        unit_price = self.unit_price

        tax_category: None | str | Unset
        if isinstance(self.tax_category, Unset):
            tax_category = UNSET
        else:
            tax_category = self.tax_category

        tax_rate: int | None | str | Unset
        if isinstance(self.tax_rate, Unset):
            tax_rate = UNSET
        else:
            tax_rate = self.tax_rate

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "description": description,
                "quantity": quantity,
                "unit_price": unit_price,
            }
        )
        if tax_category is not UNSET:
            field_dict["tax_category"] = tax_category
        if tax_rate is not UNSET:
            field_dict["tax_rate"] = tax_rate

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        description = d.pop("description")

        quantity = d.pop("quantity")

        def _parse_unit_price(data: object) -> int | str:
            return cast(int | str, data)

        unit_price = _parse_unit_price(d.pop("unit_price"))

        def _parse_tax_category(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tax_category = _parse_tax_category(d.pop("tax_category", UNSET))

        def _parse_tax_rate(data: object) -> int | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | str | Unset, data)

        tax_rate = _parse_tax_rate(d.pop("tax_rate", UNSET))

        line_item_in = cls(
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            tax_category=tax_category,
            tax_rate=tax_rate,
        )

        return line_item_in
