from enum import StrEnum


class InvoiceStatus(StrEnum):
    CANCELLED = "cancelled"
    DRAFT = "draft"
    EXPIRED = "expired"
    FAILED = "failed"
    FULLY_PAID = "fully_paid"
    PARTIALLY_PAID = "partially_paid"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
