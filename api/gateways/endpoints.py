from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import PrincipalDep, ServicesDep
from api.errors import responses
from api.gateways.schemas import GatewayList
from api.pagination import reject_unknown_query
from db.gateways import GatewayRepository
from domain.money import format_amount, parse_currency

router = APIRouter(
    prefix="/gateways", tags=["gateways"], dependencies=[Depends(reject_unknown_query)]
)


@router.get("", response_model=GatewayList, responses=responses(401, 429))
async def list_gateways(services: ServicesDep, _: PrincipalDep) -> GatewayList:
    """Gateways an invoice can use, their currencies and per-currency fees
    (service fee = subtotal × fee_percentage + fee_fixed)."""
    async with services.reader.connect() as conn:
        gateways = await GatewayRepository(conn).list_gateways()
    for gateway in gateways:
        for fee in gateway["fees"]:
            fee["fee_percentage"] = f"{fee['fee_percentage']:.4f}"
            fee["fee_fixed"] = format_amount(fee["fee_fixed"], parse_currency(fee["currency"]))
    return GatewayList.model_validate({"data": gateways})
