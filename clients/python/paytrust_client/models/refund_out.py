from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.refund_out_source import RefundOutSource
from ..models.refund_out_status import RefundOutStatus

if TYPE_CHECKING:
    from ..models.refund_part_out import RefundPartOut


T = TypeVar("T", bound="RefundOut")


@_attrs_define
class RefundOut:
    """
    Attributes:
        amount_refunded (str): What the gateway has refunded of it
        currency (str):
        failure_reason (None | str):
        invoice_id (int):
        parts (list[RefundPartOut]):
        refund_amount (str): What was asked for
        refund_id (str):
        refund_reason (None | str):
        refund_timestamp (datetime.datetime):
        requested_at (datetime.datetime | None):
        settled_at (datetime.datetime | None):
        source (RefundOutSource):
        status (RefundOutStatus):
        transaction_id (int): The (first, newest) payment it refunds
    """

    amount_refunded: str
    currency: str
    failure_reason: None | str
    invoice_id: int
    parts: list[RefundPartOut]
    refund_amount: str
    refund_id: str
    refund_reason: None | str
    refund_timestamp: datetime.datetime
    requested_at: datetime.datetime | None
    settled_at: datetime.datetime | None
    source: RefundOutSource
    status: RefundOutStatus
    transaction_id: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_refunded = self.amount_refunded

        currency = self.currency

        failure_reason: None | str
        failure_reason = self.failure_reason

        invoice_id = self.invoice_id

        parts = []
        for parts_item_data in self.parts:
            parts_item = parts_item_data.to_dict()
            parts.append(parts_item)

        refund_amount = self.refund_amount

        refund_id = self.refund_id

        refund_reason: None | str
        refund_reason = self.refund_reason

        refund_timestamp = self.refund_timestamp.isoformat()

        requested_at: None | str
        if isinstance(self.requested_at, datetime.datetime):
            requested_at = self.requested_at.isoformat()
        else:
            requested_at = self.requested_at

        settled_at: None | str
        if isinstance(self.settled_at, datetime.datetime):
            settled_at = self.settled_at.isoformat()
        else:
            settled_at = self.settled_at

        source = self.source.value

        status = self.status.value

        transaction_id = self.transaction_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_refunded": amount_refunded,
                "currency": currency,
                "failure_reason": failure_reason,
                "invoice_id": invoice_id,
                "parts": parts,
                "refund_amount": refund_amount,
                "refund_id": refund_id,
                "refund_reason": refund_reason,
                "refund_timestamp": refund_timestamp,
                "requested_at": requested_at,
                "settled_at": settled_at,
                "source": source,
                "status": status,
                "transaction_id": transaction_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.refund_part_out import RefundPartOut

        d = dict(src_dict)
        amount_refunded = d.pop("amount_refunded")

        currency = d.pop("currency")

        def _parse_failure_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        failure_reason = _parse_failure_reason(d.pop("failure_reason"))

        invoice_id = d.pop("invoice_id")

        parts = []
        _parts = d.pop("parts")
        for parts_item_data in _parts:
            parts_item = RefundPartOut.from_dict(parts_item_data)

            parts.append(parts_item)

        refund_amount = d.pop("refund_amount")

        refund_id = d.pop("refund_id")

        def _parse_refund_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        refund_reason = _parse_refund_reason(d.pop("refund_reason"))

        refund_timestamp = datetime.datetime.fromisoformat(d.pop("refund_timestamp"))

        def _parse_requested_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                requested_at_type_0 = datetime.datetime.fromisoformat(data)

                return requested_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        requested_at = _parse_requested_at(d.pop("requested_at"))

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

        source = RefundOutSource(d.pop("source"))

        status = RefundOutStatus(d.pop("status"))

        transaction_id = d.pop("transaction_id")

        refund_out = cls(
            amount_refunded=amount_refunded,
            currency=currency,
            failure_reason=failure_reason,
            invoice_id=invoice_id,
            parts=parts,
            refund_amount=refund_amount,
            refund_id=refund_id,
            refund_reason=refund_reason,
            refund_timestamp=refund_timestamp,
            requested_at=requested_at,
            settled_at=settled_at,
            source=source,
            status=status,
            transaction_id=transaction_id,
        )

        refund_out.additional_properties = d
        return refund_out

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
