from enum import StrEnum


class RefundOutSource(StrEnum):
    GATEWAY = "gateway"
    MERCHANT = "merchant"

    def __str__(self) -> str:
        return str(self.value)
