"""Gateway configs and their per-currency fees (shared reference data, not tenant-owned)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload

from db.models import GatewayConfig, GatewayCurrencyFee

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


async def list_gateways(conn: AsyncConnection | AsyncSession) -> list[dict[str, Any]]:
    """Each gateway as a dict, its `fees` a list of {currency, fee_percentage, fee_fixed}."""
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


async def gateway_fee(
    conn: AsyncConnection | AsyncSession, gateway_id: int, currency: str
) -> dict[str, Any] | None:
    """A gateway's name, currencies and its fee for `currency` (None fields if it has none),
    in one round trip; None for an unknown gateway."""
    params = {"gateway_id": gateway_id, "currency": currency}
    row = (await conn.execute(_GATEWAY_FEE, params)).mappings().first()
    if row is None:
        return None
    found = dict(row)
    if isinstance(found["supported_currencies"], str):
        found["supported_currencies"] = json.loads(found["supported_currencies"])
    return found


async def get_gateway(session: AsyncSession, gateway_id: int) -> GatewayConfig | None:
    stmt = (
        select(GatewayConfig)
        .options(selectinload(GatewayConfig.fees))
        .where(GatewayConfig.id == gateway_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_fee(
    session: AsyncSession, gateway_id: int, currency: str
) -> GatewayCurrencyFee | None:
    stmt = select(GatewayCurrencyFee).where(
        GatewayCurrencyFee.gateway_id == gateway_id, GatewayCurrencyFee.currency == currency
    )
    return (await session.execute(stmt)).scalar_one_or_none()
