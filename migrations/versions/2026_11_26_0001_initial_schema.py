"""Initial schema: every table of ARCHITECTURE.md, and the seeded gateway configs.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 07:08:59.793778+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_prefix", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=255), nullable=False),
        sa.Column("previous_key_prefix", sa.String(length=32), nullable=True),
        sa.Column("previous_key_hash", sa.String(length=255), nullable=True),
        sa.Column("previous_expires_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("status", sa.Enum("active", "revoked", name="api_key_status"), nullable=False),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.Column("rotated_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("revoked_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("last_used_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_prefix", name=op.f("uq_api_keys_key_prefix")),
        sa.UniqueConstraint("previous_key_prefix", name=op.f("uq_api_keys_previous_key_prefix")),
    )
    op.create_index(
        op.f("ix_api_keys_tenant_id_created_at"),
        "api_keys",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "archive_transactions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("installment_number", sa.SmallInteger(), nullable=True),
        sa.Column("gateway_id", sa.BigInteger(), nullable=False),
        sa.Column("gateway_transaction_id", sa.String(length=100), nullable=False),
        sa.Column("gateway_reference", sa.String(length=100), nullable=True),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("expected_amount", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column("overpayment_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("refunded_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("failure_reason", sa.String(length=255), nullable=True),
        sa.Column("paid_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("created_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("updated_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column(
            "archived_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_transactions")),
    )
    op.create_index(
        op.f("ix_archive_transactions_archived_at"),
        "archive_transactions",
        ["archived_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_archive_transactions_tenant_id_created_at"),
        "archive_transactions",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_archive_transactions_tenant_id_invoice_id"),
        "archive_transactions",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "gateway_configs",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("supported_currencies", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(length=50), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_configs")),
        sa.UniqueConstraint("name", name=op.f("uq_gateway_configs_name")),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("response_status", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", mysql.LONGTEXT(), nullable=True),
        sa.Column("response_content_type", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.Column("expires_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "scope", "idempotency_key", name=op.f("uq_idempotency_keys_scope_idempotency_key")
        ),
    )
    op.create_index(
        op.f("ix_idempotency_keys_expires_at"), "idempotency_keys", ["expires_at"], unique=False
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("gateway", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=191), nullable=False),
        sa.Column("event_type", sa.String(length=50), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("invoice_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", mysql.LONGTEXT(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "processing",
                "processed",
                "retrying",
                "permanently_failed",
                name="webhook_status",
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "received_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.Column("processed_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("failed_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint("gateway", "event_id", name=op.f("uq_webhook_events_gateway_event_id")),
    )
    op.create_index(
        op.f("ix_webhook_events_status_received_at"),
        "webhook_events",
        ["status", "received_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_webhook_events_tenant_id_status_received_at"),
        "webhook_events",
        ["tenant_id", "status", "received_at"],
        unique=False,
    )
    op.create_table(
        "api_key_audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("api_key_id", sa.BigInteger(), nullable=True),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column(
            "operation_type",
            sa.Enum("created", "rotated", "revoked", "used", "auth_failed", name="audit_operation"),
            nullable=False,
        ),
        sa.Column("actor_identifier", sa.String(length=128), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("old_key_hash", sa.String(length=255), nullable=True),
        sa.Column("success_status", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_key_audit_log_api_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key_audit_log")),
    )
    op.create_index(
        op.f("ix_api_key_audit_log_api_key_id_created_at"),
        "api_key_audit_log",
        ["api_key_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_api_key_audit_log_created_at"), "api_key_audit_log", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_api_key_audit_log_tenant_id_created_at"),
        "api_key_audit_log",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "gateway_currency_fees",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("gateway_id", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fee_percentage", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("fee_fixed", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["gateway_id"],
            ["gateway_configs.id"],
            name=op.f("fk_gateway_currency_fees_gateway_id_gateway_configs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_currency_fees")),
        sa.UniqueConstraint(
            "gateway_id", "currency", name=op.f("uq_gateway_currency_fees_gateway_id_currency")
        ),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "pending",
                "partially_paid",
                "fully_paid",
                "expired",
                "cancelled",
                "failed",
                name="invoice_status",
            ),
            nullable=False,
        ),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway_id", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("customer", sa.JSON(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("subtotal", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("tax_total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("service_fee", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("total", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column(
            "amount_paid", sa.Numeric(precision=19, scale=4), server_default="0", nullable=False
        ),
        sa.Column(
            "amount_refunded", sa.Numeric(precision=19, scale=4), server_default="0", nullable=False
        ),
        sa.Column(
            "overpayment_amount",
            sa.Numeric(precision=19, scale=4),
            server_default="0",
            nullable=False,
        ),
        sa.Column("fee_percentage", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("fee_fixed", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("expires_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("payment_initiated_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.Column("original_invoice_id", sa.BigInteger(), nullable=True),
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
        sa.CheckConstraint("amount_paid >= 0", name=op.f("ck_invoices_amount_paid_non_negative")),
        sa.CheckConstraint("total >= 0", name=op.f("ck_invoices_total_non_negative")),
        sa.ForeignKeyConstraint(
            ["gateway_id"],
            ["gateway_configs.id"],
            name=op.f("fk_invoices_gateway_id_gateway_configs"),
        ),
        sa.ForeignKeyConstraint(
            ["original_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_original_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint(
            "tenant_id", "external_id", name=op.f("uq_invoices_tenant_id_external_id")
        ),
    )
    op.create_index(
        op.f("ix_invoices_status_expires_at"), "invoices", ["status", "expires_at"], unique=False
    )
    op.create_index(
        op.f("ix_invoices_tenant_id_created_at"),
        "invoices",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_invoices_tenant_id_currency_created_at"),
        "invoices",
        ["tenant_id", "currency", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_invoices_tenant_id_status_created_at"),
        "invoices",
        ["tenant_id", "status", "created_at"],
        unique=False,
    )
    op.create_table(
        "webhook_retry_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("webhook_event_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt_number", sa.SmallInteger(), nullable=False),
        sa.Column("attempted_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_event_id"],
            ["webhook_events.id"],
            name=op.f("fk_webhook_retry_log_webhook_event_id_webhook_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_retry_log")),
        sa.UniqueConstraint(
            "webhook_event_id",
            "attempt_number",
            name=op.f("uq_webhook_retry_log_webhook_event_id_attempt_number"),
        ),
    )
    op.create_table(
        "gateway_payments",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("installment_number", sa.SmallInteger(), nullable=True),
        sa.Column("attempt", sa.SmallInteger(), nullable=False),
        sa.Column("gateway_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("merchant_reference", sa.String(length=100), nullable=False),
        sa.Column("payment_url", sa.String(length=500), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum("live", "paid", "expired", "superseded", name="gateway_payment_status"),
            nullable=False,
        ),
        sa.Column("expires_at", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["gateway_id"],
            ["gateway_configs.id"],
            name=op.f("fk_gateway_payments_gateway_id_gateway_configs"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_gateway_payments_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_payments")),
        sa.UniqueConstraint(
            "gateway_id",
            "merchant_reference",
            name=op.f("uq_gateway_payments_gateway_id_merchant_reference"),
        ),
        sa.UniqueConstraint(
            "gateway_id", "reference", name=op.f("uq_gateway_payments_gateway_id_reference")
        ),
    )
    op.create_index(
        op.f("ix_gateway_payments_tenant_id_invoice_id"),
        "gateway_payments",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "installment_schedules",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("number", sa.SmallInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("tax_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("service_fee_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("due_date", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column(
            "status",
            sa.Enum("unpaid", "pending", "paid", name="installment_status"),
            nullable=False,
        ),
        sa.Column(
            "paid_amount", sa.Numeric(precision=19, scale=4), server_default="0", nullable=False
        ),
        sa.Column("paid_at", mysql.DATETIME(fsp=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_installment_schedules_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_installment_schedules")),
        sa.UniqueConstraint(
            "invoice_id", "number", name=op.f("uq_installment_schedules_invoice_id_number")
        ),
    )
    op.create_index(
        op.f("ix_installment_schedules_tenant_id_invoice_id"),
        "installment_schedules",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "line_items",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("subtotal", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("tax_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column("tax_category", sa.String(length=50), nullable=True),
        sa.Column("tax_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_line_items_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_line_items")),
    )
    op.create_index(
        op.f("ix_line_items_tenant_id_invoice_id"),
        "line_items",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "payment_transactions",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("installment_number", sa.SmallInteger(), nullable=True),
        sa.Column("gateway_id", sa.BigInteger(), nullable=False),
        sa.Column("gateway_transaction_id", sa.String(length=100), nullable=False),
        sa.Column("gateway_reference", sa.String(length=100), nullable=True),
        sa.Column("amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "paid",
                "failed",
                "expired",
                "refunded",
                "partially_refunded",
                name="transaction_status",
            ),
            nullable=False,
        ),
        sa.Column("expected_amount", sa.Numeric(precision=19, scale=4), nullable=True),
        sa.Column(
            "overpayment_amount",
            sa.Numeric(precision=19, scale=4),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "refunded_amount", sa.Numeric(precision=19, scale=4), server_default="0", nullable=False
        ),
        sa.Column("failure_reason", sa.String(length=255), nullable=True),
        sa.Column("paid_at", mysql.DATETIME(fsp=6), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["gateway_id"],
            ["gateway_configs.id"],
            name=op.f("fk_payment_transactions_gateway_id_gateway_configs"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_payment_transactions_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transactions")),
        sa.UniqueConstraint(
            "gateway_id",
            "gateway_transaction_id",
            name=op.f("uq_payment_transactions_gateway_id_gateway_transaction_id"),
        ),
    )
    op.create_index(
        op.f("ix_payment_transactions_status_created_at"),
        "payment_transactions",
        ["status", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_transactions_tenant_id_created_at"),
        "payment_transactions",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_payment_transactions_tenant_id_invoice_id"),
        "payment_transactions",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "tax_rate_audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("line_item_id", sa.BigInteger(), nullable=True),
        sa.Column("tax_rate", sa.Numeric(precision=5, scale=4), nullable=False),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_tax_rate_audit_log_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rate_audit_log")),
    )
    op.create_index(
        op.f("ix_tax_rate_audit_log_tenant_id_created_at"),
        "tax_rate_audit_log",
        ["tenant_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "payment_discrepancies",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("installment_number", sa.SmallInteger(), nullable=True),
        sa.Column("expected_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("paid_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("difference", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column(
            "type", sa.Enum("underpayment", "overpayment", name="discrepancy_type"), nullable=False
        ),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_payment_discrepancies_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payment_transactions.id"],
            name=op.f("fk_payment_discrepancies_transaction_id_payment_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_discrepancies")),
        sa.UniqueConstraint("transaction_id", name=op.f("uq_payment_discrepancies_transaction_id")),
    )
    op.create_index(
        op.f("ix_payment_discrepancies_tenant_id_invoice_id"),
        "payment_discrepancies",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.BigInteger(), nullable=False),
        sa.Column("transaction_id", sa.BigInteger(), nullable=False),
        sa.Column("gateway_id", sa.BigInteger(), nullable=False),
        sa.Column("gateway_refund_id", sa.String(length=100), nullable=False),
        sa.Column("refund_amount", sa.Numeric(precision=19, scale=4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("refund_reason", sa.String(length=255), nullable=True),
        sa.Column("refund_timestamp", mysql.DATETIME(fsp=6), nullable=False),
        sa.Column(
            "created_at",
            mysql.DATETIME(fsp=6),
            server_default=sa.text("utc_timestamp(6)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["gateway_id"],
            ["gateway_configs.id"],
            name=op.f("fk_refunds_gateway_id_gateway_configs"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_refunds_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["payment_transactions.id"],
            name=op.f("fk_refunds_transaction_id_payment_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
        sa.UniqueConstraint(
            "gateway_id", "gateway_refund_id", name=op.f("uq_refunds_gateway_id_gateway_refund_id")
        ),
    )
    op.create_index(
        op.f("ix_refunds_tenant_id_invoice_id"),
        "refunds",
        ["tenant_id", "invoice_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_refunds_tenant_id_refund_timestamp"),
        "refunds",
        ["tenant_id", "refund_timestamp"],
        unique=False,
    )

    _seed_gateways()


GATEWAYS = [
    # (id, name, currencies, region)
    (1, "xendit", ["IDR", "MYR", "USD"], "Southeast Asia"),
    (2, "midtrans", ["IDR"], "Indonesia"),
]
FEES = [
    # (gateway_id, currency, fee_percentage, fee_fixed)
    (1, "IDR", "0.0290", "2000"),
    (1, "MYR", "0.0290", "1.00"),
    (1, "USD", "0.0290", "0.30"),
    (2, "IDR", "0.0200", "4000"),
]


def _seed_gateways() -> None:
    gateway_configs = sa.table(
        "gateway_configs",
        sa.column("id", sa.BigInteger()),
        sa.column("name", sa.String()),
        sa.column("supported_currencies", sa.JSON()),
        sa.column("region", sa.String()),
    )
    fees = sa.table(
        "gateway_currency_fees",
        sa.column("gateway_id", sa.BigInteger()),
        sa.column("currency", sa.String()),
        sa.column("fee_percentage", sa.Numeric(5, 4)),
        sa.column("fee_fixed", sa.Numeric(19, 4)),
    )
    op.bulk_insert(
        gateway_configs,
        [{"id": i, "name": n, "supported_currencies": c, "region": r} for i, n, c, r in GATEWAYS],
    )
    op.bulk_insert(
        fees,
        [
            {"gateway_id": g, "currency": c, "fee_percentage": p, "fee_fixed": x}
            for g, c, p, x in FEES
        ],
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; MySQL refuses to drop an index a foreign key needs.
    op.drop_table("refunds")
    op.drop_table("payment_discrepancies")
    op.drop_table("tax_rate_audit_log")
    op.drop_table("payment_transactions")
    op.drop_table("line_items")
    op.drop_table("installment_schedules")
    op.drop_table("gateway_payments")
    op.drop_table("webhook_retry_log")
    op.drop_table("invoices")
    op.drop_table("gateway_currency_fees")
    op.drop_table("api_key_audit_log")
    op.drop_table("webhook_events")
    op.drop_table("idempotency_keys")
    op.drop_table("gateway_configs")
    op.drop_table("archive_transactions")
    op.drop_table("api_keys")
