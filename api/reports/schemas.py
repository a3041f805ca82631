from __future__ import annotations

from pydantic import BaseModel, Field


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
    # Received on cancelled or expired invoices (also counted in amount_paid where the invoice
    # is expired; cancelled invoices are otherwise excluded): the merchant's to refund.
    received_on_closed_invoices: str = Field(
        description="Money received after the invoice was cancelled or expired"
    )
    taxes: list[TaxLine]
    service_fees: list[FeeLine]


class FinancialReport(BaseModel):
    start_date: str
    end_date: str
    currencies: list[CurrencySection]
