"""Benchmark of the РЦОИ participant export's aggregation: rows/s beside a baseline measured in the same run.

    .venv/bin/python bench/rcoi.py [--rows 100000] [--schools 2000] [--repeat 3]

Writes, in memory, a cp1251 CSV with «;» and decimal commas in the export's layout (one row per participant:
``Код ОУ; Наименование ОУ; Тип ОУ; Муниципальный район; Кластер; Код предмета; Дата экзамена; TestResultB;
TestResultC; Балл; Зачет``), then times, best of ``--repeat``:

* baseline — ``core.tabular.read_csv_rows`` over the same bytes, each row's «Балл» turned into an int (the floor
  of any reader of this file in Python);
* the layout — ``layouts.rcoi.read``: the same reading plus the checks of every row and the sums per school,
  subject and year, up to the template rows it yields.

Goal (issue 19, Performance): CSV stays ≥ 100,000 rows/s. No database: the aggregates are a few thousand template
rows, which the importer then validates and writes like any other file (bench/import.py measures that path).
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The layouts are pure, but their package's __init__ registers the importer: Django is set up, no database used.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shnor_portal.settings.local")
os.environ.setdefault("DATABASE_URL", "sqlite:///:memory:")
django.setup()

from core.tabular import read_csv_rows  # noqa: E402
from schools.results_import.layouts import rcoi  # noqa: E402

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
        subject, date = SUBJECTS[index % len(SUBJECTS)]
        score = rng.randint(0, 100)
        lines.append(
            f'{school};"МБОУ ""СОШ № {school % 100}""";СОШ;Муниципальный район {school % 60};{school % 7};'
            f"{subject};{date};{rng.randint(0, 20)};{rng.randint(0, 30)},0;{score};{2 if score < 36 else 1}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def baseline(data: bytes) -> int:
    count = 0
    for row in read_csv_rows(io.BytesIO(data)):
        if count:
            int(row[9])
        count += 1
    return count - 1


def layout(data: bytes) -> int:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--schools", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data = export(args.rows, args.schools)
    print(
        f"РЦОИ export: {args.rows:,} participants, {args.schools:,} schools, {len(data) / 2**20:.1f} MB cp1251"
    )
    for name, function in (
        ("baseline: read_csv_rows + int(«Балл»)", baseline),
        ("layouts.rcoi.read", layout),
    ):
        seconds, count = best(function, data, args.repeat)
        print(f"{name:40} {count:>9,} rows  {seconds:6.3f} s  {count / seconds:>10,.0f} rows/s")


if __name__ == "__main__":
    main()
