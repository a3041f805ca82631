"""Per-merchant gateway accounts (encrypted credentials), the account a payment link was made
with, and the reason a webhook was rejected.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_accounts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum("active", "deleted", name="gateway_account_status"),
            nullable=False,
        ),
        sa.Column("active_slot", sa.SmallInteger(), nullable=True),
        sa.Column("credentials_encrypted", sa.Text(), nullable=False),
        sa.Column("credentials_masked", sa.JSON(), nullable=False),
        sa.Column("credentials_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.Column("deleted_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_accounts")),
        sa.UniqueConstraint(
            "tenant_id",
            "gateway",
            "active_slot",
            name=op.f("uq_gateway_accounts_tenant_id_gateway_active_slot"),
        ),
    )
    op.add_column(
        "gateway_payments",
        sa.Column("gateway_account_id", sa.String(length=40), nullable=True),
    )
    op.create_index(
        op.f("ix_gateway_payments_gateway_account_id"),
        "gateway_payments",
        ["gateway_account_id"],
    )
    op.create_foreign_key(
        op.f("fk_gateway_payments_gateway_account_id_gateway_accounts"),
        "gateway_payments",
        "gateway_accounts",
        ["gateway_account_id"],
        ["id"],
    )
    op.add_column(
        "webhook_events",
        sa.Column("gateway_account_id", sa.String(length=40), nullable=True),
    )
    op.add_column(
        "webhook_events",
        sa.Column("rejection_reason", sa.String(length=64), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("webhook_events", "rejection_reason")
    op.drop_column("webhook_events", "gateway_account_id")
    op.drop_constraint(
        op.f("fk_gateway_payments_gateway_account_id_gateway_accounts"),
        "gateway_payments",
        type_="foreignkey",
    )
    op.drop_index(op.f("ix_gateway_payments_gateway_account_id"), table_name="gateway_payments")
    op.drop_column("gateway_payments", "gateway_account_id")
    op.drop_table("gateway_accounts")
