"""Planning an invoice from what a merchant sent: validation and every computed amount. Pure.

`plan_invoice` is the one place that turns line items, an optional installment request and an
optional expiry into totals, per-line tax, the schedule and `expires_at`. Creation, PATCH of a
draft and supplementary invoices all go through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from domain.errors import InvalidLineItem
from domain.expiry import resolve_expiry
from domain.installments import (
    DEFAULT_INTERVAL_DAYS,
    InstallmentPlan,
    build_schedule,
    last_due_date,
)
from domain.money import Currency, parse_amount
from domain.totals import (
    FeeSchedule,
    InvoiceTotals,
    LineItemInput,
    compute_totals,
    is_audit_rate,
    validate_tax_rate,
)

# Amounts arrive as decimal strings or integers; a JSON float is refused (422) before it can
# lose a digit.
AmountIn = StrictStr | StrictInt


class LineItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Annotated[str, Field(min_length=1, max_length=255)]
    quantity: StrictInt = Field(description="Integer ≥ 1")
    unit_price: AmountIn = Field(description="≥ 0, at the currency's scale")
    tax_rate: AmountIn | None = Field(
        default=None, description="0..1 with at most 4 decimals; default 0"
    )
    tax_category: Annotated[str, Field(max_length=50)] | None = None


class InstallmentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: StrictInt = Field(description="2..12")
    interval_days: StrictInt = Field(default=DEFAULT_INTERVAL_DAYS, description="Days between")
    amounts: list[AmountIn] | None = Field(
        default=None, description="Custom split; must sum to the total"
    )


@dataclass(frozen=True, slots=True)
class PlannedLine:
    position: int
    description: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    tax_rate: Decimal
    tax_category: str | None
    tax_amount: Decimal
    audit_rate: bool


@dataclass(frozen=True, slots=True)
class InvoicePlan:
    currency: Currency
    totals: InvoiceTotals
    lines: tuple[PlannedLine, ...]
    schedule: tuple[InstallmentPlan, ...]
    expires_at: datetime


def plan_invoice(
    *,
    currency: Currency,
    fee: FeeSchedule,
    line_items: list[LineItemIn],
    installments: InstallmentsIn | None,
    expires_at: datetime | None,
    now: datetime,
) -> InvoicePlan:
    """Validate and compute an invoice. Raises `DomainError`/`MoneyError` (400) with the
    seed's messages; the checks run in the order a merchant fixes them: lines, then the
    schedule, then the expiry (which depends on the schedule)."""
    if not line_items:
        raise InvalidLineItem("An invoice needs at least one line item")
    inputs: list[LineItemInput] = []
    rates: list[Decimal] = []
    for index, item in enumerate(line_items, start=1):
        if item.quantity < 1:
            raise InvalidLineItem(f"Line item {index}: quantity must be at least 1")
        rate = validate_tax_rate(item.tax_rate)
        rates.append(rate)
        inputs.append(
            LineItemInput(
                quantity=item.quantity,
                unit_price=parse_amount(item.unit_price, currency),
                tax_rate=rate,
            )
        )
    totals = compute_totals(currency, inputs, fee)
    schedule: list[InstallmentPlan] = []
    if installments is not None:
        schedule = build_schedule(
            currency,
            totals,
            installments.count,
            installments.interval_days,
            start=now,
            custom_amounts=installments.amounts,
        )
    resolved_expiry = resolve_expiry(now, expires_at, last_due_date(schedule) if schedule else None)
    lines = tuple(
        PlannedLine(
            position=index,
            description=item.description,
            quantity=item.quantity,
            unit_price=line.unit_price,
            subtotal=line.subtotal,
            tax_rate=rate,
            tax_category=item.tax_category,
            tax_amount=line.tax_amount,
            audit_rate=is_audit_rate(rate),
        )
        for index, (item, line, rate) in enumerate(
            zip(line_items, totals.lines, rates, strict=True), start=1
        )
    )
    return InvoicePlan(
        currency=currency,
        totals=totals,
        lines=lines,
        schedule=tuple(schedule),
        expires_at=resolved_expiry,
    )
