from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TransactionOut")


@_attrs_define
class TransactionOut:
    """
    Attributes:
        amount (str):
        created_at (datetime.datetime):
        currency (str):
        failure_reason (None | str):
        gateway (str):
        gateway_transaction_id (str):
        id (int):
        installment_number (int | None):
        overpayment_amount (str):
        paid_at (datetime.datetime | None):
        refunded_amount (str):
        status (str):
    """

    amount: str
    created_at: datetime.datetime
    currency: str
    failure_reason: None | str
    gateway: str
    gateway_transaction_id: str
    id: int
    installment_number: int | None
    overpayment_amount: str
    paid_at: datetime.datetime | None
    refunded_amount: str
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        created_at = self.created_at.isoformat()

        currency = self.currency

        failure_reason: None | str
        failure_reason = self.failure_reason

        gateway = self.gateway

        gateway_transaction_id = self.gateway_transaction_id

        id = self.id

        installment_number: int | None
        installment_number = self.installment_number

        overpayment_amount = self.overpayment_amount

        paid_at: None | str
        if isinstance(self.paid_at, datetime.datetime):
            paid_at = self.paid_at.isoformat()
        else:
            paid_at = self.paid_at

        refunded_amount = self.refunded_amount

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "created_at": created_at,
                "currency": currency,
                "failure_reason": failure_reason,
                "gateway": gateway,
                "gateway_transaction_id": gateway_transaction_id,
                "id": id,
                "installment_number": installment_number,
                "overpayment_amount": overpayment_amount,
                "paid_at": paid_at,
                "refunded_amount": refunded_amount,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        amount = d.pop("amount")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        gateway = d.pop("gateway")

        gateway_transaction_id = d.pop("gateway_transaction_id")

        id = d.pop("id")

        def _parse_installment_number(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        installment_number = _parse_installment_number(d.pop("installment_number"))

        overpayment_amount = d.pop("overpayment_amount")

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

        refunded_amount = d.pop("refunded_amount")

        status = d.pop("status")

        transaction_out = cls(
            amount=amount,
            created_at=created_at,
            currency=currency,
            failure_reason=failure_reason,
            gateway=gateway,
            gateway_transaction_id=gateway_transaction_id,
            id=id,
            installment_number=installment_number,
            overpayment_amount=overpayment_amount,
            paid_at=paid_at,
            refunded_amount=refunded_amount,
            status=status,
        )

        transaction_out.additional_properties = d
        return transaction_out

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
