"""`python -m sandbox`: serve the gateway sandbox on SANDBOX_HOST:SANDBOX_PORT (default 8090)."""

from __future__ import annotations

import uvicorn

from sandbox.app import create_app
from sandbox.settings import SandboxSettings


def main() -> None:
    """Read SANDBOX_* settings and serve until interrupted."""
    settings = SandboxSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    main()
