from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PaymentOut")


@_attrs_define
class PaymentOut:
    """
    Attributes:
        amount (str):
        currency (str):
        expires_at (datetime.datetime):
        gateway (str):
        gateway_reference (str):
        installment_number (int | None):
        invoice_id (int):
        payment_url (str):
    """

    amount: str
    currency: str
    expires_at: datetime.datetime
    gateway: str
    gateway_reference: str
    installment_number: int | None
    invoice_id: int
    payment_url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        currency = self.currency

        expires_at = self.expires_at.isoformat()

        gateway = self.gateway

        gateway_reference = self.gateway_reference

        installment_number: int | None
        installment_number = self.installment_number

        invoice_id = self.invoice_id

        payment_url = self.payment_url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "currency": currency,
                "expires_at": expires_at,
                "gateway": gateway,
                "gateway_reference": gateway_reference,
                "installment_number": installment_number,
                "invoice_id": invoice_id,
                "payment_url": payment_url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        amount = d.pop("amount")

        currency = d.pop("currency")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        gateway = d.pop("gateway")

        gateway_reference = d.pop("gateway_reference")

        def _parse_installment_number(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        installment_number = _parse_installment_number(d.pop("installment_number"))

        invoice_id = d.pop("invoice_id")

        payment_url = d.pop("payment_url")

        payment_out = cls(
            amount=amount,
            currency=currency,
            expires_at=expires_at,
            gateway=gateway,
            gateway_reference=gateway_reference,
            installment_number=installment_number,
            invoice_id=invoice_id,
            payment_url=payment_url,
        )

        payment_out.additional_properties = d
        return payment_out

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
