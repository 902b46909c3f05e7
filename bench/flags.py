"""Benchmark: recompute one ШНОР list year at national scale on PostgreSQL.

Generates 40,000 schools × 4 years × ~30–40 procedures (~4.5 million results) with COPY, then times
``flags_recompute`` (compute and store every school's decision with its reasons) beside a bare
``SELECT count(*)`` over the results measured in the same run, and prints their ratio.

    .venv/bin/python bench/flags.py [--schools 40000]

Goal (issue «Assessment results and the ШНОР flag engine»): under 2 s, within 10× of the bare scan.
"""

import argparse
import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import best_of, django_on_fresh_database  # noqa: E402

YEARS = (2022, 2023, 2024, 2025)
LIST_YEAR = 2026
VPR = {4: 3, 5: 4, 6: 5, 7: 6, 8: 6, 10: 2, 11: 2}  # grade -> subjects written that year
OGE_SUBJECTS, EGE_SUBJECTS = 12, 12
SUBJECTS = [
    "Русский язык",
    "Математика",
    "Окружающий мир",
    "История",
    "Биология",
    "География",
    "Физика",
    "Обществознание",
    "Химия",
    "Информатика",
    "Английский язык",
    "Литература",
    "Математика профильная",
]


def generate(schools: int, seed: int = 2026) -> dict:
    from django.db import connection

    from schools.models import Municipality, Procedure, ProcedureKind, Region, School, Subject

    rng = random.Random(seed)
    started = time.perf_counter()
    regions = Region.objects.bulk_create([Region(name=f"Регион {n:02d}") for n in range(85)])
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=regions[n % 85], name=f"Муниципалитет {n:04d}") for n in range(2000)]
    )
    School.objects.bulk_create(
        [
            School(municipality=municipalities[n % 2000], code=f"sch{n:06d}", name=f"Школа {n}")
            for n in range(schools)
        ],
        batch_size=5000,
    )
    school_ids = list(School.objects.values_list("pk", flat=True))
    subjects = Subject.objects.bulk_create(
        [Subject(name=name, normalized_name=name.lower()) for name in SUBJECTS]
    )
    kinds = {kind.code: kind for kind in ProcedureKind.objects.all()}
    plan = [("ВПР", grade, subject) for grade, count in VPR.items() for subject in subjects[:count]]
    plan += [("ОГЭ", 9, subject) for subject in subjects[:OGE_SUBJECTS]]
    plan += [("ЕГЭ", 11, subject) for subject in subjects[:EGE_SUBJECTS]]
    procedures = Procedure.objects.bulk_create(
        [
            Procedure(kind=kinds[kind], subject=subject, grade=grade, year=year)
            for year in YEARS
            for kind, grade, subject in plan
        ]
    )
    by_year: dict[int, list[int]] = {}
    for procedure in procedures:
        by_year.setdefault(procedure.year, []).append(procedure.pk)

    rows = 0
    # Each school writes 25–31 procedures a year (~4.5 M results for 40,000 schools over 4 years); most
    # results are fine, about one in a hundred is low by chance, and one school in twenty is weak.
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY schools_result (school_id, procedure_id, participants, failed, created_at, "
            "updated_at) FROM STDIN"
        ) as copy:
            buffer = io.StringIO()
            for school_id in school_ids:
                weak = rng.random() < 0.05
                size = rng.randint(5, 120)
                for year in YEARS:
                    for procedure_id in rng.sample(by_year[year], rng.randint(25, 31)):
                        participants = max(1, size + rng.randint(-5, 5))
                        if weak:
                            share = rng.uniform(0.1, 0.5)
                        else:
                            share = rng.uniform(0.3, 0.5) if rng.random() < 0.01 else rng.uniform(0.0, 0.22)
                        buffer.write(
                            f"{school_id}\t{procedure_id}\t{participants}\t"
                            f"{int(participants * share)}\t2026-01-01\t2026-01-01\n"
                        )
                        rows += 1
                if buffer.tell() > 8_000_000:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    # What autovacuum does after a bulk load (insert-triggered autovacuum, PostgreSQL 13+): statistics and the
    # visibility map that lets the rule read the partial indexes alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"results": rows, "schools": len(school_ids), "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    django_on_fresh_database()
    from django.db import connection

    from schools.flags import flags_recompute
    from schools.models import FlagDecision

    data = generate(args.schools)
    print(
        f"Данные: школ {data['schools']:,}, результатов {data['results']:,}; генерация и COPY "
        f"{data['seconds']:.1f} с".replace(",", " ")
    )

    def bare_scan():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM schools_result")
            cursor.fetchone()

    bare_scan()  # warm the cache as the recomputation will find it
    scan = best_of(args.runs, bare_scan)

    def fresh():
        FlagDecision.objects.all().delete()
        return flags_recompute(list_year=LIST_YEAR)

    timings_fresh, summary = [], None
    for _ in range(args.runs):
        FlagDecision.objects.all().delete()
        started = time.perf_counter()
        summary = flags_recompute(list_year=LIST_YEAR)
        timings_fresh.append(time.perf_counter() - started)
    again = best_of(args.runs, lambda: flags_recompute(list_year=LIST_YEAR))
    stored = FlagDecision.objects.filter(list_year=LIST_YEAR).count()

    recompute = min(timings_fresh)
    print(f"Статусы {LIST_YEAR}: {summary.counts}; сохранено решений: {stored:,}".replace(",", " "))
    print(f"{'замер':<52}{'секунды':>10}")
    print(f"{'базовая линия: SELECT count(*) по результатам':<52}{scan:>10.3f}")
    print(f"{'пересчёт года перечня (расчёт + запись всех решений)':<52}{recompute:>10.3f}")
    print(f"{'повторный пересчёт (решения не изменились)':<52}{again:>10.3f}")
    print(
        f"отношение пересчёта к базовой линии: {recompute / scan:.1f}× (цель ≤ 10×); "
        f"цель < 2 с: {'да' if recompute < 2 else 'нет'}"
    )


if __name__ == "__main__":
    main()
