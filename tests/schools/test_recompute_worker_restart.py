"""A worker killed (SIGKILL) in the middle of a ШНОР recomputation: a new worker completes it exactly once.

``flags_recompute`` replaces a list year's decisions in one transaction, and the real computation is far too
fast (0.9 s for 40,000 schools, docs/performance.md) to catch in the middle by timing alone. So the test
pauses the worker inside its COPY of the decisions: another connection holds an uncommitted decision of the
one school that has none yet, and the worker's insert of the same (school, list year) waits for it on the
unique index. PostgreSQL then shows the worker's backend waiting (``pg_blocking_pids``) with the rows already
streamed (``pg_stat_progress_copy``) — the recomputation observably half-done — and the worker is killed there.

The same pause lets a second test start another recomputation of the year while the first one still writes
(what a redelivered task, an import or a rule change meanwhile do): it must wait, not fail.
"""

import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from django.db.models import F

from schools.flags import flags_recompute_years
from schools.models import FlagComputation, FlagDecision, ProcedureKind, Result, School
from tests.builders.schools import procedure
from tests.workers import celery_worker, private_queue, producer

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 3  # s: how soon Redis hands an unacknowledged message to another worker
Y = 2026  # the list year; the default rule looks at Y-1 and Y-2
SCHOOLS = 400
PROCEDURES = [
    ("ВПР", "математика", 5),
    ("ВПР", "русский язык", 5),
    ("ВПР", "математика", 6),
    ("ОГЭ", "математика", 9),
    ("ОГЭ", "русский язык", 9),
]
KINDS = {  # as schools/migrations/0003 seeds them (a transactional test's flush may have removed them)
    "ВПР": ("Всероссийские проверочные работы", "отметка «2»"),
    "ОГЭ": ("Основной государственный экзамен (ГИА-9)", "отметка «2»"),
}


def wait_for(condition, *, seconds: float, process, log: Path | None, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        if process is not None and process.poll() is not None:
            pytest.fail(
                f"Обработчик завершился ({process.returncode}) раньше, чем {what}:\n{log.read_text()}"
            )
        time.sleep(0.05)
    output = f" Вывод обработчика:\n{log.read_text()}" if log else ""
    pytest.fail(f"За {seconds} с не дождались: {what}.{output}")


def seed(world) -> School:
    """400 schools of the region with 5 procedures in each of Y-2 and Y-1 (~3,900 results), a baseline
    computation of list year Y for every region, then changed data: some results turn low and a new school
    appears (it has no decision yet; created last, it is the last row of the COPY). Returns the new school."""
    for code, (name, failed_label) in KINDS.items():
        ProcedureKind.objects.get_or_create(code=code, defaults={"name": name, "failed_label": failed_label})
    procedures = {year: [procedure(*p, year) for p in PROCEDURES] for year in (Y - 2, Y - 1)}
    municipalities = [world.mun_a, world.mun_b]
    School.objects.bulk_create(
        School(municipality=municipalities[n % 2], code=f"sch69{n:04d}", name=f"МБОУ «СОШ №{n + 10}»")
        for n in range(SCHOOLS)
    )
    rng = random.Random(9)
    results = []
    for n, school_id in enumerate(
        School.objects.filter(code__startswith="sch69").order_by("code").values_list("pk", flat=True)
    ):
        for year, year_procedures in procedures.items():
            if year == Y - 1 and n % 17 == 0:
                continue  # no result in Y-1: "no data"
            for proc in year_procedures:
                participants = rng.randint(15, 60)
                failed = participants * rng.choice([5, 10, 20, 30, 45]) // 100  # 30 % and more is low
                results.append(
                    Result(school_id=school_id, procedure=proc, failed=failed, participants=participants)
                )
    # The other region's school has a result in Y-1 too, so list year Y exists there and it has decisions of its
    # own (a region with no data for a year has no list of that year) that the region's run must not touch.
    results.append(
        Result(school=world.school_other, procedure=procedures[Y - 1][0], failed=3, participants=30)
    )
    Result.objects.bulk_create(results, batch_size=2000)

    flags_recompute_years(years=[Y])  # the previous complete set, for every region

    # The data change after that computation: the recomputation has something new to decide.
    changed = [r.pk for r in results[::37] if r.procedure.year == Y - 1]
    Result.objects.filter(pk__in=changed).update(failed=F("participants"))
    newcomer = School.objects.create(municipality=world.mun_b, code="sch699999", name="МБОУ «Новая СОШ»")
    Result.objects.bulk_create(
        Result(school=newcomer, procedure=proc, failed=20, participants=40)
        for year_procedures in procedures.values()
        for proc in year_procedures
    )
    return newcomer


def decisions(region) -> dict[int, list]:
    """school id -> [status, criteria, reasons, computation id] for list year Y."""
    return {
        school_id: rest
        for school_id, *rest in FlagDecision.objects.filter(
            list_year=Y, school__municipality__region=region
        ).values_list("school_id", "status", "criteria", "reasons", "computation_id")
    }


def runs(region) -> list[int]:
    return list(
        FlagComputation.objects.filter(region=region, list_year=Y).order_by("pk").values_list("pk", flat=True)
    )


def blocked_copy(blocker_pid: int) -> tuple[int, int] | None:
    """(pid, tuples streamed) of a backend whose COPY into the decisions waits for ``blocker_pid``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.pid, p.tuples_processed
              FROM pg_stat_activity a JOIN pg_stat_progress_copy p ON p.pid = a.pid
             WHERE %s = ANY(pg_blocking_pids(a.pid)) AND a.query LIKE 'COPY schools_flagdecision %%'
            """,
            [blocker_pid],
        )
        return cursor.fetchone()


def backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] > 0


def blocking_connection() -> psycopg.Connection:
    """A connection of its own (outside the test's), to hold an uncommitted decision."""
    db = connection.settings_dict
    return psycopg.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


def hold_decision(blocker: psycopg.Connection, school: School, computation_id: int) -> int:
    """Insert, without committing, a decision of ``school``: a recomputation's COPY waits on it when it reaches
    that school. Returns the blocking backend's pid."""
    blocker.execute(
        "INSERT INTO schools_flagdecision (school_id, list_year, status, criteria, reasons, computation_id)"
        " VALUES (%s, %s, 'none', '', '{}', %s)",
        [school.pk, Y, computation_id],
    )
    return blocker.info.backend_pid


def test_a_recomputation_survives_its_worker_being_killed(world, redis_url, tmp_path, request):
    if connection.vendor != "postgresql":
        pytest.skip("Нужен PostgreSQL: обработчик в отдельном процессе и pg_stat_activity.")
    log = tmp_path / "worker.log"
    # Shown with a failure (captured output): what both workers logged.
    request.addfinalizer(lambda: print(log.read_text() if log.exists() else "(нет вывода обработчиков)"))
    newcomer = seed(world)
    region = world.region
    region_schools = set(School.objects.filter(municipality__region=region).values_list("pk", flat=True))
    before, runs_before = decisions(region), runs(region)
    assert len(before) == len(region_schools) - 1 and newcomer.pk not in before
    other_before = decisions(world.other_region)
    assert other_before  # the other region has its own decisions, which the region's run must not touch

    queue = private_queue()
    sender = producer(redis_url)
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    blocker = blocking_connection()
    try:
        blocker_pid = hold_decision(blocker, newcomer, runs_before[-1])

        with celery_worker(redis_url, queue, log=log, **env) as first:
            sender.send_task(
                "schools.tasks.recompute_flags_task",
                kwargs={"years": [Y], "region_id": region.pk},
                queue=queue,
            )
            worker_pid, streamed = wait_for(
                lambda: blocked_copy(blocker_pid),
                seconds=60,
                process=first,
                log=log,
                what="обработчик начнёт записывать решения",
            )
            # In the middle: the run's computation row exists and the decisions stream in, all inside the
            # worker's transaction, so from outside the previous complete set is still what there is.
            assert streamed > 0, streamed
            assert decisions(region) == before and runs(region) == runs_before
            os.kill(first.pid, signal.SIGKILL)  # the message stays unacknowledged
            first.wait(timeout=10)
        blocker.rollback()  # the dead worker's backend resumes, finds its client gone and rolls back
        wait_for(
            lambda: not backend_alive(worker_pid),
            seconds=60,
            process=None,
            log=log,
            what="сеанс убитого обработчика в PostgreSQL завершится",
        )
    finally:
        blocker.close()
    # No partial result: the previous complete set, untouched, and no new computation.
    assert decisions(region) == before
    assert runs(region) == runs_before

    with celery_worker(redis_url, queue, log=log, **env) as second:
        wait_for(
            lambda: len(runs(region)) > len(runs_before),
            seconds=240,  # the visibility timeout, then the recomputation
            process=second,
            log=log,
            what="новый обработчик пересчитает статусы",
        )
        after = decisions(region)
        time.sleep(VISIBILITY_TIMEOUT + 1)  # a second delivery, if there were one, would run now
        assert decisions(region) == after, "решения пересчитаны ещё раз"
    new_runs = runs(region)
    assert len(new_runs) == len(runs_before) + 1  # exactly one more complete computation
    run = FlagComputation.objects.get(pk=new_runs[-1])
    assert log.read_text().count(" succeeded in ") == 1  # the killed run never finished

    # Complete: every school of the region has exactly one decision for the year, all from that run.
    assert set(after) == region_schools
    assert FlagDecision.objects.filter(list_year=Y, school__in=region_schools).count() == len(region_schools)
    assert {computation for *_, computation in after.values()} == {run.pk}
    assert run.counts == dict(Counter(status for status, *_ in after.values()))
    assert decisions(world.other_region) == other_before

    # The same decisions as an in-process recomputation of the current data, which differ from the old ones.
    [summary] = flags_recompute_years(years=[Y], region_id=region.pk)
    reference = decisions(region)
    assert {k: v[:3] for k, v in after.items()} == {k: v[:3] for k, v in reference.items()}
    assert summary.counts == run.counts
    assert after[newcomer.pk][0] == "shnor"
    assert any(after[pk][:3] != old[:3] for pk, old in before.items())


