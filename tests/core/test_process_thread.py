"""core.process_thread: one thread per process, started on first need, again in a forked child, ended by stop()."""

import threading

from core.process_thread import ProcessThread


def test_started_once_per_process_and_again_after_a_fork():
    runs, starts = [], []

    def run(stopping: threading.Event) -> None:
        runs.append(threading.current_thread().name)
        stopping.wait(5)

    thread = ProcessThread("проба", run, on_start=lambda: starts.append(1))
    try:
        thread.ensure_started()
        thread.ensure_started()
        assert len(starts) == 1
        thread._pid = -1  # as a forked child sees it: the parent's pid, not its own
        thread.ensure_started()
        assert len(starts) == 2
    finally:
        thread.stop(timeout=5)
    assert runs == ["проба", "проба"]
    for leftover in [t for t in threading.enumerate() if t.name == "проба"]:
        leftover.join(timeout=5)  # the "parent's" thread sees the same stop
    assert not any(t.name == "проба" for t in threading.enumerate())


def test_stop_ends_the_thread_and_allows_a_new_start():
    ended = threading.Event()

    def run(stopping: threading.Event) -> None:
        stopping.wait(5)
        ended.set()

    thread = ProcessThread("проба-стоп", run)
    thread.ensure_started()
    thread.stop(timeout=5)
    assert ended.is_set()
    ended.clear()
    thread.ensure_started()  # a test may turn it on again
    thread.stop(timeout=5)
    assert ended.is_set()
