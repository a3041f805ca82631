from enum import StrEnum


class GatewayAccountCreateGateway(StrEnum):
    MIDTRANS = "midtrans"
    XENDIT = "xendit"

    def __str__(self) -> str:
        return str(self.value)
