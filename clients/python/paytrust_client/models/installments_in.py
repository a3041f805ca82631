from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="InstallmentsIn")


@_attrs_define
class InstallmentsIn:
    """
    Attributes:
        count (int): 2..12
        amounts (list[int | str] | None | Unset): Custom split; must sum to the total
        interval_days (int | Unset): Days between Default: 7.
    """

    count: int
    amounts: list[int | str] | None | Unset = UNSET
    interval_days: int | Unset = 7

    def to_dict(self) -> dict[str, Any]:
        count = self.count

        amounts: list[int | str] | None | Unset
        if isinstance(self.amounts, Unset):
            amounts = UNSET
        elif isinstance(self.amounts, list):
            amounts = []
            for amounts_type_0_item_data in self.amounts:
                amounts_type_0_item: int | str
                amounts_type_0_item = amounts_type_0_item_data
                amounts.append(amounts_type_0_item)

        else:
            amounts = self.amounts

        interval_days = self.interval_days

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "count": count,
            }
        )
        if amounts is not UNSET:
            field_dict["amounts"] = amounts
        if interval_days is not UNSET:
            field_dict["interval_days"] = interval_days

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        count = d.pop("count")

        def _parse_amounts(data: object) -> list[int | str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                amounts_type_0 = []
                _amounts_type_0 = data
                for amounts_type_0_item_data in _amounts_type_0:

                    def _parse_amounts_type_0_item(data: object) -> int | str:
                        return cast(int | str, data)

                    amounts_type_0_item = _parse_amounts_type_0_item(
                        amounts_type_0_item_data
                    )

                    amounts_type_0.append(amounts_type_0_item)

                return amounts_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int | str] | None | Unset, data)

        amounts = _parse_amounts(d.pop("amounts", UNSET))

        interval_days = d.pop("interval_days", UNSET)

        installments_in = cls(
            count=count,
            amounts=amounts,
            interval_days=interval_days,
        )

        return installments_in
