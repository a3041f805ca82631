"""GET /reports/financial: per currency, never converted, never summed across currencies."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import PrincipalDep, SessionDep
from api.errors import BusinessRuleError, responses
from api.pagination import reject_unknown_query
from api.reports.schemas import CurrencySection, FeeLine, FinancialReport, TaxLine
from db.reports import ReportRepository, zero_if_none
from domain.bounds import MAX_YEAR, MIN_YEAR, check_year
from domain.money import Currency, format_amount
from domain.timeutil import iso_utc, parse_date_or_timestamp, to_naive_utc

router = APIRouter(
    prefix="/reports", tags=["reports"], dependencies=[Depends(reject_unknown_query)]
)

MAX_RANGE = timedelta(days=366)


def _parse(value: str, name: str, *, end: bool) -> datetime:
    try:
        return check_year(parse_date_or_timestamp(value, end_of_day=end))
    except (ValueError, OverflowError):
        raise BusinessRuleError(
            f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 timestamp in the years "
            f"{MIN_YEAR} to {MAX_YEAR}",
            code="invalid_date",
        ) from None


@router.get("/financial", response_model=FinancialReport, responses=responses(400, 401, 422, 429))
async def financial_report(
    session: SessionDep,
    principal: PrincipalDep,
    start_date: Annotated[
        str,
        Query(
            max_length=64, description="YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100"
        ),
    ],
    end_date: Annotated[
        str,
        Query(
            max_length=64, description="YYYY-MM-DD (inclusive, UTC) or ISO 8601; years 2000-2100"
        ),
    ],
) -> FinancialReport:
    """The tenant's invoices created in the range (excluding draft and cancelled), one section
    per currency with tax by rate and category and service fees by gateway."""
    start = _parse(start_date, "start_date", end=False)
    end = _parse(end_date, "end_date", end=True)
    if start > end:
        raise BusinessRuleError("start_date must not be after end_date", code="invalid_date_range")
    if end - start > MAX_RANGE:
        raise BusinessRuleError("The report range cannot exceed 366 days", code="range_too_long")
    lo, hi = to_naive_utc(start), to_naive_utc(end)
    reports = ReportRepository(session, principal.tenant_id)
    totals, taxes, fees = await reports.financial_sums(lo, hi)
    after_close = await reports.received_after_close(lo, hi)
    # A currency whose only money came in on closed (e.g. cancelled) invoices still has a
    # section, so that money is never invisible.
    listed = {row["currency"] for row in totals}
    totals = totals + [
        {"currency": code, "invoice_count": 0} for code in sorted(after_close) if code not in listed
    ]
    sections = []
    for row in totals:
        currency = Currency(row["currency"])

        def money(value: Decimal | None, c: Currency = currency) -> str:
            return format_amount(zero_if_none(value), c)

        sections.append(
            CurrencySection(
                currency=currency.value,
                invoice_count=int(row["invoice_count"]),
                subtotal=money(row.get("subtotal")),
                tax_total=money(row.get("tax_total")),
                service_fee_total=money(row.get("service_fee_total")),
                total=money(row.get("total")),
                amount_paid=money(row.get("amount_paid")),
                amount_refunded=money(row.get("amount_refunded")),
                received_on_closed_invoices=money(after_close.get(currency.value)),
                taxes=[
                    TaxLine(
                        tax_rate=f"{t['tax_rate']:.4f}",
                        tax_category=t["tax_category"],
                        taxable_amount=money(t["taxable_amount"]),
                        tax_amount=money(t["tax_amount"]),
                    )
                    for t in taxes
                    if t["currency"] == currency.value
                ],
                service_fees=[
                    FeeLine(gateway=f["gateway"], amount=money(f["amount"]))
                    for f in fees
                    if f["currency"] == currency.value
                ],
            )
        )
    return FinancialReport(start_date=iso_utc(start), end_date=iso_utc(end), currencies=sections)
