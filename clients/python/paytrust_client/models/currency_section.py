from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.fee_line import FeeLine
    from ..models.tax_line import TaxLine


T = TypeVar("T", bound="CurrencySection")


@_attrs_define
class CurrencySection:
    """
    Attributes:
        amount_paid (str):
        amount_refunded (str):
        currency (str):
        invoice_count (int):
        received_on_closed_invoices (str): Money received after the invoice was cancelled or expired
        service_fee_total (str):
        service_fees (list[FeeLine]):
        subtotal (str):
        tax_total (str):
        taxes (list[TaxLine]):
        total (str):
    """

    amount_paid: str
    amount_refunded: str
    currency: str
    invoice_count: int
    received_on_closed_invoices: str
    service_fee_total: str
    service_fees: list[FeeLine]
    subtotal: str
    tax_total: str
    taxes: list[TaxLine]
    total: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        amount_paid = self.amount_paid

        amount_refunded = self.amount_refunded

        currency = self.currency

        invoice_count = self.invoice_count

        received_on_closed_invoices = self.received_on_closed_invoices

        service_fee_total = self.service_fee_total

        service_fees = []
        for service_fees_item_data in self.service_fees:
            service_fees_item = service_fees_item_data.to_dict()
            service_fees.append(service_fees_item)

        subtotal = self.subtotal

        tax_total = self.tax_total

        taxes = []
        for taxes_item_data in self.taxes:
            taxes_item = taxes_item_data.to_dict()
            taxes.append(taxes_item)

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "amount_paid": amount_paid,
                "amount_refunded": amount_refunded,
                "currency": currency,
                "invoice_count": invoice_count,
                "received_on_closed_invoices": received_on_closed_invoices,
                "service_fee_total": service_fee_total,
                "service_fees": service_fees,
                "subtotal": subtotal,
                "tax_total": tax_total,
                "taxes": taxes,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.fee_line import FeeLine
        from ..models.tax_line import TaxLine

        d = dict(src_dict)
        amount_paid = d.pop("amount_paid")

        amount_refunded = d.pop("amount_refunded")

        currency = d.pop("currency")

        invoice_count = d.pop("invoice_count")

        received_on_closed_invoices = d.pop("received_on_closed_invoices")

        service_fee_total = d.pop("service_fee_total")

        service_fees = []
        _service_fees = d.pop("service_fees")
        for service_fees_item_data in _service_fees:
            service_fees_item = FeeLine.from_dict(service_fees_item_data)

            service_fees.append(service_fees_item)

        subtotal = d.pop("subtotal")

        tax_total = d.pop("tax_total")

        taxes = []
        _taxes = d.pop("taxes")
        for taxes_item_data in _taxes:
            taxes_item = TaxLine.from_dict(taxes_item_data)

            taxes.append(taxes_item)

        total = d.pop("total")

        currency_section = cls(
            amount_paid=amount_paid,
            amount_refunded=amount_refunded,
            currency=currency,
            invoice_count=invoice_count,
            received_on_closed_invoices=received_on_closed_invoices,
            service_fee_total=service_fee_total,
            service_fees=service_fees,
            subtotal=subtotal,
            tax_total=tax_total,
            taxes=taxes,
            total=total,
        )

        currency_section.additional_properties = d
        return currency_section

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
