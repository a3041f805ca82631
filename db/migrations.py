"""Alembic from code: the head revision and `upgrade head` for scripts and tests."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if database_url:
        from db.urls import sync_url

        config.set_main_option("sqlalchemy.url", sync_url(database_url))
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def upgrade_head(database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def create_database(database_url: str) -> None:
    """CREATE DATABASE IF NOT EXISTS, utf8mb4."""
    from sqlalchemy import create_engine, text

    from db.urls import database_name, server_url

    name = database_name(database_url)
    engine = create_engine(server_url(database_url))
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE DATABASE IF NOT EXISTS `{name}` "
                "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        )
    engine.dispose()
