from enum import StrEnum


class ReceiveAccountWebhookGateway(StrEnum):
    MIDTRANS = "midtrans"
    XENDIT = "xendit"

    def __str__(self) -> str:
        return str(self.value)
