from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Credentials")


@_attrs_define
class Credentials:
    """Xendit: `secret_key` and `callback_token`; Midtrans: `server_key` (and `client_key`).

    Attributes:
        callback_token (None | str | Unset):
        client_key (None | str | Unset):
        secret_key (None | str | Unset):
        server_key (None | str | Unset):
    """

    callback_token: None | str | Unset = UNSET
    client_key: None | str | Unset = UNSET
    secret_key: None | str | Unset = UNSET
    server_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        callback_token: None | str | Unset
        if isinstance(self.callback_token, Unset):
            callback_token = UNSET
        else:
            callback_token = self.callback_token

        client_key: None | str | Unset
        if isinstance(self.client_key, Unset):
            client_key = UNSET
        else:
            client_key = self.client_key

        secret_key: None | str | Unset
        if isinstance(self.secret_key, Unset):
            secret_key = UNSET
        else:
            secret_key = self.secret_key

        server_key: None | str | Unset
        if isinstance(self.server_key, Unset):
            server_key = UNSET
        else:
            server_key = self.server_key

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if callback_token is not UNSET:
            field_dict["callback_token"] = callback_token
        if client_key is not UNSET:
            field_dict["client_key"] = client_key
        if secret_key is not UNSET:
            field_dict["secret_key"] = secret_key
        if server_key is not UNSET:
            field_dict["server_key"] = server_key

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_callback_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        callback_token = _parse_callback_token(d.pop("callback_token", UNSET))

        def _parse_client_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_key = _parse_client_key(d.pop("client_key", UNSET))

        def _parse_secret_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret_key = _parse_secret_key(d.pop("secret_key", UNSET))

        def _parse_server_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        server_key = _parse_server_key(d.pop("server_key", UNSET))

        credentials = cls(
            callback_token=callback_token,
            client_key=client_key,
            secret_key=secret_key,
            server_key=server_key,
        )

        return credentials
