"""Typed references to workflows, updates, signals and activities.

A reference is a name plus the types that cross with it, so a caller writes
`handle.execute_update(ref.name, arg, result_type=ref.result)` through a helper that checks
the argument's type, and never spells a name as a string literal. The handlers are registered
under `ref.name`, and `tests/unit/test_contract_refs.py` checks every reference against the
definition it names (name, argument type, result type).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class WorkflowRef(Generic[In, Out]):
    name: str
    input: Any  # None for a workflow without an argument
    result: Any  # the result's type (a class, or a union such as `X | None`)


@dataclass(frozen=True)
class UpdateRef(Generic[In, Out]):
    name: str
    request: type[In]
    result: Any


@dataclass(frozen=True)
class SignalRef(Generic[In]):
    name: str
    payload: Any  # the payload's type; None for a signal without one


@dataclass(frozen=True)
class ActivityRef(Generic[In, Out]):
    name: str
    input: Any  # None for an activity without an argument
    result: Any
