"""Floor servers for the read benchmarks, run under the same uvicorn as the api
(`python -m bench.floors constant|row PORT`):

- `constant`: bare FastAPI answering constant JSON (the floor of `/health`);
- `row`: bare FastAPI + SQLAlchemy async reading one row by primary key (the floor of
  `GET /invoices/{id}` and `GET /gateways`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


def constant_app() -> FastAPI:
    app = FastAPI()

    @app.get("/floor")
    async def floor() -> dict[str, Any]:
        return {"status": "ok", "checks": {"database": "ok", "temporal": "ok"}}

    return app


def row_app(database_url: str) -> FastAPI:
    # The same pool shape as the api's read pool (10 connections, no overflow): with more
    # concurrent requests than pooled connections, overflow connections would be opened and
    # closed per request, and the floor would measure MariaDB's connect instead of a read.
    engine = create_async_engine(database_url, pool_size=10, max_overflow=0)
    app = FastAPI()

    @app.get("/floor/{invoice_id}")
    async def floor(invoice_id: int) -> dict[str, Any]:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT id, external_id, status, currency FROM invoices WHERE id = :id"),
                    {"id": invoice_id},
                )
            ).one()
        return dict(row._mapping)

    return app


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    app = constant_app() if kind == "constant" else row_app(os.environ["DATABASE_URL"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
