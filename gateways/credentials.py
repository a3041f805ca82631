"""Merchant gateway credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) under
`GATEWAY_CREDENTIALS_KEY`, with key rotation (MultiFernet).

`GATEWAY_CREDENTIALS_KEY` is a comma-separated list of Fernet keys: the first encrypts, every
one decrypts. To rotate, put a new key first and keep the old ones after it until
`python paytrust_cli.py rotate-credentials-key` has re-encrypted every account (credentials
written since, by create or PUT, are already under the new key); then drop the old keys.
Credentials never leave this module in clear except to build a gateway client; what the api
shows is `mask` (the last 4 characters).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# Development only (make run, tests, compose dev profile); production refuses it (config.py).
DEV_CREDENTIALS_KEY = "cGF5dHJ1c3QtZGV2ZWxvcG1lbnQtb25seS1rZXktMDA="


class CredentialsError(Exception):
    """Stored credentials that no configured key can decrypt."""


def parse_keys(value: str) -> list[str]:
    """The comma-separated keys; ValueError (without the key) unless each is a Fernet key."""
    keys = [part.strip() for part in value.split(",") if part.strip()]
    if not keys:
        raise ValueError("GATEWAY_CREDENTIALS_KEY must hold at least one Fernet key")
    for index, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            raise ValueError(
                f"GATEWAY_CREDENTIALS_KEY key {index} is not a Fernet key "
                "(32 url-safe base64-encoded bytes; make one with "
                "`python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`)"
            ) from None
    return keys


class CredentialCipher:
    """Encrypts a credentials mapping to one token and back."""

    def __init__(self, keys: list[str]) -> None:
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    @classmethod
    def from_setting(cls, value: str | None) -> CredentialCipher:
        return cls(parse_keys(value or DEV_CREDENTIALS_KEY))

    def encrypt(self, credentials: Mapping[str, str]) -> str:
        return self._fernet.encrypt(json.dumps(dict(credentials)).encode()).decode()

    def decrypt(self, token: str) -> dict[str, str]:
        try:
            data = json.loads(self._fernet.decrypt(token.encode()))
        except InvalidToken:
            raise CredentialsError(
                "gateway credentials cannot be decrypted with GATEWAY_CREDENTIALS_KEY"
            ) from None
        return {str(key): str(value) for key, value in data.items()}

    def rotate(self, token: str) -> str:
        """The same credentials under the first key (MultiFernet.rotate)."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise CredentialsError(
                "gateway credentials cannot be decrypted with GATEWAY_CREDENTIALS_KEY"
            ) from None


def mask(value: str) -> str:
    """`••••` and the last 4 characters (all hidden when the value is that short)."""
    return "••••" + (value[-4:] if len(value) > 8 else "")


def masked(credentials: Mapping[str, str]) -> dict[str, str]:
    return {key: mask(value) for key, value in credentials.items()}
