"""Workflow-tier helpers: invoices written the way the api writes them, gateway events built
from real-looking callbacks, and readers of Temporal histories and MySQL rows.

Nothing is mocked: invoices are real rows (domain.drafts.plan_invoice → db.drafting), events
are parsed by the production Xendit client, and the workflows run on the time-skipping server.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from contracts.gateway_events import WebhookEvent as GatewayEvent
from contracts.invoices import InvoiceSnapshot
from contracts.webhooks import WebhookInput
from db import invoices as repo
from db.drafting import insert_invoice
from db.engine import SessionFactory, transaction
from db.gateways import GatewayRepository
from db.models import (
    ArchiveTransaction,
    GatewayPayment,
    Invoice,
    PaymentTransaction,
    WebhookEvent,
    WebhookRetryLog,
)
from domain.drafts import LineItemIn, plan_invoice
from domain.money import Currency
from domain.timeutil import utcnow
from domain.totals import FeeSchedule
from gateways.base import PaymentGateway, PaymentRequest
from gateways.wire import iso_utc_millis
from worker import build_worker

XENDIT_GATEWAY_ID = 1


def new_tenant() -> str:
    return f"wf-{uuid.uuid4().hex[:12]}"


def new_task_queue() -> str:
    return f"wf-test-{uuid.uuid4().hex[:10]}"


class DraftOptions(TypedDict, total=False):
    expires_in: timedelta
    unit_price: str
    quantity: int
    tax_rate: str
    currency: Currency
    gateway_id: int


async def create_invoice(
    sessions: SessionFactory, tenant_id: str, **options: Unpack[DraftOptions]
) -> InvoiceSnapshot:
    """A draft invoice row (lines, totals, fee locked), as `POST /invoices` writes it."""
    async with transaction(sessions) as session:
        return await insert_draft(session, tenant_id, **options)


async def insert_draft(
    session: AsyncSession, tenant_id: str, **options: Unpack[DraftOptions]
) -> InvoiceSnapshot:
    """`create_invoice` in the caller's transaction (which commits it, or not)."""
    expires_in = options.get("expires_in", timedelta(hours=24))
    currency = options.get("currency", Currency.IDR)
    gateway_id = options.get("gateway_id", XENDIT_GATEWAY_ID)
    now = utcnow()
    gateway = await GatewayRepository(session).get_gateway(gateway_id)
    assert gateway is not None
    fee_row = next(f for f in gateway.fees if f.currency == currency.value)
    fee = FeeSchedule(fee_percentage=fee_row.fee_percentage, fee_fixed=fee_row.fee_fixed)
    plan = plan_invoice(
        currency=currency,
        fee=fee,
        line_items=[
            LineItemIn(
                description="Widget",
                quantity=options.get("quantity", 2),
                unit_price=options.get("unit_price", "50000"),
                tax_rate=options.get("tax_rate", "0.11"),
                tax_category="VAT",
            )
        ],
        installments=None,
        expires_at=now + expires_in,
        now=now,
    )
    invoice, _, schedule = await insert_invoice(
        repo.InvoiceRepository(session, tenant_id),
        external_id=f"order-{uuid.uuid4().hex[:12]}",
        gateway_id=gateway_id,
        fee=fee,
        plan=plan,
        description="Workflow test order",
        customer={"name": "Ani", "email": "ani@example.com"},
        metadata=None,
        original_invoice_id=None,
        now=now,
    )
    return repo.snapshot(invoice, gateway.name, schedule)


async def invoice_row(sessions: SessionFactory, tenant_id: str, invoice_id: int) -> Invoice:
    async with sessions() as session:
        invoice = await repo.InvoiceRepository(session, tenant_id).get(invoice_id)
        assert invoice is not None
        return invoice


async def paid_transactions(
    sessions: SessionFactory, tenant_id: str, invoice_id: int
) -> list[PaymentTransaction | ArchiveTransaction]:
    async with sessions() as session:
        return await repo.InvoiceRepository(session, tenant_id).transactions(invoice_id)


async def webhook_rows(
    sessions: SessionFactory, gateway: str, event_id: str
) -> tuple[WebhookEvent | None, list[WebhookRetryLog]]:
    async with sessions() as session:
        event = (
            await session.execute(
                select(WebhookEvent).where(
                    WebhookEvent.gateway == gateway, WebhookEvent.event_id == event_id
                )
            )
        ).scalar_one_or_none()
        if event is None:
            return None, []
        log = (
            (
                await session.execute(
                    select(WebhookRetryLog)
                    .where(WebhookRetryLog.webhook_event_id == event.id)
                    .order_by(WebhookRetryLog.attempt_number)
                )
            )
            .scalars()
            .all()
        )
        return event, list(log)


