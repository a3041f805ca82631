from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RotateSecret")


@_attrs_define
class RotateSecret:
    """
    Attributes:
        expire_previous_in_seconds (int | Unset):  Default: 86400.
    """

    expire_previous_in_seconds: int | Unset = 86400

    def to_dict(self) -> dict[str, Any]:
        expire_previous_in_seconds = self.expire_previous_in_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if expire_previous_in_seconds is not UNSET:
            field_dict["expire_previous_in_seconds"] = expire_previous_in_seconds

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        expire_previous_in_seconds = d.pop("expire_previous_in_seconds", UNSET)

        rotate_secret = cls(
            expire_previous_in_seconds=expire_previous_in_seconds,
        )

        return rotate_secret
