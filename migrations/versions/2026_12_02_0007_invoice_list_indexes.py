"""GET /invoices filters by gateway: an index leading with the tenant, in the list's order, so
`?gateway_id=` on a tenant with a million invoices is a range scan (the other filters already
have theirs: status, currency, created_at, and the unique (tenant_id, external_id)).

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-02 07:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_invoices_tenant_id_gateway_id_created_at"),
        "invoices",
        ["tenant_id", "gateway_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_invoices_tenant_id_gateway_id_created_at"), table_name="invoices")
