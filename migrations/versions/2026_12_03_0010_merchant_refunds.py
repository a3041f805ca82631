"""Merchant-initiated refunds: a refund row is reserved (`pending`) before the gateway is asked,
then settles `succeeded` or `failed`. Rows carry who asked (`source`), the merchant's request
they belong to (`request_id`: one request may draw on several payments, one row each), the key
sent to the gateway (`refund_key`, unique per gateway: the gateway's idempotency key), and
when it was asked and settled. Gateway refund ids become nullable (a pending refund has none
yet); existing rows are gateway-reported refunds that succeeded.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = ("merchant", "gateway")
STATUSES = ("pending", "succeeded", "failed")


def upgrade() -> None:
    op.alter_column(
        "refunds",
        "gateway_refund_id",
        existing_type=sa.String(length=100),
        nullable=True,
    )
    op.add_column(
        "refunds",
        sa.Column(
            "source",
            sa.Enum(*SOURCES, name="refund_source"),
            server_default="gateway",
            nullable=False,
        ),
    )
    op.add_column(
        "refunds",
        sa.Column(
            "status",
            sa.Enum(*STATUSES, name="refund_status"),
            server_default="succeeded",
            nullable=False,
        ),
    )
    op.add_column("refunds", sa.Column("request_id", sa.String(length=40), nullable=True))
    op.add_column("refunds", sa.Column("refund_key", sa.String(length=64), nullable=True))
    op.add_column("refunds", sa.Column("failure_reason", sa.String(length=255), nullable=True))
    op.add_column("refunds", sa.Column("requested_at", mysql.DATETIME(fsp=6), nullable=True))
    op.add_column("refunds", sa.Column("settled_at", mysql.DATETIME(fsp=6), nullable=True))
    op.execute("UPDATE refunds SET settled_at = refund_timestamp WHERE settled_at IS NULL")
    op.create_unique_constraint(
        op.f("uq_refunds_gateway_id_refund_key"), "refunds", ["gateway_id", "refund_key"]
    )
    op.create_unique_constraint(
        op.f("uq_refunds_request_id_transaction_id"), "refunds", ["request_id", "transaction_id"]
    )
    op.create_index(op.f("ix_refunds_tenant_id_request_id"), "refunds", ["tenant_id", "request_id"])
    op.create_index(op.f("ix_refunds_status_requested_at"), "refunds", ["status", "requested_at"])


def downgrade() -> None:
    # The old schema knows only refunds that moved money.
    op.execute("DELETE FROM refunds WHERE status <> 'succeeded'")
    op.execute(
        "UPDATE refunds SET gateway_refund_id = refund_key "
        "WHERE gateway_refund_id IS NULL AND refund_key IS NOT NULL"
    )
    op.execute("DELETE FROM refunds WHERE gateway_refund_id IS NULL")
    op.drop_index(op.f("ix_refunds_status_requested_at"), table_name="refunds")
    op.drop_index(op.f("ix_refunds_tenant_id_request_id"), table_name="refunds")
    op.drop_constraint(op.f("uq_refunds_request_id_transaction_id"), "refunds", type_="unique")
    op.drop_constraint(op.f("uq_refunds_gateway_id_refund_key"), "refunds", type_="unique")
    for column in (
        "settled_at",
        "requested_at",
        "failure_reason",
        "refund_key",
        "request_id",
        "status",
        "source",
    ):
        op.drop_column("refunds", column)
    op.alter_column(
        "refunds",
        "gateway_refund_id",
        existing_type=sa.String(length=100),
        nullable=False,
    )
