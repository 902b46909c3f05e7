"""Shared set-up of the benchmarks: a fresh PostgreSQL database of their own, migrated."""

import os
import resource
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# One database per benchmark script (bench/flags.py → shnor_bench_flags), so two can run side by side.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", f"shnor_bench_{Path(sys.argv[0]).stem}")
SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")


def django_on_fresh_database(reuse: bool = False) -> bool:
    """Drop and create the bench database, point Django at it, migrate. With ``reuse``, an existing database of
    an earlier run is kept as it is (for measuring again without building the data again). True: it was kept."""
    import psycopg

    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone()
        kept = bool(reuse and exists)
        if not kept:
            conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "shnor_portal.settings.local"
    os.environ["DATABASE_URL"] = f"{SERVER_URL}/{BENCH_DATABASE}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return kept


# The ВПР/ОГЭ subjects the import benchmarks write (bench/import.py, bench/import_workbook.py).
SUBJECTS = (
    "Математика",
    "Русский язык",
    "Окружающий мир",
    "История",
    "Биология",
    "География",
    "Физика",
    "Химия",
    "Обществознание",
    "Английский язык",
    "Немецкий язык",
    "Информатика",
)


def peak_mb() -> float:
    """The process's peak resident memory so far, MB (ru_maxrss is in kilobytes on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def timed(label: str, results: dict):
    started = time.perf_counter()
    yield
    results[label] = time.perf_counter() - started


def best_of(runs: int, function) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, what: str, seconds: float = 60) -> None:
    """Until ``process`` listens on ``port``; stops the benchmark if it exits or does not start in time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} завершился при запуске")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"{what} не запустился за {seconds:.0f} с")
