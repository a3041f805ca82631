"""What a database error means: the value was wrong, or the database is unreachable.

MariaDB answers both with driver exceptions (asyncmy maps unknown error numbers to
`OperationalError`, so MariaDB's JSON depth limit looks like an outage). The api and the worker
classify them here, by error number, so a data error is the caller's 4xx (or a non-retryable
activity failure) and only an unreachable or overloaded server is "unavailable".
"""

from __future__ import annotations

from typing import Final

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# The server is fine, the value is not: truncation, out of range, bad JSON, CHECK failures.
DATA_ERROR_CODES: Final = frozenset(
    {
        1048,  # column cannot be null
        1264,  # out of range value
        1265,  # data truncated
        1292,  # incorrect datetime/double value
        1366,  # incorrect string/integer value
        1367,  # illegal value during parsing
        1406,  # data too long for column
        1416,  # cannot get geometry object (invalid value)
        1690,  # value out of range in an expression
        3140,  # invalid JSON text (MySQL)
        3157,  # JSON document exceeds the maximum depth (MySQL)
        4025,  # CONSTRAINT ... failed (MariaDB CHECK, e.g. JSON_VALID)
        4038,  # syntax error in JSON text (MariaDB)
        4040,  # limit of 32 on JSON nested structures depth is reached (MariaDB)
    }
)
# The server cannot serve us right now: connection lost or refused, access refused, shutting
# down, read-only during a failover, overloaded, or a transient lock conflict to retry.
UNAVAILABLE_CODES: Final = frozenset(
    {
        1040,  # too many connections
        1044,  # access denied to the database (credentials rotated, grants changed)
        1045,  # access denied for the user
        1053,  # server shutdown in progress
        1129,  # host blocked after connection errors
        1203,  # user has exceeded max_user_connections
        1205,  # lock wait timeout
        1213,  # deadlock
        1226,  # user resource limit exceeded
        1290,  # server running with --read-only (failover in progress)
        1317,  # query execution was interrupted
        1792,  # read-only transaction
        1836,  # read-only mode
        1927,  # connection was killed (MariaDB)
        1969,  # max_statement_time exceeded (MariaDB)
        2002,  # cannot connect (socket)
        2003,  # cannot connect (TCP)
        2006,  # server has gone away
        2013,  # lost connection during query
        2014,  # commands out of sync (broken connection)
        2055,  # lost connection (system error)
        4031,  # disconnected by the server for inactivity
    }
)


def db_error_code(exc: BaseException) -> int | None:
    """The MariaDB error number behind a (wrapped) driver exception, if there is one."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int):
        return args[0]
    return None


def db_error_message(exc: BaseException) -> str:
    """MariaDB's own one-line message (never the SQL statement or its parameters)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    args: tuple[object, ...] = tuple(getattr(orig, "args", ()))
    if len(args) > 1 and isinstance(args[1], str):
        return args[1][:300]
    return type(orig).__name__


def is_data_error(exc: BaseException) -> bool:
    """A value the database refused: never an outage, never worth retrying as is."""
    if not isinstance(exc, DBAPIError) or isinstance(exc, IntegrityError):
        return False
    if exc.connection_invalidated:
        return False
    return isinstance(exc, DataError) or db_error_code(exc) in DATA_ERROR_CODES


def is_database_unavailable(exc: BaseException) -> bool:
    """MariaDB unreachable or refusing work for now (connection loss, pool exhausted)."""
    if isinstance(exc, PoolTimeoutError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    code = db_error_code(exc)
    if code in UNAVAILABLE_CODES:
        return True
    # An OperationalError without a server error number comes from the driver's socket.
    return isinstance(exc, OperationalError) and code is None
