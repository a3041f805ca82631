from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.customer_in import CustomerIn
    from ..models.installments_in import InstallmentsIn
    from ..models.invoice_create_metadata_type_0 import InvoiceCreateMetadataType0
    from ..models.line_item_in import LineItemIn


T = TypeVar("T", bound="InvoiceCreate")


@_attrs_define
class InvoiceCreate:
    """
    Attributes:
        currency (str): IDR, MYR or USD
        external_id (str): The merchant's reference, unique per tenant
        gateway_id (int):
        line_items (list[LineItemIn]): At least one
        customer (CustomerIn | None | Unset):
        description (None | str | Unset):
        expires_at (datetime.datetime | None | Unset): Default: 24 h from now, or the last due date + 24 h
        installments (InstallmentsIn | None | Unset):
        metadata (InvoiceCreateMetadataType0 | None | Unset):
    """

    currency: str
    external_id: str
    gateway_id: int
    line_items: list[LineItemIn]
    customer: CustomerIn | None | Unset = UNSET
    description: None | str | Unset = UNSET
    expires_at: datetime.datetime | None | Unset = UNSET
    installments: InstallmentsIn | None | Unset = UNSET
    metadata: InvoiceCreateMetadataType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.customer_in import CustomerIn
        from ..models.installments_in import InstallmentsIn
        from ..models.invoice_create_metadata_type_0 import InvoiceCreateMetadataType0

        currency = self.currency

        external_id = self.external_id

        gateway_id = self.gateway_id

        line_items = []
        for line_items_item_data in self.line_items:
            line_items_item = line_items_item_data.to_dict()
            line_items.append(line_items_item)

        customer: dict[str, Any] | None | Unset
        if isinstance(self.customer, Unset):
            customer = UNSET
        elif isinstance(self.customer, CustomerIn):
            customer = self.customer.to_dict()
        else:
            customer = self.customer

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        elif isinstance(self.expires_at, datetime.datetime):
            expires_at = self.expires_at.isoformat()
        else:
            expires_at = self.expires_at

        installments: dict[str, Any] | None | Unset
        if isinstance(self.installments, Unset):
            installments = UNSET
        elif isinstance(self.installments, InstallmentsIn):
            installments = self.installments.to_dict()
        else:
            installments = self.installments

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, InvoiceCreateMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "currency": currency,
                "external_id": external_id,
                "gateway_id": gateway_id,
                "line_items": line_items,
            }
        )
        if customer is not UNSET:
            field_dict["customer"] = customer
        if description is not UNSET:
            field_dict["description"] = description
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if installments is not UNSET:
            field_dict["installments"] = installments
        if metadata is not UNSET:
            field_dict["metadata"] = metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.customer_in import CustomerIn
        from ..models.installments_in import InstallmentsIn
        from ..models.invoice_create_metadata_type_0 import InvoiceCreateMetadataType0
        from ..models.line_item_in import LineItemIn

        d = dict(src_dict)
        currency = d.pop("currency")

        external_id = d.pop("external_id")

        gateway_id = d.pop("gateway_id")

        line_items = []
        _line_items = d.pop("line_items")
        for line_items_item_data in _line_items:
            line_items_item = LineItemIn.from_dict(line_items_item_data)

            line_items.append(line_items_item)

        def _parse_customer(data: object) -> CustomerIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                customer_type_0 = CustomerIn.from_dict(data)

                return customer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CustomerIn | None | Unset, data)

        customer = _parse_customer(d.pop("customer", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_expires_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_installments(data: object) -> InstallmentsIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                installments_type_0 = InstallmentsIn.from_dict(data)

                return installments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InstallmentsIn | None | Unset, data)

        installments = _parse_installments(d.pop("installments", UNSET))

        def _parse_metadata(data: object) -> InvoiceCreateMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = InvoiceCreateMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(InvoiceCreateMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        invoice_create = cls(
            currency=currency,
            external_id=external_id,
            gateway_id=gateway_id,
            line_items=line_items,
            customer=customer,
            description=description,
            expires_at=expires_at,
            installments=installments,
            metadata=metadata,
        )

        return invoice_create