def xendit_paid_callback(
    *,
    merchant_reference: str,
    amount: Decimal,
    currency: str = "IDR",
    reference: str | None = None,
) -> bytes:
    """A Xendit invoice callback body (status PAID), shaped like the sandbox's and Xendit's."""
    now = utcnow()
    reference = reference or f"65{uuid.uuid4().hex[:22]}"
    body: dict[str, Any] = {
        "id": reference,
        "external_id": merchant_reference,
        "user_id": "5f1e4b9a3c2d1e0012345678",
        "status": "PAID",
        "merchant_name": "PayTrust Test Merchant",
        "amount": int(amount) if currency == "IDR" else f"{amount:f}",
        "paid_amount": int(amount) if currency == "IDR" else f"{amount:f}",
        "currency": currency,
        "description": "Workflow test order",
        "payment_method": "BANK_TRANSFER",
        "payment_channel": "BCA",
        "payment_destination": "8808999912345678",
        "payment_id": f"pay-{uuid.uuid4().hex[:16]}",
        "paid_at": iso_utc_millis(now),
        "created": iso_utc_millis(now - timedelta(minutes=5)),
        "updated": iso_utc_millis(now),
    }
    return json.dumps(body).encode()


async def issued_link(
    sessions: SessionFactory,
    gateway: PaymentGateway,
    invoice: InvoiceSnapshot,
    amount: Decimal,
) -> GatewayPayment:
    """A real Xendit invoice at the sandbox for `invoice`, stored as the payment link
    `create_payment_link` would store (webhooks only ever match links PayTrust issued)."""
    created = await gateway.create_payment(
        PaymentRequest(
            invoice_id=invoice.invoice_id,
            amount=amount,
            currency=Currency.IDR,
            description="Workflow test order",
            expires_at=utcnow() + timedelta(hours=2),
        )
    )
    async with transaction(sessions) as session:
        row = GatewayPayment(
            tenant_id=invoice.tenant_id,
            invoice_id=invoice.invoice_id,
            installment_number=None,
            attempt=1,
            gateway_id=XENDIT_GATEWAY_ID,
            reference=created.reference,
            merchant_reference=created.merchant_reference,
            payment_url=created.payment_url,
            amount=amount,
            currency="IDR",
            status="live",
            expires_at=created.expires_at.replace(tzinfo=None),
        )
        session.add(row)
    return row


async def paid_at_sandbox(control: Any, reference: str, amount: Decimal) -> bytes:
    """Pay the sandbox invoice and return its PAID callback body, exactly as Xendit sends it
    (the sandbox's own delivery goes to a port nobody listens on)."""
    paid = await control.post(f"/_sandbox/payments/{reference}/pay", json={"amount": str(amount)})
    assert paid.status_code == 200, paid.text
    log = await control.get("/_sandbox/webhooks", params={"reference": reference})
    [delivery] = [d for d in log.json()["data"] if d["event"] == "PAID"]
    return str(delivery["payload"]).encode()


def webhook_input(gateway: PaymentGateway, body: bytes, token: str) -> WebhookInput:
    """Verified and parsed by the production gateway client, as `POST /webhooks/xendit` does."""
    gateway.verify_webhook({"x-callback-token": token}, body)
    event = gateway.parse_webhook(body)
    return WebhookInput(
        gateway="xendit",
        event=event,
        payload=body.decode(),
        received_at=utcnow(),
    )


def paid_event(
    *, invoice_id: int, amount: Decimal, transaction_id: str, reference: str
) -> GatewayEvent:
    """A normalized `paid` event, as the Xendit client produces for a partial payment."""
    from contracts.gateway_events import EventKind

    return GatewayEvent(
        gateway="xendit",
        kind=EventKind.PAID,
        event_id=f"{transaction_id}:PAID",
        gateway_transaction_id=transaction_id,
        reference=reference,
        merchant_reference=f"pt-{invoice_id}-0-1",
        invoice_id=invoice_id,
        installment_number=None,
        amount=amount,
        currency=Currency.IDR,
        occurred_at=utcnow(),
        raw={"id": transaction_id, "status": "PAID", "paid_amount": int(amount)},
    )


