"""Benchmark of the РЦОИ participant export's aggregation: rows/s beside a baseline measured in the same run.

    .venv/bin/python bench/rcoi.py [--rows 100000] [--schools 2000] [--repeat 3] [--import]

Writes, in memory, a cp1251 CSV with «;» and decimal commas in the export's layout (one row per participant:
``Код ОУ; Наименование ОУ; Тип ОУ; Муниципальный район; Кластер; Код предмета; Дата экзамена; TestResultB;
TestResultC; Балл; Зачет``), then times, best of ``--repeat``:

* baseline — ``core.tabular.read_csv_rows`` over the same bytes, each row's «Балл» turned into an int (the floor
  of any reader of this file in Python);
* the layout — ``layouts.rcoi.read``: the same reading plus the checks of every row and the sums per school,
  subject and year, up to the template rows it yields.

With ``--import`` also, end to end on a fresh PostgreSQL database (bench/_setup.py; BENCH_DATABASE, default
``shnor_bench_rcoi``) whose schools hold the export's codes as «Код РЦОИ (ЕГЭ)» identifiers: ``import_file`` of
the same file (read, sum, validate the aggregates, write them) and the same file again (nothing changes).

Goal (issue 19, Performance): CSV stays ≥ 100,000 rows/s. Without ``--import`` no database is used.
"""

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

HEADER = (
    "Код ОУ;Наименование ОУ;Тип ОУ;Муниципальный район;Кластер;Код предмета;Дата экзамена;"
    "TestResultB;TestResultC;Балл;Зачет"
)
SUBJECTS = ((1, "28.05.2024"), (2, "31.05.2024"), (7, "04.06.2024"), (12, "07.06.2024"), (18, "11.06.2024"))


def export(rows: int, schools: int, seed: int = 19) -> bytes:
    """A РЦОИ export of ``rows`` ЕГЭ participants (test scores 0–100, ``Зачет`` 2 below 36)."""
    rng = random.Random(seed)
    lines = [HEADER]
    for index in range(rows):
        school = 220000 + index % schools
        subject, date = SUBJECTS[index // schools % len(SUBJECTS)]
        score = rng.randint(0, 100)
        lines.append(
            f'{school};"МБОУ ""СОШ № {school % 100}""";СОШ;Муниципальный район {school % 60};{school % 7};'
            f"{subject};{date};{rng.randint(0, 20)};{rng.randint(0, 30)},0;{score};{2 if score < 36 else 1}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def baseline(data: bytes) -> int:
    from core.tabular import read_csv_rows

    count = 0
    for row in read_csv_rows(io.BytesIO(data)):
        if count:
            int(row[9])
        count += 1
    return count - 1


def layout(data: bytes) -> int:
    from core.tabular import read_csv_rows
    from schools.results_import.layouts import rcoi

    report = SimpleNamespace(header_row=None, columns={}, origins={}, rows=0, results=0, layout="")
    source = SimpleNamespace(file_name="rcoi.csv", sheet=None, report=report)
    results = sum(1 for _row in rcoi.read(read_csv_rows(io.BytesIO(data)), source, {}))
    assert results == report.results, (results, report.results)  # noqa: S101 - no error row in a clean file
    return report.rows


def best(function, data: bytes, repeat: int) -> tuple[float, int]:
    times = []
    count = 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = function(data)
        times.append(time.perf_counter() - started)
    return min(times), count


def end_to_end(data: bytes, school_count: int) -> list[tuple[str, int, float]]:
    """import_file of the export into a fresh database, then of the same file again (nothing changes)."""
    from _setup import django_on_fresh_database

    django_on_fresh_database()
    import schools.results_import  # noqa: F401  (registers the importer)
    from core.imports import import_file
    from core.policies import SYSTEM
    from schools.models import Municipality, Region, Result, School, SchoolIdentifier
    from shnor_portal.celery import app

    app.conf.task_always_eager = False  # the ШНОР recompute is published, not run inside the import
    region = Region.objects.create(name="Бенчмарк-область")
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Район {index}") for index in range(60)]
    )
    made = School.objects.bulk_create(
        [
            School(
                municipality=municipalities[index % 60], code=f"sch{220000 + index}", name=f"Школа {index}"
            )
            for index in range(school_count)
        ]
    )
    identifiers = [
        SchoolIdentifier(school=school, region=region, kind="rcoi_ege", value=str(220000 + index))
        for index, school in enumerate(made)
    ]
    for identifier in identifiers:
        identifier.fill_derived()
    SchoolIdentifier.objects.bulk_create(identifiers)
    timings = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rcoi.csv"
        path.write_bytes(data)
        for label, expected in (
            ("import_file, всё новое", "created"),
            ("import_file, тот же файл", "unchanged"),
        ):
            started = time.perf_counter()
            batch = import_file(kind="results", path=path, region=region, user=SYSTEM)
            seconds = time.perf_counter() - started
            assert batch.status == "applied", batch.errors[:3]  # noqa: S101
            participants = data.count(b"\n") - 1
            timings.append((f"{label} ({batch.stats[expected]:,} {expected})", participants, seconds))
    timings.append((f"результатов в базе: {Result.objects.count():,}", 0, 0.0))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--import", dest="end_to_end", action="store_true", help="also import_file on PostgreSQL"
    )
    args = parser.parse_args()
    if not args.end_to_end:
        # The layouts are pure, but their package's __init__ registers the importer: Django is set up, no
        # database is used.
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor_portal.settings.local")
        os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
        os.environ.pop("CELERY_BROKER_URL", None)
        os.environ.pop("REDIS_URL", None)
        import django

        django.setup()
    data = export(args.rows, args.schools)
    print(
        f"РЦОИ export: {args.rows:,} participants, {args.schools:,} schools, {len(data) / 2**20:.1f} MB cp1251"
    )
    imported = end_to_end(data, args.schools) if args.end_to_end else []
    for name, function in (
        ("baseline: read_csv_rows + int(«Балл»)", baseline),
        ("layouts.rcoi.read", layout),
    ):
        seconds, count = best(function, data, args.repeat)
        print(f"{name:48} {count:>9,} rows  {seconds:6.3f} s  {count / seconds:>10,.0f} rows/s")
    for name, count, seconds in imported:
        if seconds:
            print(f"{name:48} {count:>9,} rows  {seconds:6.3f} s  {count / seconds:>10,.0f} rows/s")
        else:
            print(name)


if __name__ == "__main__":
    main()
