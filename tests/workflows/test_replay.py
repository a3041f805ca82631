"""Running invoices survive code changes (TESTING.md "Replay"): recorded histories of real runs
replay deterministically against today's workflow code. Record new ones with
`PAYTRUST_RECORD_HISTORIES=1 make test PYTEST_ARGS=tests/workflows` after an intended change
(guarded by `workflow.patched`, or folded into a new `INVOICE_WORKFLOW_REVISION`) under new
names: an existing file is never recorded over (`=overwrite` forces it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from worker import workflow_classes, workflow_runner

HISTORIES = sorted((Path(__file__).resolve().parent.parent / "histories").glob("*.json"))


def test_there_are_recorded_histories() -> None:
    names = {path.stem for path in HISTORIES}
    assert {
        "invoice-initiated-then-expired",
        "invoice-local-confirmation-initiated-then-expired",
        "invoice-confirmed-at-once-initiated-then-expired",
        "invoice-confirmation-rolled-back-orphan",
        "invoice-revision-1-initiated-then-expired",
        "invoice-revision-1-rolled-back-orphan",
        "invoice-revision-1-partial-payments-continued-as-new",
        "invoice-revision-2-asleep-rolled-back-orphan",
        "invoice-revision-2-asleep-then-expired",
        "invoice-revision-2-woken-by-update-then-expired",
        "invoice-partial-payments-continued-as-new",
        "invoice-installments-overpayment",
        "webhook-retried-to-permanent-failure",
        "invoice-merchant-refund-settled-by-notification",
        "delivery-one-step-per-event-three-failures",
        "delivery-three-failures-then-in-order",
    } <= names, names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    workflow_id = path.stem
    history = WorkflowHistory.from_json(workflow_id, path.read_text())
    replayer = Replayer(
        workflows=workflow_classes(),
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),  # the worker's sandbox
    )
    await replayer.replay_workflow(history)
