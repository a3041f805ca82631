"""Merchant gateway accounts: credentials are checked against the gateway, then stored
encrypted (gateways/credentials.py); only their last 4 characters are ever shown."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from api.errors import BusinessRuleError, Conflict, NotFound, ServiceUnavailable
from db.gateway_accounts import GatewayAccountRepository
from db.models import GatewayAccount
from domain.timeutil import to_naive_utc, utcnow
from gateways.accounts import CREDENTIAL_FIELDS, AccountDirectory, new_account_id
from gateways.base import GatewayRejected, GatewayUnavailable
from gateways.credentials import masked

logger = logging.getLogger("paytrust.gateway_accounts")


def checked_fields(gateway: str, credentials: dict[str, str]) -> dict[str, str]:
    """The credentials this gateway's account takes; 400 for missing or foreign ones."""
    required, optional = CREDENTIAL_FIELDS[gateway]
    missing = [name for name in required if name not in credentials]
    foreign = [name for name in credentials if name not in required + optional]
    if missing or foreign:
        raise BusinessRuleError(
            f"{gateway} credentials are {', '.join(required)}"
            + (f" (optional: {', '.join(optional)})" if optional else ""),
            code="invalid_credentials",
            details={"missing": missing, "not_allowed": foreign},
        )
    return credentials


async def verify_with_gateway(
    directory: AccountDirectory, gateway: str, credentials: dict[str, str]
) -> None:
    """Ask the gateway whether it accepts the key; 400 with its reason if not."""
    client = directory.build(gateway, credentials)
    try:
        await client.check_credentials()  # type: ignore[attr-defined]
    except GatewayUnavailable as exc:
        raise ServiceUnavailable(f"{gateway} could not be reached to check the credentials") from (
            exc
        )
    except GatewayRejected as exc:
        raise BusinessRuleError(
            f"{gateway} refused the credentials: {exc.message}", code="credentials_rejected"
        ) from None
    finally:
        await client.aclose()


async def create(
    session: AsyncSession,
    directory: AccountDirectory,
    tenant_id: str,
    gateway: str,
    credentials: dict[str, str],
) -> GatewayAccount:
    credentials = checked_fields(gateway, credentials)
    accounts = GatewayAccountRepository(session, tenant_id)
    if await accounts.active(gateway) is not None:
        raise Conflict(f"This tenant already has an active {gateway} account")
    await verify_with_gateway(directory, gateway, credentials)
    account = GatewayAccount(
        id=new_account_id(),
        tenant_id=tenant_id,
        gateway=gateway,
        status="active",
        active_slot=1,
        credentials_encrypted=directory.cipher.encrypt(credentials),
        credentials_masked=masked(credentials),
        credentials_version=1,
    )
    accounts.add(account)
    await session.flush()
    await session.refresh(account)
    logger.info(
        "gateway account created",
        extra={"tenant_id": tenant_id, "gateway": gateway, "gateway_account_id": account.id},
    )
    return account


async def get(session: AsyncSession, tenant_id: str, account_id: str) -> GatewayAccount:
    account = await GatewayAccountRepository(session, tenant_id).get(account_id)
    if account is None:
        raise NotFound(f"Gateway account {account_id} not found")
    return account


async def list_accounts(session: AsyncSession, tenant_id: str) -> list[GatewayAccount]:
    return await GatewayAccountRepository(session, tenant_id).list()


async def rotate(
    session: AsyncSession,
    directory: AccountDirectory,
    tenant_id: str,
    account_id: str,
    credentials: dict[str, str],
) -> GatewayAccount:
    """New credentials for the same account at the gateway: links it issued keep settling."""
    account = await get(session, tenant_id, account_id)
    if account.status != "active":
        raise Conflict(f"Gateway account {account_id} is deleted")
    credentials = checked_fields(account.gateway, credentials)
    await verify_with_gateway(directory, account.gateway, credentials)
    account = (
        await GatewayAccountRepository(session, tenant_id).get(account_id, for_update=True)
        or account
    )
    account.credentials_encrypted = directory.cipher.encrypt(credentials)
    account.credentials_masked = masked(credentials)
    account.credentials_version = account.credentials_version + 1
    account.updated_at = to_naive_utc(utcnow())
    await session.flush()
    logger.info(
        "gateway account credentials rotated",
        extra={"tenant_id": tenant_id, "gateway_account_id": account.id},
    )
    return account


async def delete(session: AsyncSession, tenant_id: str, account_id: str) -> GatewayAccount:
    """No new payment links with it; links already issued still settle (and verify)."""
    account = await get(session, tenant_id, account_id)
    if account.status == "active":
        now = to_naive_utc(utcnow())
        account.status = "deleted"
        account.active_slot = None
        account.deleted_at = now
        account.updated_at = now
        await session.flush()
    return account
