"""PayTrust settings, read from the environment (and `.env`) by pydantic-settings.

Every process (api, worker, CLI) builds one `Settings` at start. A bad `ADMIN_API_KEY` makes
construction fail, so the process refuses to start with a clear message (FR-084).
"""

from __future__ import annotations

import string
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from contracts.invoices import INVOICE_WORKFLOW_REVISION, InvoiceStarts

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


# Gateway secrets that are public (the sandbox's and make run's defaults, docs/gateways.md):
# production refuses them, as it refuses a missing or short one.
SANDBOX_GATEWAY_SECRETS = frozenset(
    {
        "xnd_development_sandbox_secret_key",
        "sandbox-xendit-callback-token",
        "SB-Mid-server-sandbox-key",
        "xnd_development_gateway_tests_key",
        "gateway-tests-callback-token",
        "SB-Mid-server-gateway-tests",
    }
)
GATEWAY_SECRET_MIN_LENGTH = 16
PLATFORM_GATEWAY_SECRETS = ("xendit_secret_key", "xendit_callback_token", "midtrans_server_key")


def unsafe_gateway_secret(name: str, value: str | None) -> str | None:
    """Why a platform gateway secret must not be used in production, or None if it may."""
    label = name.upper()
    if not value:
        return f"{label} is required in production"
    if len(value) < GATEWAY_SECRET_MIN_LENGTH:
        return f"{label} must be at least {GATEWAY_SECRET_MIN_LENGTH} characters in production"
    if value in SANDBOX_GATEWAY_SECRETS:
        return f"{label} is a documented sandbox value; set the gateway account's own secret"
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    # Secrets are SecretStr so they never appear in reprs, logs or validation errors.
    admin_api_key: SecretStr

    # production (the default) refuses sandbox gateway secrets and the development
    # credentials key; make run, the tests and a development compose stack set development/test.
    paytrust_env: Literal["production", "development", "test"] = "production"

    database_url: str = "mysql+asyncmy://root@127.0.0.1:3306/paytrust"
    db_pool_size: int = 10
    db_max_overflow: int = 20

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "paytrust"
    # The InvoiceWorkflow revision the api and the worker start runs with. Upgrading a fleet
    # whose workers predate a revision: deploy with the previous one, raise it once no older
    # worker polls (docs/deployment.md "Workflow revisions").
    invoice_workflow_revision: int = Field(default=INVOICE_WORKFLOW_REVISION, ge=0)

    redis_url: str | None = None

    rate_limit_per_minute: int = Field(default=1000, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = 1024 * 1024
    # A request body that sends nothing for this long is answered 408 and dropped.
    request_body_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # uvicorn/h11 limits of the api process (api/main.py): idle keep-alive connections are
    # closed after this long; a request line plus headers larger than this is refused.
    http_timeout_keep_alive_seconds: int = Field(default=5, ge=1, le=300)
    h11_max_incomplete_event_size: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    # Peers whose X-Forwarded-For is believed (comma-separated addresses or networks, or "*"
    # when only the load balancer can reach the api). Empty: nobody's.
    forwarded_allow_ips: str = ""
    # Failed authentication, throttled before any argon2 verification: per key prefix and
    # per source address, per minute (429 beyond).
    auth_failures_per_minute: int = Field(default=10, ge=1)
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
    # Worker: payment sync asks the gateway about live, unpaid links at +1 min, +5 min,
    # +15 min, +1 h, then every 6 h (domain/payment_sync.py); this factor compresses that
    # schedule for tests and benchmarks (0.01: the first check after 0.6 s). Keep 1 in production.
    payment_sync_scale: float = Field(default=1.0, gt=0, le=1.0)
    # Api: POST /invoices/{id}/sync calls allowed per invoice per minute.
    sync_per_invoice_per_minute: int = Field(default=6, ge=1)
    # Fernet key(s), comma-separated, encrypting merchants' gateway credentials; the first
    # encrypts, all decrypt (rotation). Unset outside production: a development-only key.
    gateway_credentials_key: SecretStr | None = None

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

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.paytrust_env != "production":
            return self
        problems = [
            problem
            for name in PLATFORM_GATEWAY_SECRETS
            if (problem := unsafe_gateway_secret(name, getattr(self, name).get_secret_value()))
        ]
        key = self.gateway_credentials_secret()
        if not key:
            problems.append("GATEWAY_CREDENTIALS_KEY is required in production")
        else:
            from gateways.credentials import DEV_CREDENTIALS_KEY, parse_keys

            try:
                if DEV_CREDENTIALS_KEY in parse_keys(key):
                    problems.append(
                        "GATEWAY_CREDENTIALS_KEY holds the development key; generate your own"
                    )
            except ValueError as exc:
                problems.append(str(exc))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def gateway_credentials_secret(self) -> str | None:
        key = self.gateway_credentials_key
        return key.get_secret_value() if key is not None else None

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxy_addresses(cls, value: str) -> str:
        import ipaddress

        for entry in (part.strip() for part in value.split(",")):
            if entry and entry != "*":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError:
                    raise ValueError(
                        f"not an IP address or network: {entry!r} (or use '*')"
                    ) from None
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("invoice_workflow_revision")
    @classmethod
    def _known_revision(cls, value: int) -> int:
        if value > INVOICE_WORKFLOW_REVISION:
            raise ValueError(
                f"this release runs InvoiceWorkflow revisions 0 to {INVOICE_WORKFLOW_REVISION}"
            )
        return value

    @property
    def invoice_starts(self) -> InvoiceStarts:
        return InvoiceStarts(
            task_queue=self.temporal_task_queue, revision=self.invoice_workflow_revision
        )

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
