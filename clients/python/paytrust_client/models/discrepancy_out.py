from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DiscrepancyOut")


@_attrs_define
class DiscrepancyOut:
    """
    Attributes:
        difference (str):
        expected_amount (str):
        installment_number (int | None):
        paid_amount (str):
        transaction_id (int):
        type_ (str):
    """

    difference: str
    expected_amount: str
    installment_number: int | None
    paid_amount: str
    transaction_id: int
    type_: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        difference = self.difference

        expected_amount = self.expected_amount

        installment_number: int | None
        installment_number = self.installment_number

        paid_amount = self.paid_amount

        transaction_id = self.transaction_id

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "difference": difference,
                "expected_amount": expected_amount,
                "installment_number": installment_number,
                "paid_amount": paid_amount,
                "transaction_id": transaction_id,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        difference = d.pop("difference")

        expected_amount = d.pop("expected_amount")

        def _parse_installment_number(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        installment_number = _parse_installment_number(d.pop("installment_number"))

        paid_amount = d.pop("paid_amount")

        transaction_id = d.pop("transaction_id")

        type_ = d.pop("type")

        discrepancy_out = cls(
            difference=difference,
            expected_amount=expected_amount,
            installment_number=installment_number,
            paid_amount=paid_amount,
            transaction_id=transaction_id,
            type_=type_,
        )

        discrepancy_out.additional_properties = d
        return discrepancy_out

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
