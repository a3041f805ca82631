"""Gateway configs and their per-currency fees.

Shared reference data, not tenant-owned: `GatewayRepository(conn)` takes no tenant (every
tenant sees the same gateways). The statements are module constants, compiled once; the hot
read `GET /gateways` is one statement on the reader's autocommit connection."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload

from db.models import GatewayConfig

# Gateways with their fees in one round trip (a plain statement: nothing compiled per call).
_GATEWAYS_WITH_FEES = text(
    """
    SELECT g.id, g.name, g.supported_currencies, g.region,
           f.currency, f.fee_percentage, f.fee_fixed
      FROM gateway_configs g
      LEFT JOIN gateway_currency_fees f ON f.gateway_id = g.id
     ORDER BY g.id, f.currency
    """
)


class GatewayRepository:
    """Reads of the gateway reference tables on a connection or a session."""

    __slots__ = ("_conn",)

    def __init__(self, conn: AsyncConnection | AsyncSession) -> None:
        self._conn = conn

    async def list_gateways(self) -> list[dict[str, Any]]:
        """Each gateway as a dict, its `fees` a list of {currency, fee_percentage, fee_fixed}."""
        return await _list_gateways(self._conn)

    async def gateway_fee(self, gateway_id: int, currency: str) -> dict[str, Any] | None:
        """A gateway's name, currencies and its fee for `currency` (None fields if it has none),
        in one round trip; None for an unknown gateway."""
        return await _gateway_fee(self._conn, gateway_id, currency)

    async def get_gateway(self, gateway_id: int) -> GatewayConfig | None:
        """The gateway row with its fees loaded (on a session: an ORM read)."""
        stmt = (
            select(GatewayConfig)
            .options(selectinload(GatewayConfig.fees))
            .where(GatewayConfig.id == gateway_id)
        )
        return (await self._conn.execute(stmt)).scalar_one_or_none()


async def _list_gateways(conn: AsyncConnection | AsyncSession) -> list[dict[str, Any]]:
    gateways: dict[int, dict[str, Any]] = {}
    for row in (await conn.execute(_GATEWAYS_WITH_FEES)).mappings():
        gateway = gateways.get(row["id"])
        if gateway is None:
            currencies = row["supported_currencies"]
            gateway = gateways[row["id"]] = {
                "id": row["id"],
                "name": row["name"],
                "supported_currencies": (
                    json.loads(currencies) if isinstance(currencies, str) else currencies
                ),
                "region": row["region"],
                "fees": [],
            }
        if row["currency"] is not None:
            gateway["fees"].append(
                {
                    "currency": row["currency"],
                    "fee_percentage": row["fee_percentage"],
                    "fee_fixed": row["fee_fixed"],
                }
            )
    return list(gateways.values())


_GATEWAY_FEE = text(
    """
    SELECT g.name, g.supported_currencies, f.fee_percentage, f.fee_fixed
      FROM gateway_configs g
      LEFT JOIN gateway_currency_fees f ON f.gateway_id = g.id AND f.currency = :currency
     WHERE g.id = :gateway_id
    """
)


async def _gateway_fee(
    conn: AsyncConnection | AsyncSession, gateway_id: int, currency: str
) -> dict[str, Any] | None:
    params = {"gateway_id": gateway_id, "currency": currency}
    row = (await conn.execute(_GATEWAY_FEE, params)).mappings().first()
    if row is None:
        return None
    found = dict(row)
    if isinstance(found["supported_currencies"], str):
        found["supported_currencies"] = json.loads(found["supported_currencies"])
    return found
