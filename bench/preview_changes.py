"""Benchmark of the results preview that lists what changes (issue #19 §4): a region's file whose every result is
new, then the same results with every value changed — the preview lists each with its old and new values (the
first 200 on the batch, all of them in the stored download).

    .venv/bin/python bench/preview_changes.py [--schools 2000] [--procedures 25]

Generates a region of schools into a fresh PostgreSQL database (bench/_setup.py; BENCH_DATABASE, default
``shnor_bench_preview_changes``) and a CSV in the portal's template of schools × procedures results, then times
``import_batch_create`` (the web's preview) on it (all new), ``import_file`` (the apply), and the preview of a
second CSV with every result changed. Peak memory is the process's maximum resident set (``ru_maxrss``) after each.

Goals (issue #19): 50,000 results — preview ≤ 10 s, peak memory ≤ 300 MB.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE", "shnor_bench_preview_changes")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import django_on_fresh_database, peak_mb  # noqa: E402

SUBJECTS = ("Математика", "Русский язык", "Окружающий мир", "История", "Биология")
GRADES = (4, 5, 6, 7, 8)
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
]


def write_csv(path: Path, codes: list[str], procedures: int, shift: int) -> int:
    pairs = [(subject, grade) for subject in SUBJECTS for grade in GRADES][:procedures]
    rows = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for index, code in enumerate(codes):
            for subject, grade in pairs:
                participants = 20 + (index + grade) % 30
                failed = (index + shift) % 5
                writer.writerow([code, 2025, "ВПР", subject, grade, participants, failed, 5, 5, 5])
                rows += 1
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--procedures", type=int, default=25)
    args = parser.parse_args()

    print(f"База: {os.environ['BENCH_DATABASE']} (создаётся заново)…", flush=True)
    django_on_fresh_database()
    import schools.results_import  # noqa: F401  (registers the importer)
    from shnor_portal.celery import app

    app.conf.task_always_eager = False  # the recompute after an import is a worker's, not the import's
    from core.imports import import_batch_create, import_file
    from core.models import ImportBatch
    from core.policies import SYSTEM
    from schools.models import Municipality, Region, School

    region = Region.objects.create(name="Бенчмарк-область")
    municipalities = Municipality.objects.bulk_create(
        [Municipality(region=region, name=f"Район {index}") for index in range(60)]
    )
    codes = [f"sch{index:06d}" for index in range(args.schools)]
    School.objects.bulk_create(
        [
            School(municipality=municipalities[index % 60], code=code, name=f"МБОУ «Школа {code}»")
            for index, code in enumerate(codes)
        ],
        batch_size=2000,
    )

    def preview(path: Path) -> tuple[float, ImportBatch]:
        started = time.perf_counter()
        with open(path, "rb") as handle:
            batch = import_batch_create(
                kind="results", file=io.BytesIO(handle.read()), name=path.name, region=region, user=SYSTEM
            )
        return time.perf_counter() - started, batch

    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "first.csv", Path(folder) / "second.csv"
        rows = write_csv(first, codes, args.procedures, shift=0)
        write_csv(second, codes, args.procedures, shift=1)
        new_seconds, batch = preview(first)
        changes = batch.stats["changes"]
        print(
            f"Предпросмотр, всё новое: {rows} строк, {new_seconds:.1f} с; новых {changes['new']}, "
            f"в списке {changes['listed']}; пик памяти {peak_mb():.0f} МБ",
            flush=True,
        )
        started = time.perf_counter()
        applied = import_file(kind="results", path=first, region=region, user=SYSTEM)
        print(
            f"Загрузка: {time.perf_counter() - started:.1f} с ({applied.stats['created']} добавлено); "
            f"пик памяти {peak_mb():.0f} МБ",
            flush=True,
        )
        changed_seconds, batch = preview(second)
        changes = batch.stats["changes"]
        print(
            f"Предпросмотр, всё изменено: {changed_seconds:.1f} с; изменённых {changes['changed']}, "
            f"без изменений {changes['unchanged']}, в списке {changes['listed']} "
            f"(на странице {len(changes['rows'])}); пик памяти {peak_mb():.0f} МБ",
            flush=True,
        )


if __name__ == "__main__":
    main()
