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
import threading
import time

from django.conf import settings
from django.db import connection

from core.process_thread import ProcessThread

from .models import ApiCallLog

logger = logging.getLogger("api")

FLUSH_SECONDS = 1.0


class _Batch:
    def __init__(self, *, wake: bool = True):
        self._rows: list[ApiCallLog] = []
        self._oldest = 0.0
        self._lock = threading.Lock()
        # The thread that writes a quiet process's rows; off in tests that must see every write in their own
        # transaction (it writes on a connection of its own).
        self._thread = ProcessThread("api-call-log", self._wake, on_start=self._forget) if wake else None

    def _forget(self) -> None:
        self._rows = []  # a forked child does not write its parent's rows

    def add(self, row: ApiCallLog) -> None:
        if getattr(settings, "API_CALL_LOG_BATCH", 1) <= 1:
            row.save()
            return
        if self._thread is not None:
            self._thread.ensure_started()
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

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop(timeout=FLUSH_SECONDS + 5)

    def _wake(self, stopping: threading.Event) -> None:
        while not stopping.wait(FLUSH_SECONDS):
            if self._overdue():
                self.flush()
                connection.close()  # this thread's own connection: not held between quiet seconds


batch = _Batch()
atexit.register(batch.flush)
