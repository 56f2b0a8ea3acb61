"""Structured logs: the request id of the web request (or of the request that queued a Celery task), and the
task's id and name, on every log record; one JSON object per line in production.

- `request_id`, `task_id`, `task_name`: context variables. parindex.middleware.RequestIdMiddleware sets the first
  for each request; parindex.celery's signal handlers carry it in the task message's headers and set all three
  while a task runs (in a worker, and inline when CELERY_TASK_ALWAYS_EAGER).
- `ContextFilter`, on the console handler (settings.LOGGING): copies them onto each record that reaches the
  handler, whichever logger it came from ("-" when not in a request or a task).
- `JsonFormatter` (python-json-logger): time (ISO 8601, UTC), level, logger, message, request_id, task_id,
  task_name, exc_info (the formatted traceback) and whatever `extra` a caller gave; non-ASCII text (Vietnamese)
  is written as UTF-8, not as \\u escapes.

Outside the layers, like settings and celery: it imports nothing of the project.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

NONE = "-"  # the value of a field outside a request or a task: always present, so a query can rely on it

request_id: ContextVar[str | None] = ContextVar("parindex_request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("parindex_task_id", default=None)
task_name: ContextVar[str | None] = ContextVar("parindex_task_name", default=None)

# An id given by a client or a proxy is kept only when it is a short plain token: no spaces, quotes or control
# characters that would break a log line or a header, and not long enough to flood the logs.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

# The name of the header in Celery task messages that carries the request id (a worker sees it on task.request).
TASK_HEADER = "parindex_request_id"


def sane_request_id(value: str | None) -> str | None:
    """`value` when it is a usable request id (1 to 64 of A-Z a-z 0-9 . _ -), else None."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return None


def new_request_id() -> str:
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Puts request_id, task_id and task_name on every record (a record that already has them keeps them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in (("request_id", request_id), ("task_id", task_id), ("task_name", task_name)):
            if getattr(record, name, None) is None:
                setattr(record, name, var.get() or NONE)
        return True


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per record, with fixed field names (see the module docstring)."""

    FIELDS = "{levelname}{name}{message}{request_id}{task_id}{task_name}"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", self.FIELDS)
        kwargs.setdefault("style", "{")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")  # record.created as ISO 8601 in UTC
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(**kwargs)


class AccessLogFilter(logging.Filter):
    """gunicorn's access lines (gunicorn.conf.py): the request's id, as the app sent it back in the X-Request-ID
    response header, and the request's method, path, status and duration as fields of their own. gunicorn
    logs each line with its values (its "atoms") as the record's arguments."""

    FIELDS = {"remote": "h", "method": "m", "path": "U", "status": "s", "bytes": "b", "duration_ms": "M"}

    def filter(self, record: logging.LogRecord) -> bool:
        atoms = record.args
        if not isinstance(atoms, Mapping):
            return True
        request = atoms.get("{x-request-id}o")  # gunicorn lower-cases the header names
        record.request_id = sane_request_id(str(request) if request else None) or NONE
        for field, atom in self.FIELDS.items():
            if atom in atoms:
                value = atoms[atom]
                if field == "status" and str(value).isdigit():
                    value = int(str(value))
                setattr(record, field, value)
        return True
