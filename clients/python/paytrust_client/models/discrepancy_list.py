from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.discrepancy_out import DiscrepancyOut


T = TypeVar("T", bound="DiscrepancyList")


@_attrs_define
class DiscrepancyList:
    """
    Attributes:
        discrepancies (list[DiscrepancyOut]):
        invoice_id (int):
    """

    discrepancies: list[DiscrepancyOut]
    invoice_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        discrepancies = []
        for discrepancies_item_data in self.discrepancies:
            discrepancies_item = discrepancies_item_data.to_dict()
            discrepancies.append(discrepancies_item)

        invoice_id = self.invoice_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "discrepancies": discrepancies,
                "invoice_id": invoice_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.discrepancy_out import DiscrepancyOut

        d = dict(src_dict)
        discrepancies = []
        _discrepancies = d.pop("discrepancies")
        for discrepancies_item_data in _discrepancies:
            discrepancies_item = DiscrepancyOut.from_dict(discrepancies_item_data)

            discrepancies.append(discrepancies_item)

        invoice_id = d.pop("invoice_id")

        discrepancy_list = cls(
            discrepancies=discrepancies,
            invoice_id=invoice_id,
        )

        discrepancy_list.additional_properties = d
        return discrepancy_list

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
