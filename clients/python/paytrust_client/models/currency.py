from enum import StrEnum


class Currency(StrEnum):
    IDR = "IDR"
    MYR = "MYR"
    USD = "USD"

    def __str__(self) -> str:
        return str(self.value)
