from enum import StrEnum


class ReceiveWebhookGateway(StrEnum):
    MIDTRANS = "midtrans"
    XENDIT = "xendit"

    def __str__(self) -> str:
        return str(self.value)
