"""Let payment transactions move to the archive: refunds and discrepancies keep the
transaction id they point at, without a foreign key, since after 7 years the row lives in
archive_transactions (NFR-007).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 08:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINTS = [
    ("refunds", "fk_refunds_transaction_id_payment_transactions"),
    ("payment_discrepancies", "fk_payment_discrepancies_transaction_id_payment_transactions"),
]


def upgrade() -> None:
    for table, name in CONSTRAINTS:
        op.drop_constraint(name, table, type_="foreignkey")
    # MySQL had created an index for the refunds foreign key; nothing queries by it now.
    op.drop_index("fk_refunds_transaction_id_payment_transactions", "refunds")


def downgrade() -> None:
    for table, name in CONSTRAINTS:
        op.create_foreign_key(name, table, "payment_transactions", ["transaction_id"], ["id"])
