"""Input bounds, declared once as annotated types so every schema (and the OpenAPI document)
carries them. Pure; no I/O.

Anything that reaches a column, a workflow id or the decimal context is bounded here first, so
out-of-range input is a 422 naming the field instead of an overflow deep inside (a MySQL `INT`,
`datetime`'s range, MariaDB's JSON depth limit, a `DECIMAL(19,4)`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from domain.money import (
    AMOUNT_MAX_LENGTH,
    AMOUNT_PATTERN,
    MAX_AMOUNT,
    MONEY_HINT,
    MONEY_TYPE_ERROR,
)

MAX_QUANTITY: Final = 10**6
# BIGINT primary keys.
MAX_ID: Final = 2**63 - 1
# Timestamps a merchant may send (expiry, report ranges): anything outside is a typo or an
# attack, and far outside `datetime`'s range once converted between offsets.
MIN_YEAR: Final = 2000
MAX_YEAR: Final = 2100
# Free-form JSON objects (`metadata`, `customer`): MariaDB refuses more than 32 levels; we
# accept 5, and 16 KiB serialized.
MAX_JSON_DEPTH: Final = 5
MAX_JSON_BYTES: Final = 16 * 1024

_MAX_INT_AMOUNT: Final = int(MAX_AMOUNT)


# Amounts arrive as plain decimal strings or integers; a JSON float is refused (422) before it
# can lose a digit, and so is exponent notation. The currency's scale and the 10^13 ceiling
# for strings are business rules, checked with the field named (400).
def _money_type(value: object) -> object:
    """A float (or anything but a string or an integer) is refused saying how to send money."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise PydanticCustomError(
        MONEY_TYPE_ERROR,
        "Amount must be a decimal string or an integer, not {kind}. " + MONEY_HINT,
        {"kind": type(value).__name__},
    )


_DecimalIn = (
    Annotated[StrictStr, Field(pattern=AMOUNT_PATTERN, max_length=AMOUNT_MAX_LENGTH)]
    | Annotated[StrictInt, Field(ge=-_MAX_INT_AMOUNT, le=_MAX_INT_AMOUNT)]
)
AmountIn = Annotated[_DecimalIn, BeforeValidator(_money_type)]
# A rate ("0.11") has the same shape as an amount; its range is checked by `validate_tax_rate`.
RateIn = Annotated[_DecimalIn, BeforeValidator(_money_type)]


def check_year(value: datetime) -> datetime:
    """Years 2000..2100, checked before any conversion (so an offset cannot overflow), then UTC.

    A naive timestamp is UTC.
    """
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 2100-12-31T23:59:59-01:00 is still representable; be safe
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}") from None


BoundedDatetime = Annotated[
    datetime,
    AfterValidator(check_year),
    Field(description=f"ISO 8601; years {MIN_YEAR} to {MAX_YEAR}"),
]


def json_depth(value: object) -> int:
    """Nesting depth of containers: {} is 1, {"a": {}} is 2, a scalar 0. Iterative."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: list[object] = list(item.values())
        elif isinstance(item, list):
            children = list(item)
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def check_json_object(value: dict[str, Any]) -> dict[str, Any]:
    """At most MAX_JSON_DEPTH levels and MAX_JSON_BYTES serialized."""
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"must be nested at most {MAX_JSON_DEPTH} levels deep")
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_JSON_BYTES:
        raise ValueError(f"must be at most {MAX_JSON_BYTES} bytes as JSON ({size} sent)")
    return value


JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(check_json_object),
    Field(
        description=(
            f"A JSON object, at most {MAX_JSON_DEPTH} levels deep and {MAX_JSON_BYTES} bytes"
        )
    ),
]

Quantity = Annotated[
    StrictInt,
    Field(
        le=MAX_QUANTITY, description=f"Integer 1..{MAX_QUANTITY}", json_schema_extra={"minimum": 1}
    ),
]
