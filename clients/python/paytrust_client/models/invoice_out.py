from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.installment_out import InstallmentOut
    from ..models.invoice_out_customer_type_0 import InvoiceOutCustomerType0
    from ..models.invoice_out_metadata import InvoiceOutMetadata
    from ..models.line_item_out import LineItemOut


T = TypeVar("T", bound="InvoiceOut")


@_attrs_define
class InvoiceOut:
    """
    Attributes:
        amount_due (str):
        amount_paid (str):
        amount_refunded (str):
        created_at (datetime.datetime):
        currency (str):
        customer (InvoiceOutCustomerType0 | None):
        description (None | str):
        expires_at (datetime.datetime):
        external_id (str):
        gateway (str):
        gateway_id (int):
        id (int):
        installments (list[InstallmentOut]):
        line_items (list[LineItemOut]):
        metadata (InvoiceOutMetadata):
        original_invoice_id (int | None):
        overpayment_amount (str):
        payment_initiated_at (datetime.datetime | None):
        service_fee (str):
        status (str):
        subtotal (str):
        tax_total (str):
        total (str):
        updated_at (datetime.datetime):
    """

    amount_due: str
    amount_paid: str
    amount_refunded: str
    created_at: datetime.datetime
    currency: str
    customer: InvoiceOutCustomerType0 | None
    description: None | str
    expires_at: datetime.datetime
    external_id: str
    gateway: str
    gateway_id: int
    id: int
    installments: list[InstallmentOut]
    line_items: list[LineItemOut]
    metadata: InvoiceOutMetadata
    original_invoice_id: int | None
    overpayment_amount: str
    payment_initiated_at: datetime.datetime | None
    service_fee: str
    status: str
    subtotal: str
    tax_total: str
    total: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.invoice_out_customer_type_0 import InvoiceOutCustomerType0

        amount_due = self.amount_due

        amount_paid = self.amount_paid

        amount_refunded = self.amount_refunded

        created_at = self.created_at.isoformat()

        currency = self.currency

        customer: dict[str, Any] | None
        if isinstance(self.customer, InvoiceOutCustomerType0):
            customer = self.customer.to_dict()
        else:
            customer = self.customer

        description: None | str
        description = self.description

        expires_at = self.expires_at.isoformat()

        external_id = self.external_id

        gateway = self.gateway

        gateway_id = self.gateway_id

        id = self.id

        installments = []
        for installments_item_data in self.installments:
            installments_item = installments_item_data.to_dict()
            installments.append(installments_item)

        line_items = []
        for line_items_item_data in self.line_items:
            line_items_item = line_items_item_data.to_dict()
            line_items.append(line_items_item)

        metadata = self.metadata.to_dict()

        original_invoice_id: int | None
        original_invoice_id = self.original_invoice_id

        overpayment_amount = self.overpayment_amount

        payment_initiated_at: None | str
        if isinstance(self.payment_initiated_at, datetime.datetime):
            payment_initiated_at = self.payment_initiated_at.isoformat()
        else:
            payment_initiated_at = self.payment_initiated_at

        service_fee = self.service_fee

        status = self.status

        subtotal = self.subtotal

        tax_total = self.tax_total

        total = self.total

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_due": amount_due,
                "amount_paid": amount_paid,
                "amount_refunded": amount_refunded,
                "created_at": created_at,
                "currency": currency,
                "customer": customer,
                "description": description,
                "expires_at": expires_at,
                "external_id": external_id,
                "gateway": gateway,
                "gateway_id": gateway_id,
                "id": id,
                "installments": installments,
                "line_items": line_items,
                "metadata": metadata,
                "original_invoice_id": original_invoice_id,
                "overpayment_amount": overpayment_amount,
                "payment_initiated_at": payment_initiated_at,
                "service_fee": service_fee,
                "status": status,
                "subtotal": subtotal,
                "tax_total": tax_total,
                "total": total,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.installment_out import InstallmentOut
        from ..models.invoice_out_customer_type_0 import InvoiceOutCustomerType0
        from ..models.invoice_out_metadata import InvoiceOutMetadata
        from ..models.line_item_out import LineItemOut

        d = dict(src_dict)
        amount_due = d.pop("amount_due")

        amount_paid = d.pop("amount_paid")

        amount_refunded = d.pop("amount_refunded")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        currency = d.pop("currency")

        def _parse_customer(data: object) -> InvoiceOutCustomerType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                customer_type_0 = InvoiceOutCustomerType0.from_dict(data)

                return customer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InvoiceOutCustomerType0 | None, data)

        customer = _parse_customer(d.pop("customer"))

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        external_id = d.pop("external_id")

        gateway = d.pop("gateway")

        gateway_id = d.pop("gateway_id")

        id = d.pop("id")

        installments = []
        _installments = d.pop("installments")
        for installments_item_data in _installments:
            installments_item = InstallmentOut.from_dict(installments_item_data)

            installments.append(installments_item)

        line_items = []
        _line_items = d.pop("line_items")
        for line_items_item_data in _line_items:
            line_items_item = LineItemOut.from_dict(line_items_item_data)

            line_items.append(line_items_item)

        metadata = InvoiceOutMetadata.from_dict(d.pop("metadata"))

        def _parse_original_invoice_id(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        original_invoice_id = _parse_original_invoice_id(d.pop("original_invoice_id"))

        overpayment_amount = d.pop("overpayment_amount")

        def _parse_payment_initiated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                payment_initiated_at_type_0 = datetime.datetime.fromisoformat(data)

                return payment_initiated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        payment_initiated_at = _parse_payment_initiated_at(
            d.pop("payment_initiated_at")
        )

        service_fee = d.pop("service_fee")

        status = d.pop("status")

        subtotal = d.pop("subtotal")

        tax_total = d.pop("tax_total")

        total = d.pop("total")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        invoice_out = cls(
            amount_due=amount_due,
            amount_paid=amount_paid,
            amount_refunded=amount_refunded,
            created_at=created_at,
            currency=currency,
            customer=customer,
            description=description,
            expires_at=expires_at,
            external_id=external_id,
            gateway=gateway,
            gateway_id=gateway_id,
            id=id,
            installments=installments,
            line_items=line_items,
            metadata=metadata,
            original_invoice_id=original_invoice_id,
            overpayment_amount=overpayment_amount,
            payment_initiated_at=payment_initiated_at,
            service_fee=service_fee,
            status=status,
            subtotal=subtotal,
            tax_total=tax_total,
            total=total,
            updated_at=updated_at,
        )

        invoice_out.additional_properties = d
        return invoice_out

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
