from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InstallmentOut")


@_attrs_define
class InstallmentOut:
    """
    Attributes:
        amount (str):
        due_date (datetime.datetime):
        number (int):
        paid_amount (str):
        paid_at (datetime.datetime | None):
        service_fee_amount (str):
        status (str):
        tax_amount (str):
    """

    amount: str
    due_date: datetime.datetime
    number: int
    paid_amount: str
    paid_at: datetime.datetime | None
    service_fee_amount: str
    status: str
    tax_amount: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        due_date = self.due_date.isoformat()

        number = self.number

        paid_amount = self.paid_amount

        paid_at: None | str
        if isinstance(self.paid_at, datetime.datetime):
            paid_at = self.paid_at.isoformat()
        else:
            paid_at = self.paid_at

        service_fee_amount = self.service_fee_amount

        status = self.status

        tax_amount = self.tax_amount

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "due_date": due_date,
                "number": number,
                "paid_amount": paid_amount,
                "paid_at": paid_at,
                "service_fee_amount": service_fee_amount,
                "status": status,
                "tax_amount": tax_amount,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        amount = d.pop("amount")

        due_date = datetime.datetime.fromisoformat(d.pop("due_date"))

        number = d.pop("number")

        paid_amount = d.pop("paid_amount")

        def _parse_paid_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                paid_at_type_0 = datetime.datetime.fromisoformat(data)

                return paid_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        paid_at = _parse_paid_at(d.pop("paid_at"))

        service_fee_amount = d.pop("service_fee_amount")

        status = d.pop("status")

        tax_amount = d.pop("tax_amount")

        installment_out = cls(
            amount=amount,
            due_date=due_date,
            number=number,
            paid_amount=paid_amount,
            paid_at=paid_at,
            service_fee_amount=service_fee_amount,
            status=status,
            tax_amount=tax_amount,
        )

        installment_out.additional_properties = d
        return installment_out

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
