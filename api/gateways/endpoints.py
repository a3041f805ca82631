from __future__ import annotations

from fastapi import APIRouter, Depends

from api.deps import PrincipalDep, SessionDep
from api.errors import responses
from api.gateways import repository
from api.gateways.schemas import GatewayFeeOut, GatewayList, GatewayOut
from api.pagination import reject_unknown_query
from domain.money import format_amount, parse_currency

router = APIRouter(
    prefix="/gateways", tags=["gateways"], dependencies=[Depends(reject_unknown_query)]
)


@router.get("", response_model=GatewayList, responses=responses(401, 429))
async def list_gateways(session: SessionDep, _: PrincipalDep) -> GatewayList:
    """Gateways an invoice can use, their currencies and per-currency fees
    (service fee = subtotal × fee_percentage + fee_fixed)."""
    gateways = await repository.list_gateways(session)
    return GatewayList(
        data=[
            GatewayOut(
                id=g.id,
                name=g.name,
                supported_currencies=list(g.supported_currencies),
                fees=[
                    GatewayFeeOut(
                        currency=fee.currency,
                        fee_percentage=f"{fee.fee_percentage:.4f}",
                        fee_fixed=format_amount(fee.fee_fixed, parse_currency(fee.currency)),
                    )
                    for fee in sorted(g.fees, key=lambda f: f.currency)
                ],
                region=g.region,
            )
            for g in gateways
        ]
    )
