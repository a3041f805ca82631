"""The gateway sandbox: Xendit and Midtrans as a FastAPI app, plus its `/_sandbox` control API.

`create_app(settings)` builds it; `python -m sandbox` serves it with uvicorn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sandbox import control, midtrans_api, pages, receivers, xendit_api
from sandbox.settings import SandboxSettings
from sandbox.state import Sandbox


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    """A sandbox app with its own in-memory state; webhook delivery runs in its lifespan."""
    settings = settings or SandboxSettings()
    sandbox = Sandbox(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await sandbox.start()
        try:
            yield
        finally:
            await sandbox.stop()

    app = FastAPI(
        title="PayTrust gateway sandbox",
        description="Xendit and Midtrans test double (GATEWAYS.md) with a /_sandbox control API.",
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox
    app.include_router(xendit_api.router)
    app.include_router(midtrans_api.router)
    app.include_router(control.router)
    app.include_router(pages.router)
    app.include_router(receivers.router)
    return app
