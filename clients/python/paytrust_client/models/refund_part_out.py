from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.refund_part_out_status import RefundPartOutStatus

T = TypeVar("T", bound="RefundPartOut")


@_attrs_define
class RefundPartOut:
    """The refund of one payment: a refund is drawn from the invoice's payments newest first,
    so it may have several parts, each its own refund at the gateway.

        Attributes:
            amount (str):
            failure_reason (None | str):
            gateway_refund_id (None | str):
            settled_at (datetime.datetime | None):
            status (RefundPartOutStatus):
            transaction_id (int):
    """

    amount: str
    failure_reason: None | str
    gateway_refund_id: None | str
    settled_at: datetime.datetime | None
    status: RefundPartOutStatus
    transaction_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount = self.amount

        failure_reason: None | str
        failure_reason = self.failure_reason

        gateway_refund_id: None | str
        gateway_refund_id = self.gateway_refund_id

        settled_at: None | str
        if isinstance(self.settled_at, datetime.datetime):
            settled_at = self.settled_at.isoformat()
        else:
            settled_at = self.settled_at

        status = self.status.value

        transaction_id = self.transaction_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount": amount,
                "failure_reason": failure_reason,
                "gateway_refund_id": gateway_refund_id,
                "settled_at": settled_at,
                "status": status,
                "transaction_id": transaction_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        amount = d.pop("amount")

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        def _parse_gateway_refund_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        gateway_refund_id = _parse_gateway_refund_id(d.pop("gateway_refund_id"))

        def _parse_settled_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                settled_at_type_0 = datetime.datetime.fromisoformat(data)

                return settled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        settled_at = _parse_settled_at(d.pop("settled_at"))

        status = RefundPartOutStatus(d.pop("status"))

        transaction_id = d.pop("transaction_id")

        refund_part_out = cls(
            amount=amount,
            failure_reason=failure_reason,
            gateway_refund_id=gateway_refund_id,
            settled_at=settled_at,
            status=status,
            transaction_id=transaction_id,
        )

        refund_part_out.additional_properties = d
        return refund_part_out

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
