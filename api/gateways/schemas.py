from __future__ import annotations

from pydantic import BaseModel


class GatewayFeeOut(BaseModel):
    currency: str
    fee_percentage: str
    fee_fixed: str


class GatewayOut(BaseModel):
    id: int
    name: str
    supported_currencies: list[str]
    fees: list[GatewayFeeOut]
    region: str | None


class GatewayList(BaseModel):
    data: list[GatewayOut]
