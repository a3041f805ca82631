from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InvoiceOut")


@_attrs_define
class InvoiceOut:
    """
    Attributes:
        amount_due (Any):
        amount_paid (Any):
        amount_refunded (Any):
        created_at (Any):
        currency (Any):
        customer (Any):
        description (Any):
        expires_at (Any):
        external_id (Any):
        gateway (Any):
        gateway_id (Any):
        id (Any):
        installments (Any):
        line_items (Any):
        metadata (Any):
        original_invoice_id (Any):
        overpayment_amount (Any):
        payment_initiated_at (Any):
        service_fee (Any):
        status (Any):
        subtotal (Any):
        tax_total (Any):
        total (Any):
        updated_at (Any):
    """

    amount_due: Any
    amount_paid: Any
    amount_refunded: Any
    created_at: Any
    currency: Any
    customer: Any
    description: Any
    expires_at: Any
    external_id: Any
    gateway: Any
    gateway_id: Any
    id: Any
    installments: Any
    line_items: Any
    metadata: Any
    original_invoice_id: Any
    overpayment_amount: Any
    payment_initiated_at: Any
    service_fee: Any
    status: Any
    subtotal: Any
    tax_total: Any
    total: Any
    updated_at: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_due = self.amount_due

        amount_paid = self.amount_paid

        amount_refunded = self.amount_refunded

        created_at = self.created_at

        currency = self.currency

        customer = self.customer

        description = self.description

        expires_at = self.expires_at

        external_id = self.external_id

        gateway = self.gateway

        gateway_id = self.gateway_id

        id = self.id

        installments = self.installments

        line_items = self.line_items

        metadata = self.metadata

        original_invoice_id = self.original_invoice_id

        overpayment_amount = self.overpayment_amount

        payment_initiated_at = self.payment_initiated_at

        service_fee = self.service_fee

        status = self.status

        subtotal = self.subtotal

        tax_total = self.tax_total

        total = self.total

        updated_at = self.updated_at

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
        d = dict(src_dict)
        amount_due = d.pop("amount_due")

        amount_paid = d.pop("amount_paid")

        amount_refunded = d.pop("amount_refunded")

        created_at = d.pop("created_at")

        currency = d.pop("currency")

        customer = d.pop("customer")

        description = d.pop("description")

        expires_at = d.pop("expires_at")

        external_id = d.pop("external_id")

        gateway = d.pop("gateway")

        gateway_id = d.pop("gateway_id")

        id = d.pop("id")

        installments = d.pop("installments")

        line_items = d.pop("line_items")

        metadata = d.pop("metadata")

        original_invoice_id = d.pop("original_invoice_id")

        overpayment_amount = d.pop("overpayment_amount")

        payment_initiated_at = d.pop("payment_initiated_at")

        service_fee = d.pop("service_fee")

        status = d.pop("status")

        subtotal = d.pop("subtotal")

        tax_total = d.pop("tax_total")

        total = d.pop("total")

        updated_at = d.pop("updated_at")

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
