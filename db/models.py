"""SQLAlchemy models: the MySQL system of record that merchants read.

Money columns are DECIMAL(19,4) mapped to `Decimal`; timestamps are DATETIME(6) holding UTC.
Every tenant-owned table carries `tenant_id`, and every composite index on it leads with the
tenant, so tenant-filtered queries are index range scans. Relationships are `lazy="raise"`:
nothing loads by accident.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.mysql import DATETIME, LONGTEXT
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(19, 4, asdecimal=True)
Rate = Numeric(5, 4, asdecimal=True)
Timestamp = DATETIME(fsp=6)

INVOICE_STATUSES = (
    "draft",
    "pending",
    "partially_paid",
    "fully_paid",
    "expired",
    "cancelled",
    "failed",
)
INSTALLMENT_STATUSES = ("unpaid", "pending", "paid")
TRANSACTION_STATUSES = ("pending", "paid", "failed", "expired", "refunded", "partially_refunded")
WEBHOOK_STATUSES = ("received", "processing", "processed", "retrying", "permanently_failed")
AUDIT_OPERATIONS = ("created", "rotated", "revoked", "used", "auth_failed")
API_KEY_STATUSES = ("active", "revoked")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _now() -> Any:
    return func.utc_timestamp(6)


class GatewayConfig(Base):
    __tablename__ = "gateway_configs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    supported_currencies: Mapped[list[str]] = mapped_column(JSON)
    region: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now(), onupdate=_now())

    fees: Mapped[list[GatewayCurrencyFee]] = relationship(lazy="raise", back_populates="gateway")


class GatewayCurrencyFee(Base):
    """The fee a gateway charges in one currency: subtotal × fee_percentage + fee_fixed."""

    __tablename__ = "gateway_currency_fees"
    __table_args__ = (UniqueConstraint("gateway_id", "currency"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("gateway_configs.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    fee_percentage: Mapped[Decimal] = mapped_column(Rate)
    fee_fixed: Mapped[Decimal] = mapped_column(Money)

    gateway: Mapped[GatewayConfig] = relationship(lazy="raise", back_populates="fees")


class ApiKey(Base):
    """A merchant API key. Only argon2 hashes are stored; the prefix finds the row.

    Rotation keeps the previous secret's hash until `previous_expires_at` (the grace period).
    """

    __tablename__ = "api_keys"
    __table_args__ = (Index(None, "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    key_prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(255))
    previous_key_prefix: Mapped[str | None] = mapped_column(String(32), unique=True)
    previous_key_hash: Mapped[str | None] = mapped_column(String(255))
    previous_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(Enum(*API_KEY_STATUSES, name="api_key_status"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    rotated_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ApiKeyAuditLog(Base):
    """Key lifecycle and use (FR-083); kept at least one year (NFR-011)."""

    __tablename__ = "api_key_audit_log"
    __table_args__ = (
        Index(None, "created_at"),
        Index(None, "api_key_id", "created_at"),
        Index(None, "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    operation_type: Mapped[str] = mapped_column(Enum(*AUDIT_OPERATIONS, name="audit_operation"))
    actor_identifier: Mapped[str] = mapped_column(String(128))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    old_key_hash: Mapped[str | None] = mapped_column(String(255))
    success_status: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index(None, "tenant_id", "created_at"),
        Index(None, "tenant_id", "status", "created_at"),
        Index(None, "tenant_id", "currency", "created_at"),
        Index(None, "tenant_id", "gateway_id", "created_at"),
        Index(None, "status", "expires_at"),
        CheckConstraint("total >= 0", name="total_non_negative"),
        CheckConstraint("amount_paid >= 0", name="amount_paid_non_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(Enum(*INVOICE_STATUSES, name="invoice_status"))
    currency: Mapped[str] = mapped_column(String(3))
    gateway_id: Mapped[int] = mapped_column(ForeignKey("gateway_configs.id"))
    description: Mapped[str | None] = mapped_column(Text)
    customer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    service_fee: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    amount_paid: Mapped[Decimal] = mapped_column(Money, server_default="0")
    amount_refunded: Mapped[Decimal] = mapped_column(Money, server_default="0")
    overpayment_amount: Mapped[Decimal] = mapped_column(Money, server_default="0")
    # Locked at creation (FR-047): later changes to the gateway's fees never touch this invoice.
    fee_percentage: Mapped[Decimal] = mapped_column(Rate)
    fee_fixed: Mapped[Decimal] = mapped_column(Money)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    payment_initiated_at: Mapped[datetime | None] = mapped_column(Timestamp)
    original_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    # The `sequence` of the invoice's last event (db/events.py), bumped under the row lock.
    last_event_sequence: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now(), onupdate=_now())


class LineItem(Base):
    __tablename__ = "line_items"
    __table_args__ = (Index(None, "tenant_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    description: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    tax_category: Mapped[str | None] = mapped_column(String(50))
    tax_amount: Mapped[Decimal] = mapped_column(Money)


class InstallmentSchedule(Base):
    __tablename__ = "installment_schedules"
    __table_args__ = (
        UniqueConstraint("invoice_id", "number"),
        Index(None, "tenant_id", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(SmallInteger)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)
    service_fee_amount: Mapped[Decimal] = mapped_column(Money)
    due_date: Mapped[datetime] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(Enum(*INSTALLMENT_STATUSES, name="installment_status"))
    paid_amount: Mapped[Decimal] = mapped_column(Money, server_default="0")
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)


GATEWAY_ACCOUNT_STATUSES = ("active", "deleted")


class GatewayAccount(Base):
    """A merchant's own account at a gateway (a merchant connector account).

    `id` is random and unguessable: it is part of the account's webhook URL. Credentials are
    one Fernet token (gateways/credentials.py); `credentials_masked` holds their last 4
    characters for display. `active_slot` is 1 while active and NULL once deleted, so a tenant
    has at most one active account per gateway (a unique key ignores NULLs).
    """

    __tablename__ = "gateway_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "gateway", "active_slot"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    gateway: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(
        Enum(*GATEWAY_ACCOUNT_STATUSES, name="gateway_account_status")
    )
    active_slot: Mapped[int | None] = mapped_column(SmallInteger)
    credentials_encrypted: Mapped[str] = mapped_column(Text)
    credentials_masked: Mapped[dict[str, str]] = mapped_column(JSON)
    credentials_version: Mapped[int] = mapped_column(Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now(), onupdate=_now())
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)


class GatewayPayment(Base):
    """A payment link created at a gateway for an invoice or one installment."""

    __tablename__ = "gateway_payments"
    __table_args__ = (
        UniqueConstraint("gateway_id", "reference"),
        UniqueConstraint("gateway_id", "merchant_reference"),
        Index(None, "tenant_id", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    installment_number: Mapped[int | None] = mapped_column(SmallInteger)
    attempt: Mapped[int] = mapped_column(SmallInteger)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("gateway_configs.id"))
    # The merchant's own account the link was made with; NULL: the platform account.
    gateway_account_id: Mapped[str | None] = mapped_column(
        ForeignKey("gateway_accounts.id"), index=True
    )
    reference: Mapped[str] = mapped_column(String(100))
    merchant_reference: Mapped[str] = mapped_column(String(100))
    payment_url: Mapped[str] = mapped_column(String(500))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(
        Enum("live", "paid", "expired", "superseded", name="gateway_payment_status")
    )
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())


class PaymentTransaction(Base):
    """A payment a gateway reported. Unique per gateway transaction id: recorded once."""

    __tablename__ = "payment_transactions"
    __table_args__ = (
        UniqueConstraint("gateway_id", "gateway_transaction_id"),
        Index(None, "tenant_id", "invoice_id"),
        Index(None, "tenant_id", "created_at"),
        Index(None, "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    installment_number: Mapped[int | None] = mapped_column(SmallInteger)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("gateway_configs.id"))
    gateway_transaction_id: Mapped[str] = mapped_column(String(100))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(Enum(*TRANSACTION_STATUSES, name="transaction_status"))
    expected_amount: Mapped[Decimal | None] = mapped_column(Money)
    overpayment_amount: Mapped[Decimal] = mapped_column(Money, server_default="0")
    refunded_amount: Mapped[Decimal] = mapped_column(Money, server_default="0")
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now(), onupdate=_now())


REFUND_SOURCES = ("merchant", "gateway")
REFUND_STATUSES = ("pending", "succeeded", "failed")


class Refund(Base):
    """One refund of one payment. `gateway` refunds were reported by a gateway notification;
    `merchant` refunds were asked for through the api: reserved `pending` (deducted from what
    is refundable) before the gateway is called with `refund_key`, then `succeeded` or `failed`.
    A merchant request that draws on several payments has one row per payment, sharing
    `request_id`. The unique keys make recording a refund twice impossible."""

    __tablename__ = "refunds"
    __table_args__ = (
        UniqueConstraint("gateway_id", "gateway_refund_id"),
        UniqueConstraint("gateway_id", "refund_key"),
        UniqueConstraint("request_id", "transaction_id"),
        Index(None, "tenant_id", "invoice_id"),
        Index(None, "tenant_id", "refund_timestamp"),
        Index(None, "tenant_id", "request_id"),
        Index(None, "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    # No foreign key: after 7 years the transaction moves to archive_transactions.
    transaction_id: Mapped[int] = mapped_column(BigInteger)
    gateway_id: Mapped[int] = mapped_column(ForeignKey("gateway_configs.id"))
    # The gateway's own id of the refund (Xendit `rfd-...`, Midtrans refund key); NULL while
    # a merchant refund has not been answered yet.
    gateway_refund_id: Mapped[str | None] = mapped_column(String(100))
    refund_amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    refund_reason: Mapped[str | None] = mapped_column(String(255))
    refund_timestamp: Mapped[datetime] = mapped_column(Timestamp)
    source: Mapped[str] = mapped_column(
        Enum(*REFUND_SOURCES, name="refund_source"), server_default="gateway"
    )
    status: Mapped[str] = mapped_column(
        Enum(*REFUND_STATUSES, name="refund_status"), server_default="succeeded"
    )
    # The merchant's request (its public refund id); NULL for gateway-reported refunds.
    request_id: Mapped[str | None] = mapped_column(String(40))
    # Sent to the gateway (Xendit idempotency-key and reference_id, Midtrans refund_key).
    refund_key: Mapped[str | None] = mapped_column(String(64))
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    requested_at: Mapped[datetime | None] = mapped_column(Timestamp)
    settled_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())


class PaymentDiscrepancy(Base):
    """An under- or overpayment against what was expected (FR-050, FR-073), or a payment
    received after the invoice closed."""

    __tablename__ = "payment_discrepancies"
    __table_args__ = (
        UniqueConstraint("transaction_id"),
        Index(None, "tenant_id", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    transaction_id: Mapped[int] = mapped_column(BigInteger)  # may be archived (no FK)
    installment_number: Mapped[int | None] = mapped_column(SmallInteger)
    expected_amount: Mapped[Decimal] = mapped_column(Money)
    paid_amount: Mapped[Decimal] = mapped_column(Money)
    difference: Mapped[Decimal] = mapped_column(Money)
    # paid_after_close: money received on a cancelled or expired invoice (to refund).
    type: Mapped[str] = mapped_column(
        Enum("underpayment", "overpayment", "paid_after_close", name="discrepancy_type")
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("gateway", "event_id"),
        Index(None, "tenant_id", "status", "received_at"),
        Index(None, "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    gateway: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(191))
    event_type: Mapped[str] = mapped_column(String(50))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(LONGTEXT)
    status: Mapped[str] = mapped_column(Enum(*WEBHOOK_STATUSES, name="webhook_status"))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # The merchant gateway account it came in for (its webhook URL); NULL: the platform's.
    gateway_account_id: Mapped[str | None] = mapped_column(String(40))
    # Set when the event was refused (not issued by us, or not confirmed by the gateway).
    rejection_reason: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    processed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    failed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class WebhookRetryLog(Base):
    __tablename__ = "webhook_retry_log"
    __table_args__ = (UniqueConstraint("webhook_event_id", "run_id", "attempt_number"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    webhook_event_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_events.id", ondelete="CASCADE")
    )
    # The WebhookWorkflow run: a replay's attempts are logged beside the earlier ones.
    run_id: Mapped[str] = mapped_column(String(64), server_default="")
    attempt_number: Mapped[int] = mapped_column(SmallInteger)
    attempted_at: Mapped[datetime] = mapped_column(Timestamp)
    status: Mapped[str] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(Text)


class ArchiveTransaction(Base):
    """Payment transactions past the 7-year retention window (NFR-007), same columns."""

    __tablename__ = "archive_transactions"
    __table_args__ = (
        Index(None, "archived_at"),
        Index(None, "tenant_id", "invoice_id"),
        Index(None, "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(BigInteger)
    installment_number: Mapped[int | None] = mapped_column(SmallInteger)
    gateway_id: Mapped[int] = mapped_column(BigInteger)
    gateway_transaction_id: Mapped[str] = mapped_column(String(100))
    gateway_reference: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    expected_amount: Mapped[Decimal | None] = mapped_column(Money)
    overpayment_amount: Mapped[Decimal] = mapped_column(Money)
    refunded_amount: Mapped[Decimal] = mapped_column(Money)
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    archived_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())


class IdempotencyKey(Base):
    """A POST's key, the hash of its body and the response it got, replayed for ≥ 24 h."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("scope", "idempotency_key"),
        Index(None, "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(80))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(SmallInteger)
    response_body: Mapped[str | None] = mapped_column(LONGTEXT)
    response_content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    expires_at: Mapped[datetime] = mapped_column(Timestamp)


class InvoiceAuditLog(Base):
    """Invoice events kept for audit (e.g. a supplementary invoice created, FR-082)."""

    __tablename__ = "invoice_audit_log"
    __table_args__ = (Index(None, "tenant_id", "invoice_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(50))
    actor_identifier: Mapped[str] = mapped_column(String(128))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())


class TaxRateAudit(Base):
    """Line items with a tax rate above 27% (FR-064a): accepted, and kept for review."""

    __tablename__ = "tax_rate_audit_log"
    __table_args__ = (Index(None, "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    line_item_id: Mapped[int | None] = mapped_column(BigInteger)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())


class ReportAmounts:
    """The invoice sums the financial report adds up (rollup and per-invoice state columns)."""

    subtotal: Mapped[Decimal] = mapped_column(Money)
    tax_total: Mapped[Decimal] = mapped_column(Money)
    service_fee: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    amount_paid: Mapped[Decimal] = mapped_column(Money)
    amount_refunded: Mapped[Decimal] = mapped_column(Money)


class ReportDailyTotal(ReportAmounts, Base):
    """Financial-report rollup (`db.reports`): per tenant, currency, UTC creation day and
    gateway, the sums over the invoices the report counts (not draft, not cancelled)."""

    __tablename__ = "report_daily_totals"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    gateway_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_count: Mapped[int] = mapped_column(Integer)


class ReportDailyTax(Base):
    """Financial-report rollup of the counted invoices' lines per tenant, currency, UTC creation
    day, tax rate and category. `tax_category_key` is '' for no category, '=' + the category
    otherwise (a primary key column cannot be NULL, and '' is a category of its own)."""

    __tablename__ = "report_daily_taxes"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    tax_rate: Mapped[Decimal] = mapped_column(Rate, primary_key=True)
    tax_category_key: Mapped[str] = mapped_column(String(51), primary_key=True)
    line_count: Mapped[int] = mapped_column(Integer)
    taxable_amount: Mapped[Decimal] = mapped_column(Money)
    tax_amount: Mapped[Decimal] = mapped_column(Money)


class ReportInvoiceState(ReportAmounts, Base):
    """What each counted invoice has added to the rollups (a row only while it is counted), so
    a change applies exactly its difference."""

    __tablename__ = "report_invoice_state"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), primary_key=True
    )


DELIVERY_STATUSES = ("pending", "succeeded", "failed")


class Event(Base):
    """What happened, written in the transaction of the change (db/events.py). Invoice events
    are numbered per invoice (`sequence` 1, 2, 3...); tenant events (ping, an endpoint
    disabled) have neither invoice nor sequence. `id` orders the log; `public_id` is the
    `evt_...` id merchants see and de-duplicate on (`webhook-id`)."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "invoice_id", "sequence"),
        Index(None, "tenant_id", "id"),
        Index(None, "tenant_id", "type", "id"),
        Index(None, "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    # No foreign key: events outlive nothing, but they are kept at least a year on their own.
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)
    sequence: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class WebhookEndpoint(Base):
    """A merchant's receiver. Secrets are stored encrypted (notify/secrets.py); the previous
    one stays live until `previous_secret_expires_at` after a rotation."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index(None, "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[str]] = mapped_column(JSON)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)
    disabled: Mapped[bool] = mapped_column(Boolean, server_default="0")
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    # First failed attempt since the last success; 5 days of it disables the endpoint.
    failing_since: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=_now(), onupdate=_now())


class WebhookDelivery(Base):
    """One event owed to one endpoint: the outbox row, written with the event. Delivered in
    `sequence` order per (endpoint, invoice) by `WebhookDeliveryWorkflow`; `dispatched_at` is
    set once a delivery workflow owns it (the sweeper hands over rows nobody owns)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        Index(None, "tenant_id", "endpoint_id", "status", "id"),
        Index(None, "endpoint_id", "invoice_key", "status", "sequence"),
        Index(None, "status", "dispatched_at", "created_at"),
        Index(None, "tenant_id", "invoice_key", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # The ordering key: the invoice id, or 0 for tenant events.
    invoice_key: Mapped[int] = mapped_column(BigInteger)
    sequence: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Enum(*DELIVERY_STATUSES, name="webhook_delivery_status"))
    attempt_count: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    dispatched_at: Mapped[datetime | None] = mapped_column(Timestamp)
    last_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class WebhookDeliveryAttempt(Base):
    __tablename__ = "webhook_delivery_attempts"
    __table_args__ = (Index(None, "tenant_id", "delivery_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(Timestamp)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    response_body: Mapped[str | None] = mapped_column(Text)
