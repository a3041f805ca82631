"""The error envelope and the mapping of failures to status codes (API.md "Conventions").

Services raise `AppError` subclasses (or `domain.errors.DomainError`, a 400); one set of
handlers renders them as `{"error": {...}, "request_id": ...}`. Dependency outages become 503,
anything unexpected a 500 that says nothing about internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from db.errors import db_error_message, is_data_error, is_database_unavailable
from db.pagination import InvalidCursor
from domain.errors import DomainError
from domain.money import MONEY_TYPE_ERROR, MoneyError
from observability.context import current_request_id

logger = logging.getLogger("paytrust.api.errors")


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details
        self.headers = headers


class BusinessRuleError(AppError):
    status_code = 400
    code = "business_rule_violation"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"


class ErrorBody(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every error PayTrust answers."""

    error: ErrorBody
    request_id: str | None = None


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {
        "error": {"code": code, "message": message, "details": details},
        "request_id": current_request_id(),
    }
    return JSONResponse(body, status_code=status_code, headers=headers)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the error codes an endpoint can answer."""
    text = {
        400: "Business rule violated",
        401: "Missing or invalid credentials",
        404: "Not found (or owned by another tenant)",
        409: "Conflict (idempotency key reuse or state conflict)",
        413: "Request body too large",
        422: "Malformed payload",
        429: "Rate limit exceeded",
        503: "A dependency (MySQL, Temporal) is unavailable",
    }
    return {code: {"model": ErrorEnvelope, "description": text[code]} for code in codes}


def is_dependency_outage(exc: BaseException) -> bool:
    """True for failures that mean MySQL or Temporal is unreachable, not that we have a bug."""
    if isinstance(exc, DBAPIError | PoolTimeoutError):
        # By error number: a value MariaDB refused (too long, out of range, JSON too deep) is
        # not an outage, even when the driver calls it an OperationalError.
        return is_database_unavailable(exc)
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    if isinstance(exc, RPCError) and exc.status in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
        RPCStatusCode.RESOURCE_EXHAUSTED,
    ):
        return True
    return isinstance(exc, OSError)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(DomainError)
    async def _domain_error(_: Request, exc: DomainError) -> JSONResponse:
        return error_response(400, exc.code, exc.message)

    @app.exception_handler(MoneyError)
    async def _money_error(_: Request, exc: MoneyError) -> JSONResponse:
        return error_response(400, "invalid_amount", str(exc))

    @app.exception_handler(InvalidCursor)
    async def _invalid_cursor(request: Request, exc: InvalidCursor) -> JSONResponse:
        # A cursor is checked against the list's order where the page is fetched (db/):
        # the same 422 naming `starting_after` as any invalid query parameter.
        error = {"loc": ("query", "starting_after"), "msg": str(exc), "type": "value_error"}
        return await _validation(request, RequestValidationError([error]))

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        return error_response(422, "validation_error", _validation_message(details), details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's "There was an error parsing the body": a malformed payload (422).
            return error_response(422, "validation_error", "Request body is not valid JSON")
        codes = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}
        return error_response(
            exc.status_code,
            codes.get(exc.status_code, "http_error"),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
        )


def _validation_message(details: list[dict[str, Any]]) -> str:
    """Query-string errors name the parameter ("Invalid query parameter 'status': ...")."""
    for detail in details:
        loc = detail["loc"]
        if len(loc) == 2 and loc[0] == "query":
            if detail["type"] == "unknown_parameter":
                return str(detail["msg"])
            return f"Invalid query parameter {loc[1]!r}: {detail['msg']}"
    for detail in details:
        if detail["type"] == MONEY_TYPE_ERROR:
            return f"Request payload is malformed: {detail['msg']}"
    return "Request payload is malformed"


def unexpected_error_response(exc: BaseException, method: str, path: str) -> JSONResponse:
    """A dependency outage is a 503; a value the database refused is the caller's 422 (every
    bound should have caught it first: logged as a warning); anything else is a bug: logged,
    and a bare 500 answered."""
    if is_data_error(exc):
        message = db_error_message(exc)
        logger.warning("database refused a value on %s %s: %s", method, path, message)
        return error_response(422, "invalid_value", f"A value does not fit its field: {message}")
    if is_dependency_outage(exc):
        logger.warning("dependency unavailable on %s %s: %s", method, path, type(exc).__name__)
        return error_response(
            503,
            "service_unavailable",
            "A dependency is temporarily unavailable; retry later",
            headers={"Retry-After": "5"},
        )
    logger.error("unhandled error on %s %s", method, path, exc_info=exc)
    return error_response(500, "internal_error", "Internal server error")
