"""Benchmark of a ВПР participant protocol's preview: one subject and grade for a region, beside a baseline
measured in the same run.

    .venv/bin/python bench/import_vpr.py [--pupils 30000] [--schools 1000] [--repeat 3]

Writes, in memory, an .xlsx in the 2022 ФИС ОКО layout (sheets «Классы» and «Протокол»: «Пользователь … Школа,
Дата загрузки, Код, Вариант, 1 (1б) … 14 (2б), Наименование класса, Пол, Отметка за предыдущий триместр/
четверть/полугодие, Итого баллов»; one pupil in twelve «отсутствовал»), then times, best of ``--repeat``:

* baseline — ``core.tabular.read_sheets`` over the same bytes: every sheet's rows as calamine gives them, each
  pupil's «Итого баллов» turned into an int (the floor of any reader of this file in Python);
* preview — the results importer's run without writing, on a fresh PostgreSQL database (bench/_setup.py;
  BENCH_DATABASE, default ``shnor_bench_import_vpr``) holding the region's schools and the scale: read every sheet,
  count pupils per school by the scale, validate the aggregates, compare with the database;
* then the apply once, and the preview of the same file again (nothing changes).

Goal (issue 19, Performance): ВПР protocols of one subject and grade for a region (30,000 pupils): preview ≤ 5 s.
"""

import argparse
import io
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

PLACE = ["reg220000 | Алтайский край", "reg22_m001 | Алейский муниципальный район"]
TASKS = [
    "1 (1б)",
    "2 (1б)",
    "3 (1б)",
    "4 (1б)",
    "5 (1б)",
    "6 (2б)",
    "7 (1б)",
    "8 (1б)",
    "9 (2б)",
    "10 (2б)",
    "11.1 (1б)",
    "11.2 (1б)",
    "12.1 (1б)",
    "12.2 (1б)",
    "13 (1б)",
    "14 (2б)",
]
HEADER = [
    "Пользователь",
    "Код региона",
    "Регион",
    "Муниципалитет",
    "Школа",
    "Дата загрузки",
    "Код",
    "Вариант",
    *TASKS,
    "Наименование класса",
    "Пол",
    "Отметка за предыдущий триместр/ четверть/полугодие",
    "Итого баллов",
]
CLASSES = [
    "Пользователь",
    "Код региона",
    "Регион",
    "Муниципалитет",
    "Школа",
    "Дата загрузки",
    'Буква (цифра) класса. Введите "нет" - если отсутствует',
    "Основной учебник по предмету",
    "Другое (автор учебника)",
    "Другое (название учебника)",
]


def protocol(pupils: int, schools: int, seed: int = 19) -> bytes:
    import openpyxl

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    classes = book.create_sheet("Классы")
    classes.append(CLASSES)
    for index in range(schools):
        login = f"edu{220000 + index}"
        classes.append(
            [login, 22, *PLACE, f'{login} | МБОУ "СОШ"', "17.03.2022 05:09:18", "нет", "ma5.8 | …"]
        )
    sheet = book.create_sheet("Протокол")
    sheet.append(HEADER)
    for index in range(pupils):
        login = f"edu{220000 + index % schools}"
        head = [login, 22, *PLACE, f'{login} | МБОУ "СОШ"', "17.03.2022 05:09:18", 50000 + index]
        if index % 12 == 11:
            sheet.append([*head, "отсутствовал", *["X"] * len(TASKS), "нет", "м", 4, 0])
            continue
        tasks = [rng.randint(0, 1) for _ in TASKS]
        sheet.append([*head, 1 + index % 2, *tasks, "нет", "ж", rng.randint(2, 5), sum(tasks)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def baseline(data: bytes) -> int:
    from core.tabular import read_sheets

    count = 0
    for _name, rows, _sheets in read_sheets(io.BytesIO(data), "protocol.xlsx"):
        header = None
        for row in rows:
            if header is None:
                header = row
                continue
            if len(header) > 20:  # «Протокол»: «Итого баллов» is the last column
                int(row[-1])
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=30_000)
    parser.add_argument("--schools", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from _setup import django_on_fresh_database

    django_on_fresh_database()
    from core.imports import get_importer
    from core.policies import SYSTEM
    from schools.models import Municipality, Region, Result, School, VprScale
    from shnor_portal.celery import app

    app.conf.task_always_eager = False  # the ШНОР recompute is published, not run inside the import
    region = Region.objects.create(name="Бенчмарк-область")
    municipality = Municipality.objects.create(region=region, name="Алейский район")
    School.objects.bulk_create(
        [
            School(municipality=municipality, code=f"edu{220000 + i}", name=f"Школа {i}")
            for i in range(args.schools)
        ]
    )
    VprScale.objects.create(
        year=2022, subject="Математика", grade=5, three_from=5, four_from=10, five_from=15, max_score=20
    )
    started = time.perf_counter()
    data = protocol(args.pupils, args.schools)
    print(
        f"ВПР protocol (2022 layout): {args.pupils:,} pupils, {args.schools:,} schools, "
        f"{len(data) / 2**20:.1f} MB .xlsx (written in {time.perf_counter() - started:.1f} s)"
    )
    importer = get_importer("results")
    options = {"grade": 5, "subject": "Математика"}

    def run(apply: bool):
        outcome = importer.run(
            stream=io.BytesIO(data),
            name="Математика.xlsx",
            region=region,
            user=SYSTEM,
            apply=apply,
            options=options,
        )
        assert outcome.ok, outcome.errors[:3]  # noqa: S101
        return outcome

    def best(function) -> tuple[float, object]:
        times, value = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            value = function()
            times.append(time.perf_counter() - started)
        return min(times), value

    seconds, count = best(lambda: baseline(data))
    print(f"{'baseline: read_sheets + int(«Итого баллов»)':52} {count:>7,} pupils  {seconds:6.3f} s")
    seconds, outcome = best(lambda: run(False))
    print(f"{'preview, all new':52} {args.pupils:>7,} pupils  {seconds:6.3f} s  {outcome.stats}")
    started = time.perf_counter()
    outcome = run(True)
    print(f"{'apply':52} {args.pupils:>7,} pupils  {time.perf_counter() - started:6.3f} s  {outcome.stats}")
    seconds, outcome = best(lambda: run(False))
    print(f"{'preview, the same file again':52} {args.pupils:>7,} pupils  {seconds:6.3f} s  {outcome.stats}")
    print(f"results in the database: {Result.objects.count():,}")


if __name__ == "__main__":
    main()
