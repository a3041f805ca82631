"""`python -m api.main`: the api process under uvicorn. Refuses to start on bad settings."""

from __future__ import annotations

import os

import uvicorn

from config import load_settings
from observability.logs import configure_logging, settings_secrets


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json, settings_secrets(settings))
    from api.app import create_app

    uvicorn.run(
        create_app(settings),
        host=os.environ.get("API_HOST", "127.0.0.1"),
        port=int(os.environ.get("API_PORT", "8000")),
        log_config=None,
        # X-Forwarded-For is resolved by the app (FORWARDED_ALLOW_IPS, validated addresses).
        proxy_headers=False,
        timeout_keep_alive=settings.http_timeout_keep_alive_seconds,
        h11_max_incomplete_event_size=settings.h11_max_incomplete_event_size,
        timeout_graceful_shutdown=20,
    )


if __name__ == "__main__":
    main()
