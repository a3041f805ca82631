"""Database URLs, readable without the full settings (Alembic and scripts need no admin key)."""

from __future__ import annotations

import os
from typing import Any

DEFAULT_DATABASE_URL = "mysql+asyncmy://root@127.0.0.1:3306/paytrust"


def async_url(url: str | None = None) -> str:
    return url or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def sync_url(url: str | None = None) -> str:
    """The same database through PyMySQL (Alembic, schema set-up)."""
    return async_url(url).replace("+asyncmy", "+pymysql")


def migration_database_url(config: Any) -> str:
    """`-x url=...` or `sqlalchemy.url` in the Alembic config wins over DATABASE_URL."""
    x_args = config.get_x_argument(as_dictionary=True) if hasattr(config, "get_x_argument") else {}
    return sync_url(x_args.get("url") or config.get_main_option("sqlalchemy.url") or None)


def database_name(url: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    name = make_url(async_url(url)).database
    if not name:
        raise ValueError("DATABASE_URL must name a database")
    return name


def server_url(url: str | None = None) -> str:
    """The sync URL without the database, to create it."""
    from sqlalchemy.engine import make_url

    return make_url(sync_url(url)).set(database="").render_as_string(hide_password=False)
