"""Transaction archival (NFR-007) on the time-skipping server with real MariaDB: exactly the
rows older than 7 years in final states move, once; a second run moves nothing; reads still
find them; and the worker creates the daily schedule."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from contracts.maintenance import ArchivalInput
from db import invoices as repo
from db.archival import COLUMNS
from db.engine import SessionFactory, transaction
from db.models import ArchiveTransaction, PaymentTransaction
from gateways.base import PaymentGateway
from tests.workflows.helpers import create_invoice, new_tenant, running_worker
from worker import build_worker
from workflows.archival import ArchivalWorkflow, years_before


async def add_transactions(
    sessions: SessionFactory, tenant_id: str, invoice_id: int, ages_days: list[tuple[int, str]]
) -> list[int]:
    """Payment transactions created `age` days ago with `status`."""
    ids = []
    async with transaction(sessions) as session:
        for age, status in ages_days:
            created = (datetime.now(UTC) - timedelta(days=age)).replace(tzinfo=None)
            row = PaymentTransaction(
                tenant_id=tenant_id,
                invoice_id=invoice_id,
                gateway_id=1,
                gateway_transaction_id=f"arch-{uuid.uuid4().hex}",
                gateway_reference="ref",
                amount=Decimal(1000),
                currency="IDR",
                status=status,
                overpayment_amount=Decimal(0),
                refunded_amount=Decimal(0),
                created_at=created,
                updated_at=created,
            )
            session.add(row)
            await session.flush()
            ids.append(row.id)
    return ids


async def counts(sessions: SessionFactory, ids: list[int]) -> tuple[int, int]:
    async with sessions() as session:
        live = (
            await session.execute(
                select(func.count())
                .select_from(PaymentTransaction)
                .where(PaymentTransaction.id.in_(ids))
            )
        ).scalar_one()
        archived = (
            await session.execute(
                select(func.count())
                .select_from(ArchiveTransaction)
                .where(ArchiveTransaction.id.in_(ids))
            )
        ).scalar_one()
    return int(live), int(archived)


async def test_archival_moves_exactly_old_final_rows_once(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
) -> None:
    tenant_id = new_tenant()
    created = await create_invoice(sessions, tenant_id)
    seven_years = 7 * 365 + 2
    old = await add_transactions(
        sessions,
        tenant_id,
        created.invoice_id,
        [(seven_years + 10, "paid"), (seven_years + 400, "refunded"), (seven_years + 1, "failed")]
        + [(seven_years + 30, "paid")] * 5,
    )
    old_but_open = await add_transactions(
        sessions, tenant_id, created.invoice_id, [(seven_years + 50, "pending")]
    )
    recent = await add_transactions(
        sessions, tenant_id, created.invoice_id, [(30, "paid"), (7 * 365 - 5, "paid")]
    )
    # The time-skipping server's clock runs ahead of MariaDB's (it skips while the workflow
    # waits), so the cutoff is pinned to real time here; the default cutoff is checked on the
    # dev server below.
    cutoff = years_before(datetime.now(UTC), 7)
    async with running_worker(env, sessions, gateways, task_queue):
        first = await env.client.execute_workflow(
            ArchivalWorkflow.run,
            ArchivalInput(batch_size=3, cutoff=cutoff),
            id=f"archival-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )
        assert first.moved >= len(old)  # batches of 3: several batches in one run
        assert await counts(sessions, old) == (0, len(old))
        assert await counts(sessions, old_but_open) == (1, 0)
        assert await counts(sessions, recent) == (len(recent), 0)

        second = await env.client.execute_workflow(
            ArchivalWorkflow.run,
            ArchivalInput(batch_size=3, cutoff=cutoff),
            id=f"archival-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )
        assert second.moved == 0
        assert await counts(sessions, old) == (0, len(old))
    async with sessions() as session:
        archived = (
            (
                await session.execute(
                    select(ArchiveTransaction).where(ArchiveTransaction.id.in_(old))
                )
            )
            .scalars()
            .all()
        )
        assert sorted(row.id for row in archived) == sorted(old)
        assert all(row.amount == Decimal(1000) and row.tenant_id == tenant_id for row in archived)
        # Transaction reads still find archived rows.
        seen = await repo.InvoiceRepository(session, tenant_id).transactions(created.invoice_id)
    assert {t.id for t in seen} == set(old + old_but_open + recent)


async def test_a_crash_between_copy_and_delete_duplicates_nothing(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
) -> None:
    """A copy that landed without its delete (the state a crash of an older version, or an
    operator's half-done manual move, leaves): the next run finishes it without duplicates."""
    tenant_id = new_tenant()
    created = await create_invoice(sessions, tenant_id)
    ids = await add_transactions(sessions, tenant_id, created.invoice_id, [(3000, "paid")] * 2)
    async with transaction(sessions) as session:
        row = await session.get(PaymentTransaction, ids[0])
        assert row is not None
        session.add(
            ArchiveTransaction(
                **{c: getattr(row, c) for c in COLUMNS},
            )
        )
    async with running_worker(env, sessions, gateways, task_queue):
        await env.client.execute_workflow(
            ArchivalWorkflow.run,
            ArchivalInput(cutoff=years_before(datetime.now(UTC), 7)),
            id=f"archival-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )
    assert await counts(sessions, ids) == (0, 2)


async def test_default_cutoff_is_seven_years_before_now(
    temporal_env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
) -> None:
    """On the dev server (real time), as the daily schedule runs it: no cutoff given."""
    tenant_id = new_tenant()
    created = await create_invoice(sessions, tenant_id)
    old = await add_transactions(sessions, tenant_id, created.invoice_id, [(7 * 365 + 3, "paid")])
    young = await add_transactions(sessions, tenant_id, created.invoice_id, [(7 * 365 - 3, "paid")])
    queue = f"archival-{uuid.uuid4().hex[:8]}"
    async with build_worker(temporal_env.client, sessions, dict(gateways), queue):
        result = await temporal_env.client.execute_workflow(
            ArchivalWorkflow.run, ArchivalInput(), id=queue, task_queue=queue
        )
    assert result.moved >= 1
    assert await counts(sessions, old) == (0, 1)
    assert await counts(sessions, young) == (1, 0)


async def test_worker_creates_the_daily_archival_schedule(temporal_env, database_url) -> None:
    """On the dev server (schedules): ensure_schedules creates it once, idempotently."""
    from workflows.schedules import ARCHIVAL_SCHEDULE_ID, ensure_schedules

    queue = f"sched-{uuid.uuid4().hex[:8]}"
    await ensure_schedules(temporal_env.client, queue)
    await ensure_schedules(temporal_env.client, queue)  # a second worker start: no error
    described = await temporal_env.client.get_schedule_handle(ARCHIVAL_SCHEDULE_ID).describe()
    calendars = described.schedule.spec.calendars
    assert calendars and calendars[0].hour[0].start == 2
    assert described.schedule.action.workflow == "ArchivalWorkflow"