def test_overlapping_recomputations_of_a_year_run_one_after_another(world):
    """A second run started while the first is still writing (a redelivered task, an import or a rule change
    meanwhile) waits for it, then recomputes from what it committed: no unique violation, newest data wins."""
    if connection.vendor != "postgresql":
        pytest.skip("Нужен PostgreSQL: pg_stat_activity.")
    newcomer = seed(world)
    region = world.region
    runs_before = runs(region)
    backends: dict[str, int] = {}
    errors: dict[str, BaseException] = {}

    def recompute(name: str):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends[name] = cursor.fetchone()[0]
            flags_recompute_years(years=[Y], region_id=region.pk)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors[name] = error
        finally:
            connections.close_all()

    def blocked_by(waiting: str, holder: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [holder, backends.get(waiting, 0)])
            return cursor.fetchone()[0]

    blocker = blocking_connection()
    threads = {name: threading.Thread(target=recompute, args=(name,)) for name in ("first", "second")}
    try:
        blocker_pid = hold_decision(blocker, newcomer, runs_before[-1])
        threads["first"].start()
        wait_for(
            lambda: blocked_copy(blocker_pid), seconds=60, process=None, log=None, what="первый пересчёт"
        )
        threads["second"].start()
        wait_for(
            lambda: "second" in backends and blocked_by("second", backends["first"]),
            seconds=60,
            process=None,
            log=None,
            what="второй пересчёт подождёт первый",
        )
        # New data arrives while the first run writes: only the second one can see it.
        Result.objects.filter(school=world.school_a1).delete()
        low = [procedure(*p, Y - 1) for p in PROCEDURES[:2]]
        Result.objects.bulk_create(
            Result(school=world.school_a1, procedure=proc, failed=30, participants=60) for proc in low
        )
    finally:
        blocker.rollback()
        blocker.close()
        for thread in threads.values():
            if thread.ident is not None:  # started
                thread.join(timeout=60)
    assert not errors, errors
    new_runs = runs(region)
    assert len(new_runs) == len(runs_before) + 2
    after = decisions(region)
    assert {computation for *_, computation in after.values()} == {new_runs[-1]}  # the second run's set
    assert after[world.school_a1.pk][:2] == ["shnor", "1"]  # the data committed while the first run wrote
    flags_recompute_years(years=[Y], region_id=region.pk)
    assert {k: v[:3] for k, v in after.items()} == {k: v[:3] for k, v in decisions(region).items()}
