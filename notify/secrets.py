"""Endpoint signing secrets: made, encrypted at rest, and used to sign (Standard Webhooks).

A secret is `whsec_` + base64 of 32 random bytes. It is shown to the merchant once (creation
and rotation) and stored encrypted with Fernet under a key derived (HKDF-SHA256) from
`WEBHOOK_SECRETS_KEY`, or from `ADMIN_API_KEY` when that is unset.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from standardwebhooks import Webhook

from config import Settings

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class SecretBox:
    """Encrypts and decrypts endpoint secrets; the key never leaves this object."""

    def __init__(self, key_material: str, purpose: bytes = b"paytrust-webhook-secrets") -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            key_material.encode()
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        return self._fernet.decrypt(sealed.encode()).decode()


def signature_header(secrets_: list[str], message_id: str, timestamp: datetime, body: bytes) -> str:
    """`v1,<sig>` per live secret, space-separated (two during a rotation's overlap)."""
    text = body.decode()
    return " ".join(Webhook(s).sign(message_id, timestamp, text) for s in secrets_)


def delivery_headers(
    secrets_: list[str], message_id: str, body: bytes, now: datetime | None = None
) -> dict[str, str]:
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature_header(secrets_, message_id, moment, body),
        "content-type": "application/json",
        "user-agent": "PayTrust-Webhooks/1",
    }


def secret_box(settings: Settings, purpose: bytes = b"paytrust-webhook-secrets") -> SecretBox:
    """The box for these settings: WEBHOOK_SECRETS_KEY, else derived from ADMIN_API_KEY.
    `purpose` derives a key of its own per use (endpoint secrets, stored idempotent answers)."""
    key = settings.webhook_secrets_key or settings.admin_api_key
    return SecretBox(key.get_secret_value(), purpose)
