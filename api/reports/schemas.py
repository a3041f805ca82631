from __future__ import annotations

from pydantic import BaseModel


class TaxLine(BaseModel):
    tax_rate: str
    tax_category: str | None
    taxable_amount: str
    tax_amount: str


class FeeLine(BaseModel):
    gateway: str
    amount: str


class CurrencySection(BaseModel):
    currency: str
    invoice_count: int
    subtotal: str
    tax_total: str
    service_fee_total: str
    total: str
    amount_paid: str
    amount_refunded: str
    taxes: list[TaxLine]
    service_fees: list[FeeLine]


class FinancialReport(BaseModel):
    start_date: str
    end_date: str
    currencies: list[CurrencySection]
