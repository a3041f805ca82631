"""Gateway configs and their per-currency fees (shared reference data, not tenant-owned)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from db.models import GatewayConfig, GatewayCurrencyFee


async def list_gateways(session: AsyncSession) -> list[GatewayConfig]:
    stmt = (
        select(GatewayConfig).options(selectinload(GatewayConfig.fees)).order_by(GatewayConfig.id)
    )
    return list((await session.execute(stmt)).scalars().all())


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
