"""A new invoice's run sleeps until its first timer (FIRST_TASK_DELAY_REVISION) only on a Temporal
server known to wake a delayed run when an update arrives (1.29 or newer): on an older one the
api starts runs awake (`InvoiceStarts.sleeping_starts`, from `Services.invoice_starts`). The
delay is the one InvoiceWorkflow's main loop would wait first: expiry, or an unpaid
installment's overdue check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from contracts.invoices import (
    FIRST_TASK_DELAY_REVISION,
    InstallmentSnapshot,
    InvoiceSnapshot,
    InvoiceStarts,
)
from domain.events import OVERDUE_AFTER
from workflows.client import wakes_sleeping_runs

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SLEEPING = InvoiceStarts("paytrust", FIRST_TASK_DELAY_REVISION)


def snapshot(expires_in: timedelta, *installments: tuple[timedelta, str]) -> InvoiceSnapshot:
    return InvoiceSnapshot(
        invoice_id=1,
        tenant_id="t",
        status="draft",
        currency="IDR",
        gateway="xendit",
        total=Decimal(1000),
        amount_paid=Decimal(0),
        overpayment_amount=Decimal(0),
        expires_at=NOW + expires_in,
        payment_initiated=False,
        installments=[
            InstallmentSnapshot(
                number=n,
                amount=Decimal(500),
                tax_amount=Decimal(0),
                service_fee_amount=Decimal(0),
                due_date=NOW + due_in,
                status=status,
            )
            for n, (due_in, status) in enumerate(installments, start=1)
        ],
    )


@pytest.mark.parametrize("version", ["1.28.1", "1.20.0", "0.9"])
def test_an_older_server_does_not_wake_sleeping_runs(version: str) -> None:
    assert not wakes_sleeping_runs(version)


@pytest.mark.parametrize("version", ["1.29.1", "1.32.0", "1.30.0-rc1", "2.0.0", "", "cloud"])
def test_a_new_enough_or_unnamed_server_does(version: str) -> None:
    assert wakes_sleeping_runs(version)


def test_a_run_sleeps_until_its_expiry() -> None:
    assert SLEEPING.first_task_delay(snapshot(timedelta(hours=24)), NOW) == timedelta(hours=24)


def test_or_until_the_overdue_check_of_its_first_unpaid_installment() -> None:
    plan = snapshot(
        timedelta(days=30),
        (timedelta(days=2), "paid"),
        (timedelta(days=9), "pending"),
        (timedelta(days=16), "pending"),
    )
    assert SLEEPING.first_task_delay(plan, NOW) == timedelta(days=9) + OVERDUE_AFTER


def test_no_delay_before_revision_2_on_an_older_server_or_for_a_past_timer() -> None:
    plain = snapshot(timedelta(hours=24))
    older = InvoiceStarts("paytrust", FIRST_TASK_DELAY_REVISION - 1)
    assert older.first_task_delay(plain, NOW) is None
    awake = InvoiceStarts("paytrust", FIRST_TASK_DELAY_REVISION, sleeping_starts=False)
    assert awake.first_task_delay(plain, NOW) is None
    assert SLEEPING.first_task_delay(snapshot(-timedelta(seconds=1)), NOW) is None
