"""Money received on a cancelled or expired invoice raises a `paid_after_close` discrepancy,
so the merchant sees it and can refund it.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-02 06:45:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("underpayment", "overpayment")
NEW = (*OLD, "paid_after_close")


def upgrade() -> None:
    op.alter_column(
        "payment_discrepancies",
        "type",
        existing_type=sa.Enum(*OLD, name="discrepancy_type"),
        type_=sa.Enum(*NEW, name="discrepancy_type"),
        existing_nullable=False,
    )


def downgrade() -> None:
    op.execute("DELETE FROM payment_discrepancies WHERE type = 'paid_after_close'")
    op.alter_column(
        "payment_discrepancies",
        "type",
        existing_type=sa.Enum(*NEW, name="discrepancy_type"),
        type_=sa.Enum(*OLD, name="discrepancy_type"),
        existing_nullable=False,
    )
