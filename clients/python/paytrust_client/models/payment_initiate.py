from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PaymentInitiate")


@_attrs_define
class PaymentInitiate:
    """
    Attributes:
        failure_redirect_url (None | str | Unset): Where it sends the payer when the payment fails
        installment_number (int | None | Unset):
        success_redirect_url (None | str | Unset): Where the gateway's page sends the payer after paying
    """

    failure_redirect_url: None | str | Unset = UNSET
    installment_number: int | None | Unset = UNSET
    success_redirect_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        failure_redirect_url: None | str | Unset
        if isinstance(self.failure_redirect_url, Unset):
            failure_redirect_url = UNSET
        else:
            failure_redirect_url = self.failure_redirect_url

        installment_number: int | None | Unset
        if isinstance(self.installment_number, Unset):
            installment_number = UNSET
        else:
            installment_number = self.installment_number

        success_redirect_url: None | str | Unset
        if isinstance(self.success_redirect_url, Unset):
            success_redirect_url = UNSET
        else:
            success_redirect_url = self.success_redirect_url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if failure_redirect_url is not UNSET:
            field_dict["failure_redirect_url"] = failure_redirect_url
        if installment_number is not UNSET:
            field_dict["installment_number"] = installment_number
        if success_redirect_url is not UNSET:
            field_dict["success_redirect_url"] = success_redirect_url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_failure_redirect_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failure_redirect_url = _parse_failure_redirect_url(
            d.pop("failure_redirect_url", UNSET)
        )

        def _parse_installment_number(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        installment_number = _parse_installment_number(
            d.pop("installment_number", UNSET)
        )

        def _parse_success_redirect_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        success_redirect_url = _parse_success_redirect_url(
            d.pop("success_redirect_url", UNSET)
        )

        payment_initiate = cls(
            failure_redirect_url=failure_redirect_url,
            installment_number=installment_number,
            success_redirect_url=success_redirect_url,
        )

        return payment_initiate
