"""ЕГЭ extras of a result (#19 §3.2): high scorers (80–99) and hundreds — optional template columns, validated,
stored, updated and counted as changes by both writers (COPY on PostgreSQL, bulk_create elsewhere)."""

import io
import types

import pytest
from django.db import connection

from core.imports import import_batch_apply, import_batch_create
from core.models import ImportBatch
from schools.models import Result
from schools.results_import import importer, writers

pytestmark = pytest.mark.django_db

HEADER = [
    "Код ОО",
    "Год",
    "Вид",
    "Предмет",
    "Класс",
    "Участников",
    "Неудовлетворительно",
    "Средний балл",
    "Высокобалльников (80–99)",
    "100 баллов",
]
ROWS = [
    ["sch610001", "2024", "ЕГЭ", "Химия", "11", "12", "3", "61,5", "2", "1"],
    ["sch610002", "2024", "ЕГЭ", "Химия", "11", "8", "0", "70", "", "0"],
    ["sch610001", "2024", "ЕГЭ", "Русский язык", "11", "30", "0", "", "7", ""],
]


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    monkeypatch.setattr(importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kwargs: None))


@pytest.fixture(params=["copy", "portable"])
def writer(request, monkeypatch):
    """Each test on both writers: COPY where the database is PostgreSQL, bulk_create everywhere."""
    if request.param == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    if request.param == "portable":
        monkeypatch.setattr(importer, "CopyWriter", writers.PortableWriter)
    return request.param


def csv_bytes(rows, header=HEADER) -> bytes:
    return ("\n".join(";".join(row) for row in [header, *rows]) + "\n").encode()


def preview(data: bytes, world) -> ImportBatch:
    return import_batch_create(
        kind="results",
        file=io.BytesIO(data),
        name="r.csv",
        region=world.region,
        user=world.users["methodist"],
    )


def upload(data: bytes, world) -> ImportBatch:
    batch = preview(data, world)
    if batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=world.users["methodist"])
    return batch


def stored() -> list[tuple]:
    return sorted(
        Result.objects.values_list(
            "school__code",
            "procedure__subject__name",
            "participants",
            "failed",
            "high_scorers",
            "hundred_scorers",
        )
    )


def counts(batch: ImportBatch) -> tuple[int, int, int]:
    return batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]


def test_stored_and_second_load_changes_nothing(world, writer):
    batch = upload(csv_bytes(ROWS), world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert counts(batch) == (3, 0, 0)
    assert stored() == [
        ("sch610001", "Русский язык", 30, 0, 7, None),
        ("sch610001", "Химия", 12, 3, 2, 1),
        ("sch610002", "Химия", 8, 0, None, 0),
    ]
    before = list(Result.objects.order_by("pk").values())
    again = preview(csv_bytes(ROWS), world)  # a file that would change nothing is not applied
    assert counts(again) == (0, 0, 3)
    assert list(Result.objects.order_by("pk").values()) == before


def test_a_changed_extra_alone_is_a_change(world, writer):
    upload(csv_bytes(ROWS), world)
    changed = [ROWS[0][:9] + ["2"], ROWS[1][:8] + ["1", "0"], ROWS[2]]
    batch = preview(csv_bytes(changed), world)
    assert batch.status == ImportBatch.Status.VALIDATED
    assert counts(batch) == (0, 2, 1)
    applied = import_batch_apply(batch=batch, user=world.users["methodist"])
    assert counts(applied) == (0, 2, 1)
    assert stored() == [
        ("sch610001", "Русский язык", 30, 0, 7, None),
        ("sch610001", "Химия", 12, 3, 2, 2),
        ("sch610002", "Химия", 8, 0, 1, 0),
    ]


def test_old_template_without_the_columns_still_loads(world, writer):
    batch = upload(csv_bytes([row[:8] for row in ROWS], header=HEADER[:8]), world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert {(high, hundred) for *_rest, high, hundred in stored()} == {(None, None)}


@pytest.mark.parametrize(
    ("high", "hundred", "column", "message"),
    [
        ("13", "", "Высокобалльников (80–99)", "Значение 13 больше числа участников (12)."),
        ("", "13", "100 баллов", "Значение 13 больше числа участников (12)."),
        (
            "5",
            "5",
            "100 баллов",
            "Сумма «Неудовлетворительно», «Высокобалльников (80–99)», «100 баллов» (13) больше числа участников "
            "(12): не преодолевшие минимальный порог, высокобалльники и стобалльники — разные участники.",
        ),
        (
            "10",
            "",
            "Высокобалльников (80–99)",
            "Сумма «Неудовлетворительно», «Высокобалльников (80–99)» (13) больше числа участников (12): не "
            "преодолевшие минимальный порог, высокобалльники и стобалльники — разные участники.",
        ),
        ("2,5", "", "Высокобалльников (80–99)", "Ожидается целое неотрицательное число, указано «2,5»."),
        ("", "-1", "100 баллов", "Количество не может быть отрицательным: «-1»."),
    ],
)
def test_wrong_extras_are_row_errors(world, high, hundred, column, message):
    batch = upload(csv_bytes([ROWS[0][:8] + [high, hundred]]), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert [(error["row"], error["column"], error["message"]) for error in batch.errors] == [
        (2, column, message)
    ]
    assert Result.objects.count() == 0
