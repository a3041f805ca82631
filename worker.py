"""The PayTrust worker: hosts the workflows and activities on one task queue.

Run `python worker.py`. Scale by running more of them (per task queue); SIGTERM or SIGINT
drains in-flight activities and stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypedDict

from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.worker import PollerBehavior, PollerBehaviorAutoscaling, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from config import Settings, get_settings, load_settings
from contracts.invoices import InvoiceStarts
from db.engine import create_engine, create_session_factory

logger = logging.getLogger("paytrust.worker")


def workflow_classes() -> Sequence[type]:
    from workflows.archival import ArchivalWorkflow
    from workflows.delivery import WebhookDeliveryWorkflow, WebhookSweeperWorkflow
    from workflows.invoice import InvoiceWorkflow
    from workflows.maintenance import MaintenanceWorkflow
    from workflows.webhook import WebhookWorkflow

    return [
        InvoiceWorkflow,
        WebhookWorkflow,
        MaintenanceWorkflow,
        ArchivalWorkflow,
        WebhookDeliveryWorkflow,
        WebhookSweeperWorkflow,
    ]


def activity_functions(
    client: Client,
    sessions: Any,
    gateways: dict[str, Any],
    task_queue: str,
    accounts: Any = None,
    *,
    payment_sync_scale: float = 1.0,
    settings: Settings | None = None,
) -> list[Any]:
    """Activities are bound methods of objects that receive their dependencies.

    `accounts` (an `AccountDirectory`) serves merchants' own gateway accounts; without one,
    credentials are read under the development key (tests)."""
    from activities.archival import ArchivalActivities
    from activities.deliveries import DeliveryActivities
    from activities.invoices import InvoiceActivities
    from activities.maintenance import MaintenanceActivities
    from activities.overdue import OverdueActivities
    from activities.refunds import RefundActivities
    from activities.webhooks import WebhookActivities
    from gateways.accounts import AccountDirectory
    from gateways.credentials import CredentialCipher

    if accounts is None:
        accounts = AccountDirectory(sessions, gateways, CredentialCipher.from_setting(None))
    invoices = InvoiceActivities(sessions, gateways, accounts, sync_scale=payment_sync_scale)
    settings = settings or get_settings()
    starts = InvoiceStarts(task_queue=task_queue, revision=settings.invoice_workflow_revision)
    webhooks = WebhookActivities(sessions, client, starts, gateways, accounts)
    refunds = RefundActivities(sessions, accounts)
    maintenance = MaintenanceActivities(sessions)
    archival = ArchivalActivities(sessions)
    deliveries = DeliveryActivities(sessions, settings, task_queue)
    return [
        invoices.load_invoice,
        invoices.confirm_invoice_row,
        invoices.create_payment_link,
        invoices.apply_payment_event,
        invoices.expire_invoice,
        invoices.cancel_invoice,
        invoices.modify_invoice,
        invoices.adjust_installments,
        invoices.extend_expiry,
        invoices.reconcile_live_payments,
        invoices.sync_live_payments,
        invoices.expire_gateway_payment,
        invoices.fail_unapplied_event,
        OverdueActivities(sessions).mark_installment_overdue,
        refunds.reserve_refund,
        refunds.submit_refund,
        refunds.load_refund,
        refunds.fail_refund,
        webhooks.resolve_webhook_event,
        webhooks.deliver_to_invoice,
        webhooks.record_webhook_attempt,
        maintenance.purge_expired_idempotency_keys,
        archival.archive_transactions_batch,
        deliveries.deliver_pending,
        deliveries.next_delivery,  # workflows started before `delivery-rounds`
        deliveries.attempt_delivery,
        deliveries.sweep_outbox,
    ]


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox with every import passed through: a workflow run reuses the modules the
    worker already imported instead of re-importing its module tree (pydantic models, domain
    rules) into a fresh sandbox per run, the largest share of worker CPU per new workflow.
    The sandbox still refuses non-deterministic calls; our workflow modules have no import side
    effects and no module state, which is what passing everything through requires."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
    )


class PollerOptions(TypedDict):
    workflow_task_poller_behavior: PollerBehavior
    activity_task_poller_behavior: PollerBehavior


def poller_behaviors() -> PollerOptions:
    """Pollers that scale with the backlog the server reports. The fixed default (5 workflow
    task pollers, one of them on the task queue, the rest on the worker's sticky queue) let a
    creation burst's first workflow tasks queue up behind one poller: a thousand new invoices
    ran their first task up to 15 s after their POST (the stack sustained 34-54 invoices/s
    instead of 68-71/s; docs/performance.md "Creation"). The server's scaling decisions
    (Temporal 1.27+) drive them; at most MAX_POLLERS per queue, so several workers stay well
    inside the frontend's long-poll limits (the SDK's default maximum is 100)."""
    return PollerOptions(
        workflow_task_poller_behavior=PollerBehaviorAutoscaling(maximum=MAX_POLLERS),
        activity_task_poller_behavior=PollerBehaviorAutoscaling(maximum=MAX_POLLERS),
    )


MAX_POLLERS = 20


def build_worker(
    client: Client,
    sessions: Any,
    gateways: dict[str, Any],
    task_queue: str,
    accounts: Any = None,
    *,
    payment_sync_scale: float = 1.0,
    settings: Settings | None = None,
) -> Worker:
    from activities.errors import NonRetryableDataInterceptor
    from notify.interceptor import DispatchAfterInvoiceActivities
    from observability.logs import ActivityLogContextInterceptor

    return Worker(
        client,
        task_queue=task_queue,
        workflows=workflow_classes(),
        workflow_runner=workflow_runner(),
        activities=activity_functions(
            client,
            sessions,
            gateways,
            task_queue,
            accounts,
            payment_sync_scale=payment_sync_scale,
            settings=settings,
        ),
        graceful_shutdown_timeout=timedelta(seconds=20),
        **poller_behaviors(),
        # Log lines of activities carry their invoice / tenant (read from the input).
        # Bad data fails an activity once, readably; outages are retried.
        # After an invoice activity, its new events go to their delivery workflows.
        interceptors=[
            ActivityLogContextInterceptor(),
            NonRetryableDataInterceptor(),
            DispatchAfterInvoiceActivities(sessions, task_queue),
        ],
    )


def temporal_runtime(metrics_bind_address: str | None) -> Runtime:
    """The SDK runtime: Core's logs forwarded into our (JSON) logging, and its metrics served
    for Prometheus at `metrics_bind_address` (host:port) when given."""
    return Runtime(
        telemetry=TelemetryConfig(
            logging=LoggingConfig(
                filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
                forwarding=LogForwardingConfig(logger=logging.getLogger("temporalio.core")),
            ),
            metrics=PrometheusConfig(bind_address=metrics_bind_address)
            if metrics_bind_address
            else None,
        )
    )


def setup_telemetry(settings: Settings) -> None:
    """Before any Temporal client exists: the default runtime (SDK metrics `temporal_*`, Core
    logs) and this process's own metrics (`paytrust_*` from activities), as configured."""
    host = settings.worker_metrics_host
    sdk_port = settings.worker_metrics_port
    app_port = settings.worker_app_metrics_port
    Runtime.set_default(
        temporal_runtime(f"{host}:{sdk_port}" if sdk_port else None), error_if_already_set=False
    )
    if sdk_port:
        logger.info("temporal sdk metrics on http://%s:%s/metrics", host, sdk_port)
    if app_port:
        from prometheus_client import start_http_server

        start_http_server(app_port, addr=host)
        logger.info("worker metrics on http://%s:%s/metrics", host, app_port)


