"""The API's call log, written in batches.

An INSERT of its own per call cost ~0.3 ms of Python and a commit of PostgreSQL's — about a tenth of a whole
cached call. The calls of a process are gathered and written together: when ``API_CALL_LOG_BATCH`` have
gathered, when the oldest has waited ``FLUSH_SECONDS`` (checked by each call and by a thread that wakes that
often, so a quiet process does not hold rows), and when the process ends. Each row keeps the moment of its call.

What a batch can lose: the rows of the last second of a process killed outright (SIGKILL, out of memory). A
failed write is reported in the log with the number of rows. ``API_CALL_LOG_BATCH = 1`` writes each call at
once (the tests do, to look at the row of the call they made).
"""

import atexit
import logging
import os
import threading
import time

from django.conf import settings
from django.db import connection

from .models import ApiCallLog

logger = logging.getLogger("api")

FLUSH_SECONDS = 1.0


class _Batch:
    def __init__(self, *, wake: bool = True):
        self._rows: list[ApiCallLog] = []
        self._oldest = 0.0
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._wake_thread = wake  # off in tests that must see every write in their own transaction
        self.stopped = threading.Event()

    def add(self, row: ApiCallLog) -> None:
        if getattr(settings, "API_CALL_LOG_BATCH", 1) <= 1:
            row.save()
            return
        self._ensure_thread()
        with self._lock:
            if not self._rows:
                self._oldest = time.monotonic()
            self._rows.append(row)
            due = len(self._rows) >= settings.API_CALL_LOG_BATCH
        if due or self._overdue():
            self.flush()

    def _overdue(self) -> bool:
        return bool(self._rows) and time.monotonic() - self._oldest >= FLUSH_SECONDS

    def flush(self) -> int:
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return 0
        try:
            ApiCallLog.objects.bulk_create(rows)
        except Exception:  # noqa: BLE001 - the log must never break an answer
            logger.exception("Журнал вызовов API: не записано строк: %d", len(rows))
            return 0
        return len(rows)

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._rows = []  # a forked child does not write its parent's rows
        if self._wake_thread:
            threading.Thread(target=self._wake, name="api-call-log", daemon=True).start()

    def _wake(self) -> None:
        while not self.stopped.wait(FLUSH_SECONDS):
            if self._overdue():
                self.flush()
                connection.close()  # this thread's own connection: not held between quiet seconds


batch = _Batch()
atexit.register(batch.flush)
