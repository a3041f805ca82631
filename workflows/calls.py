"""How a workflow calls an activity: by its typed reference (`contracts.activities`), so
workflow code never imports the activities (which reach MySQL, the gateways and HTTP).

`run_activity(REF, arg, ...)` schedules the activity named `REF.name` and decodes its result
as `REF.result`: the same command as `execute_activity_method`, so recorded histories replay.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from contracts.refs import ActivityRef

In = TypeVar("In")
Out = TypeVar("Out")


async def run_activity(
    ref: ActivityRef[In, Out],
    arg: In,
    *,
    start_to_close_timeout: timedelta | None = None,
    schedule_to_close_timeout: timedelta | None = None,
    heartbeat_timeout: timedelta | None = None,
    retry_policy: RetryPolicy | None = None,
    local: bool = False,
) -> Out:
    """Run the activity `ref` with `arg` (pass `None` for an activity without an argument).

    `local=True` runs it as a local activity: inside the workflow task that asks for it, on
    this worker, its result recorded as a marker (no activity task to schedule, dispatch and
    complete), for short reads; it takes no heartbeat timeout.
    """
    args: list[Any] = [] if ref.input is None else [arg]
    if local:
        assert heartbeat_timeout is None, "a local activity does not heartbeat"
        local_result: Out = await workflow.execute_local_activity(
            ref.name,
            args=args,
            result_type=ref.result,
            start_to_close_timeout=start_to_close_timeout,
            schedule_to_close_timeout=schedule_to_close_timeout,
            retry_policy=retry_policy,
        )
        return local_result
    result: Out = await workflow.execute_activity(
        ref.name,
        args=args,
        result_type=ref.result,
        start_to_close_timeout=start_to_close_timeout,
        schedule_to_close_timeout=schedule_to_close_timeout,
        heartbeat_timeout=heartbeat_timeout,
        retry_policy=retry_policy,
    )
    return result
