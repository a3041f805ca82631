from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TaxLine")


@_attrs_define
class TaxLine:
    """
    Attributes:
        tax_amount (str):
        tax_category (None | str):
        tax_rate (str):
        taxable_amount (str):
    """

    tax_amount: str
    tax_category: None | str
    tax_rate: str
    taxable_amount: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tax_amount = self.tax_amount

        tax_category: None | str
        tax_category = self.tax_category

        tax_rate = self.tax_rate

        taxable_amount = self.taxable_amount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tax_amount": tax_amount,
                "tax_category": tax_category,
                "tax_rate": tax_rate,
                "taxable_amount": taxable_amount,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        tax_amount = d.pop("tax_amount")

        def _parse_tax_category(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tax_category = _parse_tax_category(d.pop("tax_category"))

        tax_rate = d.pop("tax_rate")

        taxable_amount = d.pop("taxable_amount")

        tax_line = cls(
            tax_amount=tax_amount,
            tax_category=tax_category,
            tax_rate=tax_rate,
            taxable_amount=taxable_amount,
        )

        tax_line.additional_properties = d
        return tax_line

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
