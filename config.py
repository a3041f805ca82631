"""PayTrust settings, read from the environment (and `.env`) by pydantic-settings.

Every process (api, worker, CLI) builds one `Settings` at start. A bad `ADMIN_API_KEY` makes
construction fail, so the process refuses to start with a clear message (FR-084).
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# FR-084: letters, digits and symbols (printable ASCII punctuation); no spaces or control chars.
ADMIN_KEY_ALPHABET = frozenset(string.ascii_letters + string.digits + string.punctuation)
ADMIN_KEY_MIN_LENGTH = 32


def validate_admin_key(value: str | None) -> str:
    """The FR-084 rules, shared by settings and the tests. Raises ValueError with the message."""
    if value is None or value == "":
        raise ValueError("ADMIN_API_KEY is required and must not be empty")
    if len(value) < ADMIN_KEY_MIN_LENGTH:
        raise ValueError(f"Admin key must be at least {ADMIN_KEY_MIN_LENGTH} characters long")
    if any(ch not in ADMIN_KEY_ALPHABET for ch in value):
        raise ValueError("Admin key must contain only alphanumeric and symbol characters")
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    # Secrets are SecretStr so they never appear in reprs, logs or validation errors.
    admin_api_key: SecretStr

    database_url: str = "mysql+asyncmy://root@127.0.0.1:3306/paytrust"
    db_pool_size: int = 10
    db_max_overflow: int = 20

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "paytrust"

    redis_url: str | None = None

    rate_limit_per_minute: int = Field(default=1000, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    # How long a verified API key is trusted before its status is re-read (revocation bound).
    api_key_status_ttl_seconds: float = Field(default=1.0, gt=0, le=2.0)
    idempotency_ttl_hours: int = Field(default=48, ge=24)
    # A key claimed this long ago with no stored answer belongs to a request that died with
    # its process: a retry with the same key takes it over.
    idempotency_lease_seconds: float = Field(default=90, gt=0)
    # Unverified webhooks (bad token/signature) allowed per source address per minute.
    webhook_unverified_per_minute: int = 30

    # Gateways. Base URLs point at the sandbox in dev; production values are in docs/deployment.md.
    gateway_timeout_seconds: float = 10.0
    xendit_base_url: str = "http://127.0.0.1:8090"
    xendit_secret_key: SecretStr = SecretStr("xnd_development_sandbox_secret_key")
    xendit_callback_token: SecretStr = SecretStr("sandbox-xendit-callback-token")
    midtrans_snap_base_url: str = "http://127.0.0.1:8090"
    midtrans_api_base_url: str = "http://127.0.0.1:8090"
    midtrans_server_key: SecretStr = SecretStr("SB-Mid-server-sandbox-key")

    # Worker metrics for Prometheus: the Temporal SDK's (temporal_*) and the worker's own
    # (paytrust_*: webhook processing, gateway calls, invoice transitions). Off unless set.
    worker_metrics_port: int | None = Field(default=None, gt=0, lt=65536)
    worker_app_metrics_port: int | None = Field(default=None, gt=0, lt=65536)
    worker_metrics_host: str = "127.0.0.1"

    # Merchant webhooks (API.md "Events and merchant webhooks"). Private/loopback receiver URLs
    # are refused unless allowed (dev and tests only); the scale compresses the retry schedule
    # (and the 5-day disable window) for tests and benchmarks; endpoint secrets are encrypted
    # under WEBHOOK_SECRETS_KEY (derived from ADMIN_API_KEY when unset).
    webhook_allow_private_urls: bool = False
    webhook_delivery_scale: float = Field(default=1.0, gt=0, le=1)
    webhook_secrets_key: SecretStr | None = None

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("admin_api_key", mode="before")
    @classmethod
    def _admin_key_rules(cls, value: object) -> object:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        validate_admin_key(raw if isinstance(raw, str) else None)
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @property
    def sync_database_url(self) -> str:
        """The same database through PyMySQL, for Alembic and scripts."""
        return self.database_url.replace("+asyncmy", "+pymysql")


class ConfigurationError(SystemExit):
    """Raised at start when settings are invalid; exits with the message, never a secret."""


def load_settings() -> Settings:
    """Build settings or exit with a readable message (no traceback, no input echoed)."""
    from pydantic import ValidationError

    try:
        return Settings()  # fields come from the environment
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = (
                    f"{field} is required"
                    if field != "ADMIN_API_KEY"
                    else ("ADMIN_API_KEY is required and must not be empty")
                )
            problems.append(f"{field}: {message}")
        raise ConfigurationError("PayTrust refuses to start: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
