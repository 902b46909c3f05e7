"""core.forking: a database-free function run in a forked child beside the caller, or in line where a fork is
not safe — with the same result and the same errors either way."""

import os
import pickle
import signal
import threading
import time

import pytest

from core import forking
from core.forking import ForkedError, may_fork, write_beside


@pytest.fixture
def single_thread(monkeypatch, settings):
    """The test runner may hold threads of its own (xdist's channel): count only the caller's, as a Celery
    worker's process has."""
    settings.REPORTS_RENDER_IN_PARALLEL = True
    monkeypatch.setattr(forking.threading, "active_count", lambda: 1)
    monkeypatch.setattr(forking.os, "sched_getaffinity", lambda _pid: {0, 1})


def _write_pid(path):
    path.write_text(str(os.getpid()))


def test_the_child_writes_the_file_in_another_process(single_thread, tmp_path):
    pending = write_beside(_write_pid, tmp_path / "out.txt")
    assert pending.pid is not None
    assert pending.wait() == tmp_path / "out.txt"
    child = int((tmp_path / "out.txt").read_text())
    assert child != os.getpid()
    assert pending.pid is None
    assert pending.wait() == tmp_path / "out.txt"  # a second wait returns the same file


class Refused(Exception):
    pass


def _refuse(_path):
    raise Refused("Таблица не помещается")


def test_the_childs_exception_is_raised_in_the_parent_as_itself(single_thread, tmp_path):
    pending = write_beside(_refuse, tmp_path / "out.pdf")
    with pytest.raises(Refused, match="Таблица не помещается"):
        pending.wait()
    assert list(tmp_path.iterdir()) == []  # the error's file is removed after it was read


class Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("не сериализуется")


def _unpicklable(_path):
    raise Unpicklable("сбой вёрстки")


def test_an_exception_that_does_not_pickle_comes_back_as_its_text(single_thread, tmp_path):
    with pytest.raises(ForkedError, match="Unpicklable: сбой вёрстки"):
        write_beside(_unpicklable, tmp_path / "out.pdf").wait()


def _killed(_path):
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_child_killed_by_a_signal_is_an_error_with_its_code(single_thread, tmp_path):
    with pytest.raises(ForkedError, match="кодом -9"):
        write_beside(_killed, tmp_path / "out.pdf").wait()


def _sleep(path):
    time.sleep(60)
    path.write_text("поздно")


def test_cancel_kills_the_child(single_thread, tmp_path):
    pending = write_beside(_sleep, tmp_path / "out.txt")
    pid = pending.pid
    started = time.monotonic()
    pending.cancel()
    assert time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: no such process any more
    assert not (tmp_path / "out.txt").exists()
    pending.cancel()  # a second cancel does nothing


def test_the_child_dies_with_its_parent(single_thread, tmp_path):
    """A parent killed by SIGKILL (Celery's hard time limit) takes its child with it."""
    read, write = os.pipe()
    parent = os.fork()
    if parent == 0:  # an intermediate parent: forks the sleeping child, reports its pid, then is killed
        os.close(read)
        try:
            pending = write_beside(_sleep, tmp_path / "out.txt")
            os.write(write, str(pending.pid).encode())
            time.sleep(60)
        finally:
            os._exit(0)
    os.close(write)
    child = int(os.read(read, 32).decode())
    os.close(read)
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the child outlived its killed parent")


def test_in_line_when_the_setting_is_off(single_thread, settings, tmp_path):
    settings.REPORTS_RENDER_IN_PARALLEL = False
    pending = write_beside(_write_pid, tmp_path / "out.txt")
    assert pending.pid is None
    assert not (tmp_path / "out.txt").exists()  # nothing is done before the result is asked for
    pending.wait()
    assert (tmp_path / "out.txt").read_text() == str(os.getpid())


def test_in_line_errors_are_the_same(single_thread, settings, tmp_path):
    settings.REPORTS_RENDER_IN_PARALLEL = False
    with pytest.raises(Refused):
        write_beside(_refuse, tmp_path / "out.pdf").wait()


def test_no_fork_in_a_threaded_process(settings, monkeypatch):
    """runserver (the demo, eager Celery) is threaded: a fork there could copy a lock held by another thread."""
    settings.REPORTS_RENDER_IN_PARALLEL = True
    monkeypatch.setattr(forking.os, "sched_getaffinity", lambda _pid: {0, 1})
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not may_fork()
    finally:
        stop.set()
        thread.join()


def test_no_fork_on_one_core(single_thread, monkeypatch):
    monkeypatch.setattr(forking.os, "sched_getaffinity", lambda _pid: {0})
    assert not may_fork()


def test_fork_where_safe_and_useful(single_thread):
    assert may_fork()


def test_forked_error_pickles():
    error = pickle.loads(pickle.dumps(ForkedError("текст")))  # noqa: S301 — our own bytes
    assert isinstance(error, ForkedError) and str(error) == "текст"


def _query(path):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    path.write_text("запрос прошёл")


@pytest.mark.django_db
def test_the_child_may_not_use_the_parents_database_connection(single_thread, tmp_path):
    from django.db import connection

    with connection.cursor() as cursor:  # the parent's connection is open when the child is forked
        cursor.execute("SELECT 1")
    with pytest.raises(ForkedError, match="не обращается к базе данных"):
        write_beside(_query, tmp_path / "out.txt").wait()
    with connection.cursor() as cursor:  # and still works for the parent
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
