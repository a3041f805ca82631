"""Financial-report rollups: daily sums per (tenant, currency, day, gateway) and per (tenant,
currency, day, tax rate, category), and what each counted invoice has added; backfilled from
the existing invoices.

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-02 07:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(precision=19, scale=4)
RATE = sa.Numeric(precision=5, scale=4)

# The rollups as of this revision, from the invoices (kept here, not imported: a migration
# must not change when the application code does).
BACKFILL = (
    """
    INSERT INTO report_invoice_state
        (invoice_id, subtotal, tax_total, service_fee, total, amount_paid, amount_refunded)
    SELECT id, subtotal, tax_total, service_fee, total, amount_paid, amount_refunded
      FROM invoices WHERE status NOT IN ('draft', 'cancelled')
    """,
    """
    INSERT INTO report_daily_totals
        (tenant_id, currency, day, gateway_id, invoice_count, subtotal, tax_total,
         service_fee, total, amount_paid, amount_refunded)
    SELECT tenant_id, currency, DATE(created_at), gateway_id, COUNT(*), SUM(subtotal),
           SUM(tax_total), SUM(service_fee), SUM(total), SUM(amount_paid), SUM(amount_refunded)
      FROM invoices WHERE status NOT IN ('draft', 'cancelled')
     GROUP BY tenant_id, currency, DATE(created_at), gateway_id
    """,
    """
    INSERT INTO report_daily_taxes
        (tenant_id, currency, day, tax_rate, tax_category_key, line_count, taxable_amount,
         tax_amount)
    SELECT i.tenant_id, i.currency, DATE(i.created_at), l.tax_rate,
           IF(l.tax_category IS NULL, '', CONCAT('=', l.tax_category)) AS category_key,
           COUNT(*), SUM(l.subtotal), SUM(l.tax_amount)
      FROM invoices i
      JOIN line_items l ON l.tenant_id = i.tenant_id AND l.invoice_id = i.id
     WHERE i.status NOT IN ('draft', 'cancelled')
     GROUP BY i.tenant_id, i.currency, DATE(i.created_at), l.tax_rate, category_key
    """,
)


def _amounts() -> list[sa.Column[object]]:
    names = ("subtotal", "tax_total", "service_fee", "total", "amount_paid", "amount_refunded")
    return [sa.Column(name, MONEY, nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "report_daily_totals",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway_id", sa.BigInteger(), nullable=False),
        sa.Column("invoice_count", sa.Integer(), nullable=False),
        *_amounts(),
        sa.PrimaryKeyConstraint(
            "tenant_id", "day", "currency", "gateway_id", name=op.f("pk_report_daily_totals")
        ),
    )
    op.create_table(
        "report_daily_taxes",
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tax_rate", RATE, nullable=False),
        sa.Column("tax_category_key", sa.String(length=51), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("taxable_amount", MONEY, nullable=False),
        sa.Column("tax_amount", MONEY, nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id",
            "day",
            "currency",
            "tax_rate",
            "tax_category_key",
            name=op.f("pk_report_daily_taxes"),
        ),
    )
    op.create_table(
        "report_invoice_state",
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        *_amounts(),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_report_invoice_state_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_report_invoice_state")),
    )
    for statement in BACKFILL:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("report_invoice_state")
    op.drop_table("report_daily_taxes")
    op.drop_table("report_daily_totals")
