"""Handing outbox rows to their delivery workflow: one `WebhookDeliveryWorkflow` per
(endpoint, invoice), started or signalled with signal-with-start, so a running one just
learns there is more to send and a finished one starts again.

Called after the transaction that wrote the rows has committed: by the worker after every
invoice activity (worker interceptor), by the api after a retry, a ping or a re-enable, and
by the sweeper (`paytrust-webhook-sweeper`, every minute) for rows nobody picked up (a crash
between the commit and the hand-over). Handing over twice is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

from contracts.deliveries import DeliveryPair
from contracts.workflows import DELIVERY_WORKFLOW, NEW_WORK, RETRY_NOW, delivery_workflow_id
from db.engine import SessionFactory

logger = logging.getLogger("paytrust.notify")


async def hand_over(
    client: Client,
    task_queue: str,
    pairs: Iterable[tuple[int, int]],
    *,
    retry_now: bool = False,
) -> int:
    """Signal-with-start each pair's workflow; returns how many were handed over."""
    count = 0
    for endpoint_id, invoice_key in pairs:
        await client.start_workflow(
            DELIVERY_WORKFLOW.name,
            DeliveryPair(endpoint_id=endpoint_id, invoice_key=invoice_key),
            id=delivery_workflow_id(endpoint_id, invoice_key),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            start_signal=(RETRY_NOW if retry_now else NEW_WORK).name,
        )
        count += 1
    return count


async def dispatch_invoice(
    sessions: SessionFactory,
    client: Client,
    task_queue: str,
    tenant_id: str,
    invoice_id: int | None,
) -> int:
    """Hand over the invoice's (or, for None, the tenant's) outbox rows nobody owns yet."""
    from db.events import EventRepository

    async with sessions() as session:
        pairs = await EventRepository(session, tenant_id).undispatched_pairs(invoice_id)
    return await hand_over(client, task_queue, pairs) if pairs else 0


async def dispatch_quietly(
    sessions: SessionFactory,
    client: Client,
    task_queue: str,
    tenant_id: str,
    invoice_id: int | None,
) -> None:
    """`dispatch_invoice` after a commit, on the fast path: a failure loses nothing (the
    sweeper hands the rows over within a minute), so it is logged, not raised."""
    try:
        await dispatch_invoice(sessions, client, task_queue, tenant_id, invoice_id)
    except Exception as exc:
        logger.warning("webhook hand-over left to the sweeper: %s", type(exc).__name__)
