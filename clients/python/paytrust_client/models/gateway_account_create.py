from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.gateway_account_create_gateway import GatewayAccountCreateGateway

if TYPE_CHECKING:
    from ..models.credentials import Credentials


T = TypeVar("T", bound="GatewayAccountCreate")


@_attrs_define
class GatewayAccountCreate:
    """
    Attributes:
        credentials (Credentials): Xendit: `secret_key` and `callback_token`; Midtrans: `server_key` (and `client_key`).
        gateway (GatewayAccountCreateGateway):
    """

    credentials: Credentials
    gateway: GatewayAccountCreateGateway

    def to_dict(self) -> dict[str, Any]:
        credentials = self.credentials.to_dict()

        gateway = self.gateway.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "credentials": credentials,
                "gateway": gateway,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.credentials import Credentials

        d = dict(src_dict)
        credentials = Credentials.from_dict(d.pop("credentials"))

        gateway = GatewayAccountCreateGateway(d.pop("gateway"))

        gateway_account_create = cls(
            credentials=credentials,
            gateway=gateway,
        )

        return gateway_account_create
