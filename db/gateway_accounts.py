"""All SQL of merchants' own gateway accounts (`gateway_accounts`).

`GatewayAccountRepository(session, tenant_id)` is a tenant's: its accounts only (an account of
another tenant is not found). `AdminGatewayAccountRepository(session)` holds the reads that are
cross-tenant by nature: the account a payment link or a webhook names (the gateway's message
carries no tenant), and every account for re-encryption under a new key.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import GatewayAccount, GatewayConfig, GatewayPayment


class GatewayAccountRepository:
    __slots__ = ("_session", "tenant_id")

    def __init__(self, session: AsyncSession, tenant_id: str) -> None:
        self._session = session
        self.tenant_id = tenant_id

    async def active(self, gateway: str) -> GatewayAccount | None:
        """The tenant's active account at `gateway`, if it has one."""
        stmt = select(GatewayAccount).where(
            GatewayAccount.tenant_id == self.tenant_id,
            GatewayAccount.gateway == gateway,
            GatewayAccount.status == "active",
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def get(self, account_id: str, *, for_update: bool = False) -> GatewayAccount | None:
        """The tenant's account `account_id` (any status), None if not the tenant's."""
        # with_for_update=None (not False) keeps the identity-map lookup: no round trip for an
        # account this session already loaded.
        lock = True if for_update else None
        account = await self._session.get(GatewayAccount, account_id, with_for_update=lock)
        if account is None or account.tenant_id != self.tenant_id:
            return None
        return account

    async def list(self) -> list[GatewayAccount]:
        """The tenant's accounts, oldest first."""
        stmt = (
            select(GatewayAccount)
            .where(GatewayAccount.tenant_id == self.tenant_id)
            .order_by(GatewayAccount.created_at, GatewayAccount.id)
        )
        return list((await self._session.execute(stmt)).scalars().all())

    def add(self, account: GatewayAccount) -> None:
        assert account.tenant_id == self.tenant_id, "an account of another tenant"
        self._session.add(account)


class AdminGatewayAccountRepository:
    """Cross-tenant reads of gateway accounts (named so: no tenant is applied)."""

    __slots__ = ("_session",)

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, account_id: str) -> GatewayAccount | None:
        """The account by its (unguessable) id, whichever tenant's: a webhook or a payment
        link names it, and neither carries a tenant."""
        return await self._session.get(GatewayAccount, account_id)

    async def link_account_id(self, gateway: str, reference: str) -> str | None:
        """The account a payment link was made with (None: the platform's, or no such link)."""
        stmt = (
            select(GatewayPayment.gateway_account_id)
            .join(GatewayConfig, GatewayConfig.id == GatewayPayment.gateway_id)
            .where(GatewayConfig.name == gateway, GatewayPayment.reference == reference)
        )
        return (await self._session.execute(stmt)).scalar_one_or_none()

    async def all_for_update(self) -> Sequence[GatewayAccount]:
        """Every account, locked (credential re-encryption)."""
        stmt = select(GatewayAccount).with_for_update()
        return (await self._session.execute(stmt)).scalars().all()
