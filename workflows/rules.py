"""The one mapping of a broken business rule to a Temporal failure, shared by the update
validators of `InvoiceWorkflow` and by the activities (which re-check every rule under the
row lock): `DomainError` (or a malformed amount) becomes a non-retryable `ApplicationError`
of type `BusinessRule`, its message verbatim; the api answers 400 with it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio.exceptions import ApplicationError

from contracts.errors import ErrorType
from domain.errors import DomainError
from domain.money import MoneyError


def business_error(
    message: str, error_type: ErrorType = ErrorType.BUSINESS_RULE
) -> ApplicationError:
    return ApplicationError(message, type=error_type, non_retryable=True)


@contextmanager
def domain_rule() -> Iterator[None]:
    """Run a `domain` check; its `DomainError` becomes the `BusinessRule` failure."""
    try:
        yield
    except (DomainError, MoneyError) as exc:
        raise business_error(str(exc)) from None
