"""Activity failures that retrying cannot fix become non-retryable, with a readable message.

A value the database refuses (too long, out of range, JSON too deep) or arithmetic on an
impossible value fails the same way on every attempt: retried, it would spin for minutes and
reach the caller as `[<class 'decimal.InvalidOperation'>]`. The worker's interceptor turns them
into `ApplicationError(type="InvalidData", non_retryable=True)` at once; outages still raise
as they are, so Temporal retries them.
"""

from __future__ import annotations

import decimal
import logging
from typing import Any

from pydantic import ValidationError
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from contracts.errors import ErrorType
from db.errors import db_error_message, is_data_error

logger = logging.getLogger("paytrust.activities")


def non_retryable_reason(exc: BaseException) -> str | None:
    """A readable reason if `exc` is deterministic bad data, else None (let Temporal retry)."""
    if is_data_error(exc):
        return f"The database refused a value: {db_error_message(exc)}"
    if isinstance(exc, decimal.DecimalException | OverflowError):
        return f"Invalid value: {type(exc).__name__} in amount or date arithmetic"
    if isinstance(exc, ValidationError):
        fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in exc.errors())
        return f"Invalid value for {fields}"
    return None


class _NonRetryableData(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await self.next.execute_activity(input)
        except ApplicationError:
            raise
        except Exception as exc:
            reason = non_retryable_reason(exc)
            if reason is None:
                raise
            logger.error(
                "activity %s failed on bad data: %s", activity.info().activity_type, reason
            )
            raise ApplicationError(
                reason, type=ErrorType.INVALID_DATA, non_retryable=True
            ) from None


class NonRetryableDataInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _NonRetryableData(next)
