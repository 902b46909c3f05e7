"""The РЦОИ participant export through the results import: preview and apply with exact aggregates, a second load
that changes nothing, schools found by their РЦОИ codes of the right exam, and every bad input said, never a crash.

Fixtures are built here as the export is written: cp1251, «;», decimal commas, one row per participant."""

import io
import types
from decimal import Decimal

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from core.imports import batch_sheets, import_batch_apply, import_batch_create
from core.models import ImportBatch
from schools.models import Result, SchoolIdentifier
from schools.results_import import importer

pytestmark = pytest.mark.django_db

HEADER = (
    "Код ОУ;Наименование ОУ;Тип ОУ;Муниципальный район;Кластер;Код предмета;Дата экзамена;"
    "TestResultB;TestResultC;Балл;Зачет"
)


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    calls = []
    monkeypatch.setattr(
        importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kw: calls.append(kw))
    )
    return calls


@pytest.fixture
def codes(world):
    """РЦОИ codes as the registry holds them: one school's ОГЭ code is another school's ЕГЭ code."""
    for school, kind, value in (
        (world.school_a1, "rcoi_oge", "610001"),
        (world.school_a1, "rcoi_ege", "710001"),
        (world.school_a2, "rcoi_oge", "610002"),
        (world.school_a2, "rcoi_ege", "610001"),
    ):
        SchoolIdentifier.objects.create(school=school, region=world.region, kind=kind, value=value)
    return world


def export(rows, encoding="cp1251", delimiter=";") -> bytes:
    lines = [HEADER.replace(";", delimiter), *(delimiter.join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def participant(code, subject, date, score, passed, part_c="4,0"):
    return [
        code,
        '"МБОУ ""Каштановская СОШ"""',
        "СОШ",
        "Обливский район",
        "3",
        subject,
        date,
        "12",
        part_c,
        score,
        passed,
    ]


# ОГЭ 2023: school 610001 — Russian 4 (marks 2, 3, 4, 5), maths 3 (2, 2, 3); school 610002 — Russian 2 (4, 5).
OGE = [
    participant("610001", "1", "06.06.2023", "2", "2"),
    participant("610001", "1", "06.06.2023", "3", "1"),
    participant("610001", "1", "06.06.2023", "4", "1"),
    participant("610001", "1", "06.06.2023", "5", "1"),
    participant("610001", "2", "09.06.2023", "2", "2"),
    participant("610001", "2", "09.06.2023", "2", "2"),
    participant("610001", "2", "09.06.2023", "3", "1"),
    participant("610002", "1", "06.06.2023", "4", "1"),
    participant("610002", "1", "06.06.2023", "5,0", "1"),
]
OGE_STORED = [
    ("sch610001", "ОГЭ", "Математика", 9, 2023, 3, 2, 1, 0, 0, Decimal("2.33"), None, None),
    ("sch610001", "ОГЭ", "Русский язык", 9, 2023, 4, 1, 1, 1, 1, Decimal("3.50"), None, None),
    ("sch610002", "ОГЭ", "Русский язык", 9, 2023, 2, 0, 0, 1, 1, Decimal("4.50"), None, None),
]
# ЕГЭ 2024, the same codes meaning other schools: 610001 is school A2's ЕГЭ code, 710001 school A1's.
EGE = [
    participant("610001", "2", "31.05.2024", "27", "1"),
    participant("610001", "2", "31.05.2024", "18", "2"),
    participant("610001", "2", "31.05.2024", "100", "1"),
    participant("710001", "2", "31.05.2024", "85", "1"),
    participant("710001", "22", "31.05.2024", "4", "1"),
    participant("710001", "22", "31.05.2024", "2", "2"),
    participant("710001", "22", "31.05.2024", "5", "1"),
]
EGE_STORED = [
    (
        "sch610001",
        "ЕГЭ",
        "Математика (базовый уровень)",
        11,
        2024,
        3,
        1,
        0,
        1,
        1,
        Decimal("3.67"),
        None,
        None,
    ),
    (
        "sch610001",
        "ЕГЭ",
        "Математика (профильный уровень)",
        11,
        2024,
        1,
        0,
        None,
        None,
        None,
        Decimal("85.00"),
        1,
        0,
    ),
    (
        "sch610002",
        "ЕГЭ",
        "Математика (профильный уровень)",
        11,
        2024,
        3,
        1,
        None,
        None,
        None,
        Decimal("48.33"),
        0,
        1,
    ),
]


def upload(data: bytes, world, name="rcoi.csv", options=None, apply=True) -> ImportBatch:
    user = world.users["regional_methodist"]
    batch = import_batch_create(
        kind="results", file=io.BytesIO(data), name=name, region=world.region, user=user, options=options
    )
    if apply and batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=user)
    return batch


def stored() -> list[tuple]:
    return sorted(
        Result.objects.values_list(
            "school__code",
            "procedure__kind__code",
            "procedure__subject__name",
            "procedure__grade",
            "procedure__year",
            "participants",
            "failed",
            "marks_3",
            "marks_4",
            "marks_5",
            "mean_score",
            "high_scorers",
            "hundred_scorers",
        )
    )


def test_oge_export_preview_then_apply_then_the_same_file_again(codes):
    preview = upload(export(OGE), codes, apply=False)
    assert preview.status == ImportBatch.Status.VALIDATED, preview.errors
    assert (preview.stats["created"], preview.stats["updated"], preview.stats["unchanged"]) == (3, 0, 0)
    assert not Result.objects.exists()
    (sheet,) = batch_sheets(preview)
    assert {key: sheet[key] for key in ("sheet", "layout", "status", "header_row", "rows", "results")} == {
        "sheet": None,
        "layout": "Выгрузка РЦОИ (участники ГИА)",
        "status": "read",
        "header_row": 1,
        "rows": 9,
        "results": 3,
    }
    assert sheet["origins"]["Вид"] == "ОГЭ: все значения в столбце «Балл» — отметки от 2 до 5"
    assert sheet["columns"]["Код ОО (код РЦОИ школы)"] == "Код ОУ"
    applied = import_batch_apply(batch=preview, user=codes.users["regional_methodist"])
    assert applied.status == ImportBatch.Status.APPLIED, applied.errors
    assert stored() == OGE_STORED
    before = list(Result.objects.order_by("pk").values())
    again = upload(export(OGE), codes, apply=False)  # a file that would change nothing is not even confirmed
    assert again.status == ImportBatch.Status.VALIDATED
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 3)
    assert list(Result.objects.order_by("pk").values()) == before


