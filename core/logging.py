"""Request ids in every log record, and one JSON object per line for log collectors.

``RequestIdMiddleware`` (core.middleware) puts the id of the current request into ``request_id``; the
``RequestIdFilter`` copies it onto each record, so a plain or JSON line can be matched to the request (and to the
Celery task that request scheduled: core.tasks.enqueue passes the id along). ``JsonFormatter`` writes the
record's own fields only — the message, where it came from and the exception — never a request body or headers.
"""

import contextvars
import json
import logging
import uuid
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# An incoming X-Request-ID is reused only when it looks like an id: no spaces, no quotes, bounded length
# (it is written into every log line and echoed in a response header).
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")
MAX_REQUEST_ID_LENGTH = 100


def clean_request_id(value: str | None) -> str:
    """The incoming id if it is safe to log and echo, a new one otherwise."""
    if value and len(value) <= MAX_REQUEST_ID_LENGTH and set(value) <= _ALLOWED:
        return value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (``-`` outside a request) so formatters may use ``%(request_id)s``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the source location and the
    exception. Only these fields are written: the ``request`` object Django attaches to its error records (with
    headers, cookies and the body) is deliberately left out."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
            "module": record.module,
            "line": record.lineno,
            "process": record.process,
        }
        status = getattr(record, "status_code", None)  # django.request and django.server add it
        if isinstance(status, int):
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
