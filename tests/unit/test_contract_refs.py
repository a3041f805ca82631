"""Every typed reference in `contracts.workflows` names a real handler with the same types:
the api calls workflows, updates and signals through these references, so a renamed handler
or a changed argument type fails here instead of at the first request in production."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.workflow import _Definition

from contracts import workflows as refs
from contracts.refs import SignalRef, UpdateRef, WorkflowRef
from workflows.invoice import InvoiceWorkflow
from workflows.webhook import WebhookWorkflow

DEFINITIONS = {
    d.name: d for d in (_Definition.must_from_class(c) for c in (InvoiceWorkflow, WebhookWorkflow))
}


def _refs(kind: type[Any]) -> list[Any]:
    return [value for value in vars(refs).values() if isinstance(value, kind)]


@pytest.mark.parametrize("ref", _refs(WorkflowRef), ids=lambda r: r.name)
def test_workflow_reference_matches_its_definition(ref: WorkflowRef[Any, Any]) -> None:
    definition = DEFINITIONS[ref.name]
    assert definition.arg_types == [ref.input]
    assert definition.ret_type == ref.result


@pytest.mark.parametrize("ref", _refs(UpdateRef), ids=lambda r: r.name)
def test_update_reference_matches_its_handler(ref: UpdateRef[Any, Any]) -> None:
    handler = DEFINITIONS["InvoiceWorkflow"].updates[ref.name]
    assert handler.arg_types == [ref.request]
    assert handler.ret_type == ref.result


@pytest.mark.parametrize("ref", _refs(SignalRef), ids=lambda r: r.name)
def test_signal_reference_matches_its_handler(ref: SignalRef[Any]) -> None:
    handler = DEFINITIONS["InvoiceWorkflow"].signals[ref.name]
    assert handler.arg_types == ([] if ref.payload is None else [ref.payload])


def test_every_update_and_signal_has_a_reference() -> None:
    definition = DEFINITIONS["InvoiceWorkflow"]
    assert set(definition.updates) == {r.name for r in _refs(UpdateRef)}
    assert set(definition.signals) == {r.name for r in _refs(SignalRef)}
