"""Which gateway client serves a payment: the platform account from settings, or a merchant's
own account (`gateway_accounts`, credentials decrypted only here, to build its client).

One `AccountDirectory` per process (api and worker). Clients of merchant accounts are cached
by account id and credentials version, so a rotation takes effect on the next call and the
old client's pool is closed.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import SessionFactory
from db.gateway_accounts import AdminGatewayAccountRepository, GatewayAccountRepository
from db.models import GatewayAccount
from gateways.base import GatewayRejected, PaymentGateway
from gateways.credentials import CredentialCipher
from observability.logs import register_secrets

# The credentials each gateway's account holds: required keys, then optional ones.
CREDENTIAL_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "xendit": (("secret_key", "callback_token"), ()),
    "midtrans": (("server_key",), ("client_key",)),
}
ACCOUNT_ID_PREFIX = "gwa_"


def new_account_id() -> str:
    """Random and unguessable (it is part of the webhook URL)."""
    return ACCOUNT_ID_PREFIX + secrets.token_urlsafe(18)


class UnknownAccount(GatewayRejected):
    """No such account for this gateway."""


class AccountDirectory:
    def __init__(
        self,
        sessions: SessionFactory,
        platform: Mapping[str, PaymentGateway],
        cipher: CredentialCipher,
    ) -> None:
        self._sessions = sessions
        self._platform = platform
        self.cipher = cipher
        self._clients: dict[str, tuple[int, PaymentGateway]] = {}
        self._lock = asyncio.Lock()

    def platform(self, gateway: str) -> PaymentGateway:
        client = self._platform.get(gateway)
        if client is None:
            raise UnknownAccount(f"Gateway {gateway} is not configured")
        return client

    def build(self, gateway: str, credentials: Mapping[str, str]) -> PaymentGateway:
        """A client for `credentials` on the platform client's base URLs (not cached)."""
        from gateways.midtrans import MidtransGateway
        from gateways.xendit import XenditGateway

        base = self.platform(gateway)
        if isinstance(base, XenditGateway):
            return base.with_credentials(credentials["secret_key"], credentials["callback_token"])
        if isinstance(base, MidtransGateway):
            return base.with_credentials(credentials["server_key"])
        raise UnknownAccount(f"Gateway {gateway} does not support merchant accounts")

    async def client(self, gateway: str, account_id: str | None) -> PaymentGateway:
        """The client of `account_id` (any status: deleted accounts still settle their links),
        or the platform's for None."""
        if account_id is None:
            return self.platform(gateway)
        async with self._sessions() as session:
            account = await AdminGatewayAccountRepository(session).get(account_id)
        if account is None or account.gateway != gateway:
            raise UnknownAccount(f"No {gateway} account {account_id}")
        return await self.client_for(account)

    async def client_for(self, account: GatewayAccount) -> PaymentGateway:
        cached = self._clients.get(account.id)
        if cached is not None and cached[0] == account.credentials_version:
            return cached[1]
        async with self._lock:
            cached = self._clients.get(account.id)
            if cached is not None and cached[0] == account.credentials_version:
                return cached[1]
            credentials = self.cipher.decrypt(account.credentials_encrypted)
            register_secrets(credentials.values())  # redacted should any log line carry one
            client = self.build(account.gateway, credentials)
            self._clients[account.id] = (account.credentials_version, client)
        if cached is not None:
            await cached[1].aclose()
        return client

    async def aclose(self) -> None:
        for _, client in self._clients.values():
            await client.aclose()
        self._clients.clear()


# The two reads below are db/gateway_accounts.py's; these names stay for
# activities/invoices.py (rewritten on a parallel branch), which calls them.
async def active_account(
    session: AsyncSession, tenant_id: str, gateway: str
) -> GatewayAccount | None:
    """The tenant's active account at `gateway`, if it has one."""
    return await GatewayAccountRepository(session, tenant_id).active(gateway)


async def link_account_id(session: AsyncSession, gateway: str, reference: str) -> str | None:
    """The account a payment link was made with (None: the platform's, or no such link)."""
    return await AdminGatewayAccountRepository(session).link_account_id(gateway, reference)


async def reencrypt_credentials(database_url: str, keys: str | None) -> int:
    """Re-encrypt every account's credentials under the first key of `keys` (the rest must
    still include the key each record was written with); returns how many were rewritten."""
    from db.engine import create_engine, create_session_factory, transaction

    cipher = CredentialCipher.from_setting(keys)
    engine = create_engine(database_url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            accounts = await AdminGatewayAccountRepository(session).all_for_update()
            for account in accounts:
                account.credentials_encrypted = cipher.rotate(account.credentials_encrypted)
            return len(accounts)
    finally:
        await engine.dispose()