def test_ege_export_finds_schools_by_their_ege_codes(codes):
    batch = upload(export(EGE), codes)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == EGE_STORED


@pytest.mark.parametrize(
    "encoding, delimiter",
    [("utf-8", ","), ("utf-8-sig", ";"), ("utf-16", "\t")],
    ids=["utf8", "bom", "utf16"],
)
def test_other_encodings_and_separators(codes, encoding, delimiter):
    rows = [[cell.replace('"', "").replace(",", ".") for cell in row] for row in OGE]
    batch = upload(export(rows, encoding=encoding, delimiter=delimiter), codes)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == OGE_STORED


def test_unknown_subject_code_is_a_row_error_naming_it(codes):
    rows = [*OGE[:3], participant("610001", "77", "06.06.2023", "4", "1")]
    batch = upload(export(rows), codes)
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(5, "Код предмета")]
    assert batch.errors[0]["message"].startswith(
        "Неизвестный код предмета 77: его нет в федеральной таблице кодов предметов ГИА"
    )
    assert not Result.objects.exists()


def test_a_code_no_school_holds_is_a_row_error_naming_it(codes):
    rows = [*OGE, participant("999999", "1", "06.06.2023", "4", "1")]
    batch = upload(export(rows), codes)
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(11, "Код ОУ")]
    assert "999999" in batch.errors[0]["message"]
    assert "rcoi_" not in batch.errors[0]["message"]
    assert not Result.objects.exists()


def test_an_oge_code_is_not_looked_up_among_ege_codes(codes):
    """710001 is school A1's ЕГЭ code; in an ОГЭ file nobody holds it."""
    batch = upload(export([*OGE, participant("710001", "1", "06.06.2023", "4", "1")]), codes)
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(11, "Код ОУ")]


def test_the_exam_asked_on_upload(codes):
    batch = upload(export(OGE[:4]), codes, options={"exam": "ЕГЭ"})
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == [
        ("sch610002", "ЕГЭ", "Русский язык", 11, 2023, 4, 1, None, None, None, Decimal("3.50"), 0, 0)
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\r\n",
        HEADER.encode("cp1251"),
        HEADER.encode("cp1251") + b"\r\n;;;;;;;;;;\r\n",
        HEADER.encode("cp1251") + b'\r\n\xff\xfe\x00garbage;\x00;"unclosed\r\n',
        HEADER.encode("cp1251") + b"\r\n610001;x;y;z;1;1;06.06.2023;1;2;4\r\n",  # one cell short
        "Код ОУ;Код предмета;Дата экзамена;Балл".encode("cp1251"),  # no «Зачет»: not this layout
        bytes(range(256)),
    ],
)
def test_empty_or_strange_input_is_refused_with_a_message(codes, data):
    batch = upload(data, codes)
    assert batch.status in (ImportBatch.Status.INVALID, ImportBatch.Status.FAILED)
    assert batch.errors and all(error["message"] for error in batch.errors)
    assert not Result.objects.exists()


def test_command_reads_the_export_with_the_exam_asked(codes, tmp_path, capsys):
    path = tmp_path / "rcoi.csv"
    path.write_bytes(export(OGE[:4]))
    call_command("import_results", str(path), "--region", codes.region.name, "--exam", "ЕГЭ")
    assert stored() == [
        ("sch610002", "ЕГЭ", "Русский язык", 11, 2023, 4, 1, None, None, None, Decimal("3.50"), 0, 0)
    ]


def test_the_export_saved_as_xlsx_with_typed_cells(codes):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Результаты"
    sheet.append(HEADER.split(";"))
    for row in OGE:
        typed = [int(row[0]), "МБОУ", "СОШ", "Обливский район", 3, int(row[5]), row[6], 12, 4.0]
        sheet.append([*typed, float(row[9].replace(",", ".")), int(row[10])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = upload(buffer.getvalue(), codes, name="rcoi.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == OGE_STORED
