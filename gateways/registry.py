"""Build the gateway clients PayTrust uses, keyed by the name stored on invoices."""

from __future__ import annotations

from gateways.base import GatewaySettings, PaymentGateway
from gateways.midtrans import MidtransGateway
from gateways.xendit import XenditGateway


def build_gateways(settings: GatewaySettings) -> dict[str, PaymentGateway]:
    """One client per gateway ("xendit", "midtrans"), each with its own connection pool.

    Close them with `close_gateways` when the process stops.
    """
    return {
        "xendit": XenditGateway.from_settings(settings),
        "midtrans": MidtransGateway.from_settings(settings),
    }


async def close_gateways(gateways: dict[str, PaymentGateway]) -> None:
    """Close every client's connection pool."""
    for gateway in gateways.values():
        await gateway.aclose()
