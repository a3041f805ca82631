"""Webhook attempts are logged per workflow run: a replayed event (api retry, `temporal
workflow reset` or start) adds its attempts beside the earlier ones instead of overwriting
them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "webhook_retry_log",
        sa.Column("run_id", sa.String(length=64), server_default="", nullable=False),
    )
    # The new unique index leads with webhook_event_id, so the foreign key keeps an index.
    op.create_unique_constraint(
        op.f("uq_webhook_retry_log_webhook_event_id_run_id_attempt_number"),
        "webhook_retry_log",
        ["webhook_event_id", "run_id", "attempt_number"],
    )
    op.drop_constraint(
        "uq_webhook_retry_log_webhook_event_id_attempt_number", "webhook_retry_log", type_="unique"
    )


def downgrade() -> None:
    op.execute(
        "DELETE l FROM webhook_retry_log l JOIN webhook_retry_log k "
        "ON k.webhook_event_id = l.webhook_event_id AND k.attempt_number = l.attempt_number "
        "AND k.id < l.id"
    )
    op.create_unique_constraint(
        "uq_webhook_retry_log_webhook_event_id_attempt_number",
        "webhook_retry_log",
        ["webhook_event_id", "attempt_number"],
    )
    op.drop_constraint(
        op.f("uq_webhook_retry_log_webhook_event_id_run_id_attempt_number"),
        "webhook_retry_log",
        type_="unique",
    )
    op.drop_column("webhook_retry_log", "run_id")
