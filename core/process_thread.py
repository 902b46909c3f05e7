"""A daemon thread that each process starts once, on first need, and again after a fork.

gunicorn forks its workers from a master that may already have imported everything: a thread started in the
master does not exist in the children, so the owner asks ``ensure_started()`` where it needs the thread and the
thread starts in whichever process that is. ``stop()`` ends it (the loop checks ``stopping``) — for tests, which
drop their database and must not leave a connection behind.
"""

import os
import threading
from collections.abc import Callable


class ProcessThread:
    def __init__(
        self, name: str, run: Callable[[threading.Event], None], on_start: Callable[[], None] = lambda: None
    ):
        """``run(stopping)`` is the thread's body; ``on_start()`` runs in the new process, under the lock, first."""
        self.name = name
        self._run = run
        self._on_start = on_start
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    def ensure_started(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._on_start()
            self.stopping.clear()
            self._thread = threading.Thread(
                target=self._run, args=(self.stopping,), name=self.name, daemon=True
            )
            self._thread.start()

    def stop(self, timeout: float) -> None:
        with self._lock:
            self.stopping.set()
            if self._thread is not None:
                self._thread.join(timeout=timeout)
            self._thread = None
            self._pid = None
