"""Benchmark of the results import: rows/s and peak memory beside baselines measured in the same run.

    .venv/bin/python bench/import.py [--rows 1000000] [--xlsx-rows 100000]

Generates a region of schools into a fresh PostgreSQL database (bench/_setup.py; BENCH_DATABASE, default
``shnor_bench_import``), writes a CSV and an .xlsx in the portal template, then times ``import_file`` (the
command's path: one pass that validates every row and stores them) and prints, beside it, what the same
machine does in the same run with no validation at all:

* Python's ``csv.reader`` over the same file, turning the seven counts into ints (the floor of any CSV
  importer written in Python);
* a raw ``COPY … FROM STDIN (FORMAT csv)`` of the same file into an unindexed table (the floor of any
  loader into PostgreSQL).

Goals (issue 3): CSV ≥ 100,000 rows/s and xlsx ≥ 50,000 rows/s end to end, peak memory under 300 MB for the
million-row CSV. Peak memory is the process's maximum resident set (``ru_maxrss``), read right after the
CSV import: the files are generated streaming, so nothing before it holds more memory.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "shnor_bench_import")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import SUBJECTS, django_on_fresh_database, peak_mb  # noqa: E402

GRADES = (4, 5, 6, 7, 8, 10)
HEADER = [
    "Код ОО",
    "Год",
    "Вид",
    "Предмет",
    "Класс",
    "Участников",
    "Неудовлетворительно",
    "«3»",
    "«4»",
    "«5»",
    "Средний балл",
]


def school_codes(count: int) -> list[str]:
    return [f"sch{index:06d}" for index in range(count)]


def generated_rows(codes: list[str], rows: int, years: tuple[int, ...], seed: int):
    """Believable rows: ~300 procedures a school over the years, marks adding up to the participants."""
    rng = random.Random(seed)
    produced = 0
    for year in years:
        for code in codes:
            for subject in SUBJECTS:
                for grade in GRADES:
                    if produced >= rows:
                        return
                    participants = rng.randint(5, 60)
                    failed = rng.randint(0, participants // 3)
                    marks_3 = rng.randint(0, participants - failed)
                    marks_4 = rng.randint(0, participants - failed - marks_3)
                    marks_5 = participants - failed - marks_3 - marks_4
                    mean = f"{rng.randint(200, 500) / 100:.2f}".replace(".", ",")
                    yield [
                        code,
                        year,
                        "ВПР",
                        subject,
                        grade,
                        participants,
                        failed,
                        marks_3,
                        marks_4,
                        marks_5,
                        mean,
                    ]
                    produced += 1


def write_csv(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(path: Path, rows) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Данные")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def csv_reader_rate(path: Path) -> float:
    started = time.perf_counter()
    count = 0
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
        next(reader)
        for row in reader:
            int(row[1]), int(row[4]), int(row[5]), int(row[6]), int(row[7]), int(row[8]), int(row[9])
            count += 1
    return count / (time.perf_counter() - started)


def raw_copy_rate(path: Path, rows: int) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS bench_raw_copy (code text, year int, kind text, subject text, "
            "grade int, participants int, failed int, marks_3 int, marks_4 int, marks_5 int, mean text)"
        )
        cursor.execute("TRUNCATE bench_raw_copy")
        started = time.perf_counter()
        with (
            open(path, "rb") as handle,
            cursor.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy,
        ):
            while block := handle.read(1024 * 1024):
                copy.write(block)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_copy")
    return rows / elapsed


def timed_import(path: Path, region, expect: dict[str, int], preview: bool = False) -> float:
    """Seconds for ``import_file`` (or, with ``preview``, the validation pass of the web preview)."""
    from core.imports import import_batch_create, import_file
    from core.policies import SYSTEM

    started = time.perf_counter()
    if preview:
        with open(path, "rb") as stream:
            batch = import_batch_create(
                kind="results", file=stream, name=path.name, region=region, user=SYSTEM
            )
    else:
        batch = import_file(kind="results", path=path, region=region, user=SYSTEM)
    elapsed = time.perf_counter() - started
    wanted = "validated" if preview else "applied"
    if batch.status != wanted or any(batch.stats.get(key) != value for key, value in expect.items()):
        raise SystemExit(f"неожиданный итог {path.name}: {batch.status} {batch.stats} {batch.errors[:5]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=4000)
    args = parser.parse_args()
    rows, xrows = args.rows, args.xlsx_rows

    print(f"База: {os.environ['BENCH_DATABASE']} (создаётся заново)…", flush=True)
    django_on_fresh_database()
    import schools.results_import  # noqa: F401  (registers the importer)
    from shnor_portal.celery import app

    # The ШНОР recompute queued after an import runs in a worker, not in the import: publish it, don't run it.
    app.conf.task_always_eager = False
    from schools.models import Municipality, Region, Result, School

    region = Region.objects.create(name="Бенчмарк-область")
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Район {index}") for index in range(60)]
    )
    codes = school_codes(args.schools)
    School.objects.bulk_create(
        [
            School(
                municipality=municipalities[index % len(municipalities)],
                code=code,
                name=f"МБОУ «Школа {code}»",
            )
            for index, code in enumerate(codes)
        ],
        batch_size=2000,
    )

    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "results.csv"
        xlsx_path = Path(folder) / "results.xlsx"
        started = time.perf_counter()
        write_csv(csv_path, generated_rows(codes, rows, (2021, 2022, 2023, 2024), seed=1))
        write_xlsx(xlsx_path, generated_rows(codes, xrows, (2025,), seed=2))
        print(
            f"Файлы: CSV {csv_path.stat().st_size / 2**20:.0f} МБ, {rows} строк; xlsx "
            f"{xlsx_path.stat().st_size / 2**20:.1f} МБ, {xrows} строк "
            f"({time.perf_counter() - started:.0f} с на генерацию)",
            flush=True,
        )
        before = peak_mb()
        preview_seconds = timed_import(csv_path, region, {"created": rows}, preview=True)
        csv_seconds = timed_import(csv_path, region, {"created": rows})
        csv_peak = peak_mb()
        again_seconds = timed_import(csv_path, region, {"unchanged": rows})
        xlsx_seconds = timed_import(xlsx_path, region, {"created": xrows})
        xlsx_peak = peak_mb()
        reader_rate = csv_reader_rate(csv_path)
        copy_rate = raw_copy_rate(csv_path, rows)
        stored = Result.objects.count()

    csv_rate, again_rate, xlsx_rate = rows / csv_seconds, rows / again_seconds, xrows / xlsx_seconds
    print()
    print(f"{'':52}{'строк/с':>12}{'время, с':>10}")
    for label, count, seconds in [
        ("import_file, CSV, всё новое", rows, csv_seconds),
        ("import_file, тот же CSV ещё раз (без изменений)", rows, again_seconds),
        ("предпросмотр CSV (проверка, COPY, подсчёт)", rows, preview_seconds),
        ("import_file, xlsx, всё новое", xrows, xlsx_seconds),
    ]:
        print(f"{label:52}{count / seconds:>12,.0f}{seconds:>10.2f}")
    print(f"{'база: csv.reader + int() тех же строк':52}{reader_rate:>12,.0f}")
    print(f"{'база: COPY того же файла в таблицу без индексов':52}{copy_rate:>12,.0f}")
    print()
    print(
        f"Импорт CSV (новое) / csv.reader: {csv_rate / reader_rate:.2f}; / COPY: {csv_rate / copy_rate:.2f}. "
        f"Повторный импорт / csv.reader: {again_rate / reader_rate:.2f}."
    )
    print(
        f"Пиковая память: {before:.0f} МБ до импорта, {csv_peak:.0f} МБ после импорта CSV (цель < 300), "
        f"{xlsx_peak:.0f} МБ после xlsx. Результатов в базе: {stored:,}."
    )
    goals = [
        ("CSV ≥ 100 000 строк/с", csv_rate >= 100_000),
        ("xlsx ≥ 50 000 строк/с", xlsx_rate >= 50_000),
        ("память < 300 МБ", csv_peak < 300),
    ]
    print("Цели: " + "; ".join(f"{name} — {'да' if met else 'НЕТ'}" for name, met in goals))


if __name__ == "__main__":
    main()
