"""Sandbox settings (env prefix `SANDBOX_`). Keys default to PayTrust's own dev defaults
(config.py), so a dev stack works with no configuration; tests/gateways checks they match."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Same values as config.Settings' defaults (asserted in tests/gateways/test_sandbox_settings.py).
DEFAULT_XENDIT_SECRET_KEY = "xnd_development_sandbox_secret_key"  # noqa: S105  (dev default)
DEFAULT_XENDIT_CALLBACK_TOKEN = "sandbox-xendit-callback-token"  # noqa: S105  (dev default)
DEFAULT_MIDTRANS_SERVER_KEY = "SB-Mid-server-sandbox-key"


class SandboxSettings(BaseSettings):
    """How the gateway sandbox listens, which keys it accepts and where it sends webhooks."""

    model_config = SettingsConfigDict(env_prefix="SANDBOX_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8090, ge=0, le=65535)
    xendit_secret_key: SecretStr = SecretStr(DEFAULT_XENDIT_SECRET_KEY)
    xendit_callback_token: SecretStr = SecretStr(DEFAULT_XENDIT_CALLBACK_TOKEN)
    midtrans_server_key: SecretStr = SecretStr(DEFAULT_MIDTRANS_SERVER_KEY)
    # PayTrust's base URL: webhooks go to {base}/webhooks/xendit and {base}/webhooks/midtrans.
    webhook_base_url: str = "http://127.0.0.1:8000"
    # Base of the payment URLs handed out; defaults to http://127.0.0.1:{port}.
    public_url: str | None = None
    # Multiplies the gateways' real webhook retry delays (0.001 turns 15 min into 0.9 s).
    retry_time_scale: float = Field(default=1.0, ge=0)
    # Per-delivery HTTP timeout; None uses the gateway's own (Xendit 30 s, Midtrans 15 s).
    webhook_timeout_seconds: float | None = Field(default=None, gt=0)
    log_level: str = "info"

    @property
    def public_base_url(self) -> str:
        """Where payers reach the sandbox's pages."""
        return (self.public_url or f"http://127.0.0.1:{self.port}").rstrip("/")

    @property
    def xendit_webhook_url(self) -> str:
        """PayTrust's Xendit callback URL."""
        return f"{self.webhook_base_url.rstrip('/')}/webhooks/xendit"

    @property
    def midtrans_webhook_url(self) -> str:
        """PayTrust's Midtrans notification URL."""
        return f"{self.webhook_base_url.rstrip('/')}/webhooks/midtrans"
