"""Running one CPU-bound, database-free function in a forked child while the caller does other work.

The справка's PDF (WeasyPrint: pure computation on a context already in memory) takes as long as its Excel and
Word files together, which read the database; on a machine with two cores the two can run at once. Decision and
figures: docs/adr/0003-pdf-beside-excel-and-word.md.

A fork is taken only where it is safe and useful — the platform has ``os.fork``, the process may use more than one
core, the setting ``REPORTS_RENDER_IN_PARALLEL`` is on, and the process runs a single thread (a fork copies only
the calling thread: a lock another thread held — logging's, fontconfig's — would stay locked in the child for
ever; the demo's ``runserver`` with eager Celery is threaded and so renders in line). Otherwise the function runs
in line when its result is asked for, with the same result and errors.

The child never touches what it shares with the parent: it does not use the database connection, does not run
the parent's exit handlers (``os._exit``) and writes its result to a file of the caller's choosing. An exception
in the child is raised again in the parent (pickled; when it cannot be pickled, as a ``ForkedError`` with its
text). If the parent gives up (``cancel``, an exception, a time limit), the child is killed.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable
from pathlib import Path

from django.conf import settings


class ForkedError(RuntimeError):
    """A failure in the child whose exception could not be carried back as itself."""


# prctl(2): PR_SET_PDEATHSIG — the child gets this signal when the thread that forked it exits (Linux).
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """A child whose parent was killed (Celery's hard time limit sends SIGKILL) is killed too, not left running."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the child finishes its file and exits on its own
        return
    if os.getppid() != parent:  # the parent died before the call above took effect
        os._exit(1)


def _refuse_query(execute, sql, params, many, context):
    raise ForkedError("Процесс вёрстки не обращается к базе данных: соединение принадлежит родителю")


def _no_database() -> None:
    """The child shares the parent's database sockets: a query from it would interleave with the parent's on the
    same connection. Every connection refuses to execute in the child (opening one anew would be safe, but the
    work given to a child needs none, and a query there is a bug to see)."""
    from django.db import connections

    for connection in connections.all():
        connection.execute_wrappers.append(_refuse_query)


def may_fork() -> bool:
    """True where running beside the caller is both safe and useful (see the module's docstring)."""
    if not settings.REPORTS_RENDER_IN_PARALLEL or not hasattr(os, "fork"):
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return cores > 1 and threading.active_count() == 1


class Beside:
    """The pending result of ``write_beside``: ``wait()`` returns the path once the file is written."""

    def __init__(self, write: Callable[[Path], object], path: Path) -> None:
        self._write = write
        self.path = path
        self._error_path = path.with_name(f".{path.name}.error")
        self.pid: int | None = None
        self._done = False
        if may_fork():
            self._fork()

    def _fork(self) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid:
            self.pid = pid
            return
        code = 1  # the child: from here on it only computes, writes its file and leaves
        try:
            _die_with_parent(parent)
            _no_database()
            # What the child inherited (Django, the context: ~200 MB of objects) is never garbage for it: frozen,
            # the collector walks only what the work allocates. A municipality's PDF: 2.2–2.4 → 1.8–2.0 s of CPU
            # (docs/performance.md); peak memory +30 MB, as the inherited pages are no longer shared once touched.
            gc.freeze()
            self._write(self.path)
            code = 0
        except BaseException as error:  # noqa: BLE001 — carried to the parent, which raises it
            try:
                payload = pickle.dumps(error)
                pickle.loads(payload)  # noqa: S301 — our own bytes, checked to come back whole
            except Exception:  # noqa: BLE001 — an exception that does not pickle goes back as text
                payload = pickle.dumps(ForkedError("".join(traceback.format_exception(error)).strip()))
            try:
                self._error_path.write_bytes(payload)
            except BaseException:  # noqa: BLE001, S110 — nothing more the child can do; the exit code says it
                pass
        finally:
            os._exit(code)

    def wait(self) -> Path:
        """The written file; the child's exception is raised here. In line (no fork), the work is done now."""
        if self._done:
            return self.path
        if self.pid is None:
            self._write(self.path)
            self._done = True
            return self.path
        _pid, status = os.waitpid(self.pid, 0)
        self.pid = None
        self._done = True
        if self._error_path.exists():
            error = pickle.loads(self._error_path.read_bytes())  # noqa: S301 — written by our own child
            self._error_path.unlink()
            raise error
        code = os.waitstatus_to_exitcode(status)
        if code != 0 or not self.path.exists():
            raise ForkedError(f"Процесс вёрстки завершился с кодом {code}")
        return self.path

    def cancel(self) -> None:
        """Stop the child (the caller failed or gave up); a no-op once waited for or when run in line."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        self.pid = None
        self._done = True


def write_beside(write: Callable[[Path], object], path: Path) -> Beside:
    """Start ``write(path)`` in a forked child when that is safe (``may_fork``), else leave it for ``wait()``.

    ``write`` must not use the database or anything else the parent holds open; it receives ``path`` and writes
    its result there."""
    return Beside(write, path)
