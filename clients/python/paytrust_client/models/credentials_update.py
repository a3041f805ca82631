from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.credentials import Credentials


T = TypeVar("T", bound="CredentialsUpdate")


@_attrs_define
class CredentialsUpdate:
    """
    Attributes:
        credentials (Credentials): Xendit: `secret_key` and `callback_token`; Midtrans: `server_key` (and `client_key`).
    """

    credentials: Credentials

    def to_dict(self) -> dict[str, Any]:
        credentials = self.credentials.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "credentials": credentials,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.credentials import Credentials

        d = dict(src_dict)
        credentials = Credentials.from_dict(d.pop("credentials"))

        credentials_update = cls(
            credentials=credentials,
        )

        return credentials_update
