from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.installment_change_in import InstallmentChangeIn


T = TypeVar("T", bound="AdjustInstallmentsRequest")


@_attrs_define
class AdjustInstallmentsRequest:
    """PATCH /invoices/{id}/installments: new amounts and due dates of unpaid installments.

    Attributes:
        installments (list[InstallmentChangeIn]):
    """

    installments: list[InstallmentChangeIn]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        installments = []
        for installments_item_data in self.installments:
            installments_item = installments_item_data.to_dict()
            installments.append(installments_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "installments": installments,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.installment_change_in import InstallmentChangeIn

        d = dict(src_dict)
        installments = []
        _installments = d.pop("installments")
        for installments_item_data in _installments:
            installments_item = InstallmentChangeIn.from_dict(installments_item_data)

            installments.append(installments_item)

        adjust_installments_request = cls(
            installments=installments,
        )

        adjust_installments_request.additional_properties = d
        return adjust_installments_request

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
