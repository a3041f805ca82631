"""Business-rule violations raised by the pure domain rules.

The API renders every `DomainError` as HTTP 400 with `code` and `message` verbatim; many messages
are fixed by the seed (quoted in docs/API.md), so tests compare them exactly. Workflows turn
them into `ApplicationError(non_retryable=True)`: retrying a broken business rule never helps.

`domain.money.MoneyError` (malformed or too-precise amounts) is a separate hierarchy, also a 400.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A request that breaks a business rule. `message` is user-facing and stable."""

    default_code: ClassVar[str] = "business_rule_violation"
    status_code: ClassVar[int] = 400

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code

    def __repr__(self) -> str:
        return f"{type(self).__name__}(message={self.message!r}, code={self.code!r})"


class InvalidTaxRate(DomainError):
    default_code = "invalid_tax_rate"


class InvalidLineItem(DomainError):
    default_code = "invalid_line_item"


class InvalidFeeSchedule(DomainError):
    default_code = "invalid_fee_schedule"


class ExpiryError(DomainError):
    default_code = "invalid_expiration"


class InstallmentError(DomainError):
    default_code = "invalid_installments"


class PaymentError(DomainError):
    """A payment that cannot be initiated or applied (order, amount, invoice state)."""

    default_code = "invalid_payment"


class InvalidStateTransition(DomainError):
    default_code = "invalid_state_transition"


class InvoiceNotModifiable(DomainError):
    default_code = "invoice_not_modifiable"


class SupplementaryInvoiceError(DomainError):
    default_code = "invalid_supplementary_invoice"
