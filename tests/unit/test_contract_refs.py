"""Every typed reference in `contracts.workflows` and `contracts.activities` names a real
handler with the same types: the api calls workflows, updates and signals, and workflows call
activities, through these references, so a renamed handler or a changed argument type fails
here instead of at the first request in production."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio import activity
from temporalio.workflow import _Definition

from activities.archival import ArchivalActivities
from activities.deliveries import DeliveryActivities
from activities.invoices import InvoiceActivities
from activities.maintenance import MaintenanceActivities
from activities.overdue import OverdueActivities
from activities.refunds import RefundActivities
from activities.webhooks import WebhookActivities
from contracts import activities as activity_refs
from contracts import workflows as refs
from contracts.refs import ActivityRef, SignalRef, UpdateRef, WorkflowRef
from workflows.delivery import WebhookDeliveryWorkflow, WebhookSweeperWorkflow
from workflows.invoice import InvoiceWorkflow
from workflows.webhook import WebhookWorkflow

WORKFLOWS = (InvoiceWorkflow, WebhookWorkflow, WebhookDeliveryWorkflow, WebhookSweeperWorkflow)
DEFINITIONS = {d.name: d for d in (_Definition.must_from_class(c) for c in WORKFLOWS)}


ACTIVITY_CLASSES = (
    InvoiceActivities,
    OverdueActivities,
    RefundActivities,
    WebhookActivities,
    MaintenanceActivities,
    ArchivalActivities,
    DeliveryActivities,
)


def _refs_in(module: Any, kind: type[Any]) -> list[Any]:
    return [value for value in vars(module).values() if isinstance(value, kind)]


def _refs(kind: type[Any]) -> list[Any]:
    return _refs_in(refs, kind)


@pytest.mark.parametrize("ref", _refs(WorkflowRef), ids=lambda r: r.name)
def test_workflow_reference_matches_its_definition(ref: WorkflowRef[Any, Any]) -> None:
    definition = DEFINITIONS[ref.name]
    assert definition.arg_types == ([] if ref.input is None else [ref.input])
    assert definition.ret_type == ref.result


@pytest.mark.parametrize("ref", _refs(UpdateRef), ids=lambda r: r.name)
def test_update_reference_matches_its_handler(ref: UpdateRef[Any, Any]) -> None:
    (handler,) = [d.updates[ref.name] for d in DEFINITIONS.values() if ref.name in d.updates]
    assert handler.arg_types == [ref.request]
    assert handler.ret_type == ref.result


@pytest.mark.parametrize("ref", _refs(SignalRef), ids=lambda r: r.name)
def test_signal_reference_matches_its_handler(ref: SignalRef[Any]) -> None:
    (handler,) = [d.signals[ref.name] for d in DEFINITIONS.values() if ref.name in d.signals]
    assert handler.arg_types == ([] if ref.payload is None else [ref.payload])


def test_every_update_and_signal_has_a_reference() -> None:
    updates = {name for d in DEFINITIONS.values() for name in d.updates if name is not None}
    signals = {name for d in DEFINITIONS.values() for name in d.signals if name is not None}
    assert updates == {r.name for r in _refs(UpdateRef)}
    assert signals == {r.name for r in _refs(SignalRef)}
    assert set(DEFINITIONS) == {r.name for r in _refs(WorkflowRef)}


def test_every_registered_activity_has_a_reference() -> None:
    assert set(ACTIVITIES) == {r.name for r in _refs_in(activity_refs, ActivityRef)}


def _activity_definitions() -> dict[str, activity._Definition]:
    found: dict[str, activity._Definition] = {}
    for cls in ACTIVITY_CLASSES:
        for attr in vars(cls).values():
            definition = activity._Definition.from_callable(attr)
            if definition is not None and definition.name is not None:
                found[definition.name] = definition
    return found


ACTIVITIES = _activity_definitions()


@pytest.mark.parametrize("ref", _refs_in(activity_refs, ActivityRef), ids=lambda r: r.name)
def test_activity_reference_matches_the_registered_activity(ref: ActivityRef[Any, Any]) -> None:
    definition = ACTIVITIES[ref.name]
    assert definition.arg_types == ([] if ref.input is None else [ref.input])
    assert definition.ret_type == (type(None) if ref.result is None else ref.result)
