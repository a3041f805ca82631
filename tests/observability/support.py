"""Capturing every log record of the process (api, in-process worker, workflows) as it is
emitted: the raw record and its JSON line, formatted in the emitting context."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from typing import Any

from observability.logs import JsonFormatter

_RECORD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__)


class CaptureHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.formatter_json = JsonFormatter()
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Formatted here, in the context (request, activity, workflow) that logged it.
        self.lines.append(self.formatter_json.format(record))
        self.records.append(record)

    def raw_texts(self) -> Iterator[str]:
        """Everything a record carries, unredacted: message, args, extras, exception."""
        plain = logging.Formatter()
        for record in self.records:
            parts = [record.getMessage(), repr(record.args), str(record.msg)]
            for key, value in record.__dict__.items():
                if key not in _RECORD_ATTRS:
                    parts.append(f"{key}={value!r}")
            if record.exc_info:
                parts.append(plain.formatException(record.exc_info))
            if record.stack_info:
                parts.append(record.stack_info)
            yield "\n".join(parts)

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


@contextlib.contextmanager
def capture_logs(level: int = logging.INFO) -> Iterator[CaptureHandler]:
    root = logging.getLogger()
    handler = CaptureHandler()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
