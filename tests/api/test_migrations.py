"""The schema is Alembic's: static, reversible migrations whose head matches the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from db.migrations import alembic_config, head_revision
from db.models import Base
from db.urls import database_name, server_url, sync_url
from tests.conftest import TEST_DATABASE_URL

SCRATCH_URL = TEST_DATABASE_URL + "_migrations"


def test_downgrade_to_base_and_upgrade_to_head_round_trips():
    name = database_name(SCRATCH_URL)
    server = create_engine(server_url(SCRATCH_URL))
    with server.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    config = alembic_config(SCRATCH_URL)
    engine = create_engine(sync_url(SCRATCH_URL))
    try:
        command.upgrade(config, "head")
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            assert version == head_revision()
            # The models and the migrated schema agree: nothing left for autogenerate.
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
            assert diff == []
            fees = conn.execute(
                text(
                    "SELECT g.name, f.currency, f.fee_percentage, f.fee_fixed "
                    "FROM gateway_currency_fees f JOIN gateway_configs g ON g.id = f.gateway_id "
                    "ORDER BY g.id, f.currency"
                )
            ).all()
        assert [(n, c) for n, c, _, _ in fees] == [
            ("xendit", "IDR"),
            ("xendit", "MYR"),
            ("xendit", "USD"),
            ("midtrans", "IDR"),
        ]
    finally:
        engine.dispose()
        with server.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        server.dispose()


def test_tenant_leads_every_composite_index_on_tenant_tables():
    for table in Base.metadata.sorted_tables:
        if "tenant_id" not in table.columns:
            continue
        for index in table.indexes:
            columns = [c.name for c in index.columns]
            if len(columns) > 1 and "tenant_id" in columns:
                assert columns[0] == "tenant_id", (table.name, columns)