# --- Temporal histories -------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    type: int
    at: datetime
    activity: str | None
    raw: HistoryEvent


async def history(handle: WorkflowHandle[Any, Any]) -> list[Event]:
    events = []
    scheduled_names: dict[int, str] = {}
    async for raw in handle.fetch_history_events():
        at = raw.event_time.ToDatetime().replace(tzinfo=UTC)
        name: str | None = None
        if raw.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            name = raw.activity_task_scheduled_event_attributes.activity_type.name
            scheduled_names[raw.event_id] = name
        elif raw.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            name = scheduled_names.get(
                raw.activity_task_completed_event_attributes.scheduled_event_id
            )
        elif raw.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            name = scheduled_names.get(raw.activity_task_failed_event_attributes.scheduled_event_id)
        events.append(Event(raw.event_type, at, name, raw))
    return events


def of(events: list[Event], event_type: int, activity: str | None = None) -> list[Event]:
    return [
        e for e in events if e.type == event_type and (activity is None or e.activity == activity)
    ]


def _local_activity_markers(events: list[Event]) -> list[dict[str, Any]]:
    markers = []
    for e in of(events, EventType.EVENT_TYPE_MARKER_RECORDED):
        marker = e.raw.marker_recorded_event_attributes
        if marker.marker_name == "core_local_activity":
            markers.append(json.loads(marker.details["data"].payloads[0].data))
    return markers


def patch_markers(events: list[Event]) -> list[str]:
    """The patch ids a history records (`workflow.patched` asked in a new run)."""
    ids = []
    for e in of(events, EventType.EVENT_TYPE_MARKER_RECORDED):
        marker = e.raw.marker_recorded_event_attributes
        if marker.marker_name == "core_patch":
            ids.append(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return ids


def first_task_commands(events: list[Event]) -> list[int]:
    """The event types the first workflow task's completion recorded (up to the next event
    that is not a command's: a task scheduled, an update, a signal...)."""
    completed = next(
        i for i, e in enumerate(events) if e.type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
    )
    commands = []
    for e in events[completed + 1 :]:
        if e.type not in COMMAND_EVENTS:
            break
        commands.append(e.type)
    return commands


COMMAND_EVENTS = {
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
}


def local_activities(events: list[Event]) -> list[str]:
    """The activity types of the local activities a history records (their markers)."""
    return [m["activity_type"] for m in _local_activity_markers(events)]


def local_activity_attempts(events: list[Event]) -> list[int]:
    """How many attempts each recorded local activity took."""
    return [int(m["attempt"]) for m in _local_activity_markers(events)]


async def eventually(
    probe: Callable[[], Awaitable[Any]],
    accept: Callable[[Any], bool],
    *,
    timeout: float = 20.0,
    interval: float = 0.05,
    what: str = "condition",
) -> Any:
    """Poll `probe` (real time, small interval) until `accept(result)`; errors count as misses."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = await probe()
            if accept(last):
                return last
        except Exception as exc:  # a query racing a new run, a reset socket
            last = exc
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met after {timeout}s; last: {last!r}")
        await asyncio.sleep(interval)


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    gateways: dict[str, PaymentGateway],
    task_queue: str,
) -> AsyncIterator[None]:
    """`worker.build_worker` exactly as `python worker.py` builds it, on this test's queue."""
    async with build_worker(env.client, sessions, dict(gateways), task_queue):
        yield


HISTORIES = Path(__file__).resolve().parent.parent / "histories"


async def keep_history(handle: WorkflowHandle[Any, Any], name: str) -> None:
    """With PAYTRUST_RECORD_HISTORIES=1, save the run's history as tests/histories/{name}.json
    for the replay test (TESTING.md "Replay"): record again when workflow code changes on
    purpose (behind `workflow.patched`), keeping the old files beside the new ones."""
    recording = os.environ.get("PAYTRUST_RECORD_HISTORIES")
    if not recording:
        return
    path = HISTORIES / f"{name}.json"
    if path.exists() and recording != "overwrite":
        # The file replays runs of older code (e.g. revision 0 of InvoiceWorkflow): recording
        # over it would lose that. Record under a new name (or set it to "overwrite").
        return
    HISTORIES.mkdir(exist_ok=True)
    history = await handle.fetch_history()
    path.write_text(history.to_json())
