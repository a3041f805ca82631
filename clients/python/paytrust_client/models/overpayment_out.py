from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OverpaymentOut")


@_attrs_define
class OverpaymentOut:
    """
    Attributes:
        invoice_id (int):
        overpayment_amount (str):
        total_amount (str):
        total_paid (str):
    """

    invoice_id: int
    overpayment_amount: str
    total_amount: str
    total_paid: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        invoice_id = self.invoice_id

        overpayment_amount = self.overpayment_amount

        total_amount = self.total_amount

        total_paid = self.total_paid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "invoice_id": invoice_id,
                "overpayment_amount": overpayment_amount,
                "total_amount": total_amount,
                "total_paid": total_paid,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        invoice_id = d.pop("invoice_id")

        overpayment_amount = d.pop("overpayment_amount")

        total_amount = d.pop("total_amount")

        total_paid = d.pop("total_paid")

        overpayment_out = cls(
            invoice_id=invoice_id,
            overpayment_amount=overpayment_amount,
            total_amount=total_amount,
            total_paid=total_paid,
        )

        overpayment_out.additional_properties = d
        return overpayment_out

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