async def run(settings: Settings) -> None:
    from workflows.client import connect_temporal
    from workflows.schedules import ensure_schedules

    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    sessions = create_session_factory(engine)
    from gateways import build_gateways, close_gateways

    gateways = build_gateways(settings)
    setup_telemetry(settings)
    client = await connect_temporal(settings)
    await ensure_schedules(client, settings.temporal_task_queue)
    from gateways.accounts import AccountDirectory
    from gateways.credentials import CredentialCipher

    cipher = CredentialCipher.from_setting(settings.gateway_credentials_secret())
    accounts = AccountDirectory(sessions, gateways, cipher)
    worker = build_worker(
        client,
        sessions,
        gateways,
        settings.temporal_task_queue,
        accounts,
        payment_sync_scale=settings.payment_sync_scale,
        settings=settings,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logger.info("worker started on task queue %s", settings.temporal_task_queue)
    async with worker:
        await stop.wait()
        logger.info("worker stopping: draining in-flight tasks")
    await accounts.aclose()
    await close_gateways(gateways)
    await engine.dispose()


def main() -> None:
    settings = load_settings()
    from observability.logs import configure_logging, settings_secrets

    configure_logging(settings.log_level, settings.log_json, settings_secrets(settings))
    status = 0
    try:
        asyncio.run(run(settings))
    except KeyboardInterrupt:
        pass
    except Exception:
        logger.exception("worker failed")
        status = 1
    # temporalio sdk-python#300: the interpreter can abort at shutdown after using a client.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    main()
