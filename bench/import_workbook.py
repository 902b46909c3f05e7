"""Benchmark of a region's ФИС ОКО workbook: one «Статистика по отметкам» report per sheet (issue #19).

    .venv/bin/python bench/import_workbook.py [--schools 2000] [--sheets 25]

Generates a region of schools into a fresh PostgreSQL database (bench/_setup.py; BENCH_DATABASE, default
``shnor_bench_import_workbook``), writes one .xlsx with a sheet per procedure in the shape of ФИС ОКО's report as
exported (the header block with year, grade and subject, the table «Группы участников | Кол-во ОО | Кол-во
участников | 2 | 3 | 4 | 5» from the whole sample through the region and its municipalities to each school as
``(sch…) МБОУ «…»``, marks in % with two decimals), then times, as the web does it:

* the preview (``import_batch_create``: every sheet read and validated, the would-be changes counted);
* the apply (``import_file``: the same and the upsert);
* the same file again (nothing changes);

and prints, beside them, what the same machine does in the same run with no validation at all: python-calamine
reading every sheet of the same file into lists (the floor of any importer that reads .xlsx in Python).

Goals (issue #19): 2,000 schools × 25 sheets (50,000 results) — preview ≤ 10 s, apply ≤ 10 s, peak memory
≤ 300 MB (the process's maximum resident set, ``ru_maxrss``).
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "shnor_bench_import_workbook")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import SUBJECTS, django_on_fresh_database, peak_mb  # noqa: E402

GRADES = (4, 5, 6, 7, 8, 11)
YEAR = 2025
MUNICIPALITIES = 60


def procedures(count: int) -> list[tuple[str, int]]:
    """(subject, grade) of each sheet, ``count`` of them."""
    pairs = [(subject, grade) for grade in GRADES for subject in SUBJECTS]
    if count > len(pairs):
        raise SystemExit(f"не больше {len(pairs)} листов")
    return pairs[:count]


def percents(counts: list[int], participants: int) -> list[str]:
    return [f"{count * 100 / participants:.2f}" for count in counts]


def write_workbook(path: Path, schools: list[tuple[str, str, int]], sheets: list[tuple[str, int]]) -> None:
    """``schools``: (login, name, municipality index). Marks are random and add up to the participants."""
    from openpyxl import Workbook

    rng = random.Random(1)
    workbook = Workbook(write_only=True)
    for number, (subject, grade) in enumerate(sheets, start=1):
        sheet = workbook.create_sheet(f"{number:02d} {subject[:20]} {grade}")
        sheet.append(["Статистика по отметкам"])
        sheet.append([f"Всероссийские проверочные работы {YEAR} ({grade} класс)"])
        sheet.append([f"Предмет: {subject}"])
        sheet.append(["Максимальный первичный балл: 20"])
        sheet.append([])
        sheet.append(
            [
                "Группы участников",
                "Кол-во ОО",
                "Кол-во участников",
                "Распределение групп баллов в %",
                "",
                "",
                "",
            ]
        )
        sheet.append(["", "", "", "2", "3", "4", "5"])
        sheet.append(["Вся выборка", "37489", "1376010", "18.27", "44.89", "27.97", "8.87"])
        sheet.append(["Бенчмарк-область", str(len(schools)), "60000", "17.10", "45.20", "28.90", "8.80"])
        by_municipality: dict[int, list[tuple[str, str]]] = {}
        for login, name, municipality in schools:
            by_municipality.setdefault(municipality, []).append((login, name))
        for municipality, members in sorted(by_municipality.items()):
            sheet.append(
                [f"Район {municipality}", str(len(members)), "1000", "20.50", "40.50", "30.00", "9.00"]
            )
            for login, name in members:
                participants = rng.randint(5, 60)
                failed = rng.randint(0, participants // 3)
                marks_3 = rng.randint(0, participants - failed)
                marks_4 = rng.randint(0, participants - failed - marks_3)
                marks_5 = participants - failed - marks_3 - marks_4
                sheet.append(
                    [
                        f"({login}) {name}",
                        "",
                        str(participants),
                        *percents([failed, marks_3, marks_4, marks_5], participants),
                    ]
                )
    workbook.save(path)


def calamine_floor(path: Path) -> float:
    """Seconds python-calamine takes to read every sheet of the file into lists (no validation)."""
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    cells = 0
    for name in workbook.sheet_names:
        for row in workbook.get_sheet_by_name(name).to_python():
            cells += len(row)
    return time.perf_counter() - started


def timed(path: Path, region, expect: dict[str, int], preview: bool) -> tuple[float, dict]:
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
    return elapsed, batch.stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--sheets", type=int, default=25)
    args = parser.parse_args()
    sheets = procedures(args.sheets)
    results = args.schools * len(sheets)

    print(f"База: {os.environ['BENCH_DATABASE']} (создаётся заново)…", flush=True)
    django_on_fresh_database()
    import schools.results_import  # noqa: F401  (registers the importer)
    from shnor_portal.celery import app

    # The ШНОР recompute queued after an import runs in a worker, not in the import: publish it, don't run it.
    app.conf.task_always_eager = False
    from schools.models import Municipality, Region, Result, School

    region = Region.objects.create(name="Бенчмарк-область")
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Район {index}") for index in range(MUNICIPALITIES)]
    )
    schools = [
        (f"sch{220000 + index:06d}", f"МБОУ «Школа № {index}»", index % MUNICIPALITIES)
        for index in range(args.schools)
    ]
    School.objects.bulk_create(
        [School(municipality=municipalities[m], code=login, name=name) for login, name, m in schools],
        batch_size=2000,
    )

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fisoko_region.xlsx"
        started = time.perf_counter()
        write_workbook(path, schools, sheets)
        print(
            f"Файл: {path.stat().st_size / 2**20:.1f} МБ, {len(sheets)} листов × {args.schools} школ = "
            f"{results:,} результатов ({time.perf_counter() - started:.0f} с на генерацию)",
            flush=True,
        )
        before = peak_mb()
        preview, _stats = timed(path, region, {"created": results}, preview=True)
        apply, _stats = timed(path, region, {"created": results}, preview=False)
        again, _stats = timed(path, region, {"unchanged": results}, preview=False)
        after = peak_mb()
        floor = calamine_floor(path)
        stored = Result.objects.count()

    print()
    print(f"{'':56}{'время, с':>10}{'рез./с':>12}")
    for label, seconds in [
        ("предпросмотр (все листы: чтение, проверка, подсчёт)", preview),
        ("загрузка (import_file), всё новое", apply),
        ("тот же файл ещё раз (без изменений)", again),
        ("база: python-calamine, все листы в списки", floor),
    ]:
        print(f"{label:56}{seconds:>10.2f}{results / seconds:>12,.0f}")
    print()
    print(
        f"Пиковая память: {before:.0f} МБ до импорта, {after:.0f} МБ после (цель ≤ 300). "
        f"Результатов в базе: {stored:,}."
    )
    goals = [
        ("предпросмотр ≤ 10 с", preview <= 10),
        ("загрузка ≤ 10 с", apply <= 10),
        ("память ≤ 300 МБ", after <= 300),
    ]
    print("Цели: " + "; ".join(f"{name} — {'да' if met else 'НЕТ'}" for name, met in goals))


if __name__ == "__main__":
    main()
