"""The results importer: both file formats and header languages, ФИС ОКО shapes, every error, idempotency,
atomicity, permissions, and the PostgreSQL COPY path against the portable one."""

import io
import types
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from openpyxl import Workbook

from core.imports import import_batch_apply, import_batch_create, import_file
from core.models import ImportBatch
from core.policies import SYSTEM
from schools.models import Procedure, Result, Subject
from schools.results_import import importer, writers
from schools.results_import.catalog import Catalog

pytestmark = pytest.mark.django_db

HEADER_RU = [
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
HEADER_EN = [
    "school_code",
    "year",
    "kind",
    "subject",
    "grade",
    "participants",
    "failed",
    "marks_3",
    "marks_4",
    "marks_5",
    "mean_score",
]
ROWS = [
    ["sch610001", "2024", "ВПР", "Математика", "5", "27", "5", "12", "8", "2", "3,26"],
    ["sch610002", "2024", "ВПР", "Математика", "5", "20", "1", "", "", "", ""],
    ["sch610001", "2024", "ОГЭ", "Русский язык", "9", "31", "2", "10", "12", "7", "3.74"],
]


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    """Stands in for schools.tasks: records the recomputations an import queues (the flag engine is tested
    elsewhere)."""
    calls = []
    task = types.SimpleNamespace(delay=lambda **kwargs: calls.append(kwargs))
    monkeypatch.setattr(importer, "recompute_flags_task", task)
    return calls


def csv_bytes(rows, header=HEADER_RU, delimiter=";") -> bytes:
    return ("\n".join(delimiter.join(str(cell) for cell in row) for row in [header, *rows]) + "\n").encode()


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, world, user="methodist", name="results.csv", options=None) -> ImportBatch:
    user = world.users[user] if isinstance(user, str) else user
    batch = import_batch_create(
        kind="results", file=io.BytesIO(data), name=name, region=world.region, user=user, options=options
    )
    if batch.status == ImportBatch.Status.VALIDATED:
        batch = import_batch_apply(batch=batch, user=user)
    return batch


def counts(stats: dict) -> dict:
    """A batch's counts, without the lists of sheets and of changes (tests/schools/test_results_changes.py)."""
    return {key: value for key, value in stats.items() if key not in ("sheets", "changes")}


def stored() -> list[tuple]:
    """The results table as plain values, independent of ids and times."""
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
        )
    )


EXPECTED = [
    ("sch610001", "ВПР", "Математика", 5, 2024, 27, 5, 12, 8, 2, Decimal("3.26")),
    ("sch610001", "ОГЭ", "Русский язык", 9, 2024, 31, 2, 10, 12, 7, Decimal("3.74")),
    ("sch610002", "ВПР", "Математика", 5, 2024, 20, 1, None, None, None, None),
]


@pytest.mark.parametrize("header", [HEADER_RU, HEADER_EN], ids=["ru", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_portal_template_in_both_formats_and_languages(world, header, fmt):
    if fmt == "csv":
        data = csv_bytes(ROWS, header=header)
    else:  # numbers typed as numbers, as Excel stores them
        data = xlsx_bytes([header, *[[int(c) if c.isdigit() else c for c in row] for row in ROWS]])
    batch = upload(data, world, name=f"results.{fmt}")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert counts(batch.stats) == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "procedures_created": 2,
        "subjects_created": 2,
        "errors": 0,
    }
    assert batch.total_rows == 3
    assert stored() == EXPECTED
    assert set(Result.objects.values_list("import_batch", flat=True)) == {batch.pk}


def test_xlsx_decimal_mean_score_and_comma_separated_csv(world):
    data = xlsx_bytes([HEADER_RU, ["sch610001", 2024, "ВПР", "Математика", 5, 27, 5, 12, 8, 2, 3.26]])
    assert upload(data, world, name="r.xlsx").status == ImportBatch.Status.APPLIED
    data = csv_bytes(
        [["sch610002", "2024", "ВПР", "Математика", "5", "20", "1", "", "", "", "4.5"]],
        header=HEADER_EN,
        delimiter=",",
    )
    assert upload(data, world).status == ImportBatch.Status.APPLIED
    assert sorted(Result.objects.values_list("mean_score", flat=True)) == [Decimal("3.26"), Decimal("4.50")]


def test_optional_columns_may_be_left_out(world):
    data = csv_bytes([["sch610001", "2024", "ЕГЭ", "Химия", "11", "12", "3"]], header=HEADER_RU[:7])
    batch = upload(data, world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    result = Result.objects.get()
    assert (result.participants, result.failed, result.marks_3, result.mean_score) == (12, 3, None, None)


def test_preview_counts_changes_and_writes_nothing(world):
    upload(csv_bytes(ROWS[:1]), world)
    changed = [ROWS[0][:5] + ["28", "5", "12", "8", "3", "3,26"], *ROWS[1:]]
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(csv_bytes(changed)),
        name="r.csv",
        region=world.region,
        user=world.users["methodist"],
    )
    assert batch.status == ImportBatch.Status.VALIDATED
    assert counts(batch.stats) == {
        "created": 2,
        "updated": 1,
        "unchanged": 0,
        "procedures_created": 1,
        "subjects_created": 1,
        "errors": 0,
    }
    assert Result.objects.count() == 1 and Procedure.objects.count() == 1


def test_same_file_twice_changes_nothing(world, flags_task):
    first = upload(csv_bytes(ROWS), world)
    before = list(Result.objects.order_by("pk").values())
    second = upload(csv_bytes(ROWS), world)
    assert second.status == ImportBatch.Status.APPLIED
    assert counts(second.stats) == {
        "created": 0,
        "updated": 0,
        "unchanged": 3,
        "procedures_created": 0,
        "subjects_created": 0,
        "errors": 0,
    }
    assert list(Result.objects.order_by("pk").values()) == before  # not even updated_at or import_batch
    assert set(Result.objects.values_list("import_batch", flat=True)) == {first.pk}


def test_corrected_file_updates_in_place(world):
    upload(csv_bytes(ROWS), world)
    ids = dict(Result.objects.values_list("school__code", "pk").filter(procedure__kind__code="ОГЭ"))
    corrected = [
        ROWS[0],
        ROWS[1],
        ["sch610001", "2024", "ОГЭ", "Русский язык", "9", "31", "4", "", "", "", ""],
    ]
    batch = upload(csv_bytes(corrected), world)
    assert (batch.stats["created"], batch.stats["updated"], batch.stats["unchanged"]) == (0, 1, 2)
    result = Result.objects.get(procedure__kind__code="ОГЭ")
    assert result.pk == ids["sch610001"]
    assert (result.failed, result.marks_3, result.mean_score, result.import_batch_id) == (
        4,
        None,
        None,
        batch.pk,
    )
    assert Result.objects.count() == 3


def test_bad_last_row_leaves_the_database_unchanged(world):
    upload(csv_bytes(ROWS[:1]), world)
    before = (stored(), Procedure.objects.count(), Subject.objects.count())
    rows = [
        ROWS[0][:5] + ["30", "1", "", "", "", ""],
        *ROWS[1:],
        ["sch610002", "2024", "ВПР", "История", "6", "10", "11", "", "", "", ""],
    ]
    batch = upload(csv_bytes(rows), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(5, "Неудовлетворительно")]
    assert (stored(), Procedure.objects.count(), Subject.objects.count()) == before


def test_apply_writes_nothing_when_a_row_went_bad_after_the_preview(world):
    batch = import_batch_create(
        kind="results",
        file=io.BytesIO(csv_bytes(ROWS)),
        name="r.csv",
        region=world.region,
        user=world.users["methodist"],
    )
    assert batch.status == ImportBatch.Status.VALIDATED
    world.school_a2.delete()  # meanwhile a school leaves the registry
    batch = import_batch_apply(batch=batch, user=world.users["methodist"])
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "Код ОО")]
    assert not Result.objects.exists() and not Procedure.objects.exists()


def row(**changes):
    values = dict(zip(HEADER_EN, ROWS[1], strict=True))
    values.update(changes)
    return [values[key] for key in HEADER_EN]


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        (
            row(school_code="sch999999"),
            "Код ОО",
            "Школа с кодом «sch999999» не найдена в регионе «Ростовская область»: проверьте код или сначала загрузите "
            "реестр школ.",
        ),
        (
            row(school_code="sch230001"),
            "Код ОО",  # a school of another region
            "Школа с кодом «sch230001» не найдена в регионе «Ростовская область»: проверьте код или сначала загрузите "
            "реестр школ.",
        ),
        (row(school_code=""), "Код ОО", "Обязательное поле не заполнено."),
        (
            row(school_code="sch610101"),
            "Код ОО",  # mun_b: outside the methodist's municipality
            "Нет прав на загрузку результатов школы «sch610101» (муниципалитет «Тацинский район»).",
        ),
        (row(year="1999"), "Год", "Год должен быть от 2000 до 2100, указано 1999."),
        (row(year="2101"), "Год", "Год должен быть от 2000 до 2100, указано 2101."),
        (row(year="2024/25"), "Год", "Ожидается целое число, указано «2024/25»."),
        (row(year=""), "Год", "Обязательное поле не заполнено."),
        (row(grade="0"), "Класс", "Класс должен быть от 1 до 11, указано 0."),
        (row(grade="12"), "Класс", "Класс должен быть от 1 до 11, указано 12."),
        (row(grade="5А"), "Класс", "Ожидается целое число, указано «5А»."),
        (row(kind="ВРП"), "Вид", "Неизвестный вид процедуры «ВРП». Допустимо: ВПР, ЕГЭ, КДР, ККР, ОГЭ."),
        (row(kind=""), "Вид", "Обязательное поле не заполнено."),
        (row(subject="  "), "Предмет", "Обязательное поле не заполнено."),
        (row(subject="М" * 256), "Предмет", "Слишком длинное название: больше 255 символов."),
        (row(participants="-1"), "Участников", "Количество не может быть отрицательным: «-1»."),
        (row(participants=""), "Участников", "Обязательное поле не заполнено."),
        (row(participants="20,5"), "Участников", "Ожидается целое неотрицательное число, указано «20,5»."),
        (row(failed="-2"), "Неудовлетворительно", "Количество не может быть отрицательным: «-2»."),
        (row(failed="два"), "Неудовлетворительно", "Ожидается целое неотрицательное число, указано «два»."),
        (row(failed=""), "Неудовлетворительно", "Обязательное поле не заполнено."),
        (row(failed="21"), "Неудовлетворительно", "Значение 21 больше числа участников (20)."),
        (row(marks_3="-3"), "«3»", "Количество не может быть отрицательным: «-3»."),
        (row(marks_4="1.5"), "«4»", "Ожидается целое неотрицательное число, указано «1.5»."),
        (
            row(marks_3="10", marks_4="9", marks_5="1"),
            "Участников",
            "Сумма «Неудовлетворительно», «3», «4», «5» (21) больше числа участников (20).",
        ),
        (
            row(mean_score="отлично"),
            "Средний балл",
            "Ожидается число от 0 до 9999,99 (дробная часть — через запятую или точку), указано «отлично».",
        ),
        (
            row(mean_score="-1"),
            "Средний балл",
            "Ожидается число от 0 до 9999,99 (дробная часть — через запятую или точку), указано «-1».",
        ),
    ],
)
def test_each_error_is_reported_by_row_and_column_and_nothing_is_written(world, bad, column, message):
    batch = upload(csv_bytes([ROWS[0], bad]), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors == [{"row": 3, "column": column, "message": message}]
    assert batch.stats["errors"] == 1
    assert not Result.objects.exists() and not Procedure.objects.exists() and not Subject.objects.exists()


def test_several_errors_of_one_row_are_all_listed(world):
    batch = upload(csv_bytes([["sch999999", "1999", "ВПР", "", "5", "x", "1", "", "", "", ""]]), world)
    assert [(e["row"], e["column"]) for e in batch.errors] == [
        (2, "Год"),
        (2, "Код ОО"),
        (2, "Предмет"),
        (2, "Участников"),
    ]


def test_duplicate_inside_the_file_names_the_first_row(world):
    rows = [ROWS[0], ROWS[1], ["SCH610001", "2024", "впр", " математика ", "5", "27", "5", "", "", "", ""]]
    batch = upload(csv_bytes(rows), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors == [
        {
            "row": 4,
            "column": "Код ОО",
            "message": "Результат школы «sch610001» по процедуре «ВПР, Математика, 5 кл., 2024» уже встречался "
            "в строке 2.",
        }
    ]
    assert not Result.objects.exists()


def test_same_subject_in_two_grades_is_not_a_duplicate(world):
    rows = [ROWS[0], ROWS[0][:4] + ["6"] + ROWS[0][5:]]
    assert upload(csv_bytes(rows), world).stats["created"] == 2


def test_subjects_are_normalised_and_keep_the_first_spelling(world):
    rows = [
        ["sch610001", "2024", "ВПР", " математика", "5", "27", "5", "", "", "", ""],
        ["sch610002", "2024", "ВПР", "МАТЕМАТИКА", "5", "20", "1", "", "", "", ""],
        ["sch610001", "2023", "ВПР", "Математика ", "5", "25", "4", "", "", "", ""],
        ["sch610001", "2024", "ВПР", "Окружающий  мир", "4", "25", "4", "", "", "", ""],
        ["sch610002", "2024", "ВПР", "окружающий мир", "4", "25", "4", "", "", "", ""],
    ]
    batch = upload(csv_bytes(rows), world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert sorted(Subject.objects.values_list("name", "normalized_name")) == [
        ("Математика", "математика"),
        ("Окружающий мир", "окружающий мир"),
    ]
    assert Procedure.objects.count() == 3
    later = upload(
        csv_bytes([["sch610002", "2023", "ВПР", "математика", "5", "20", "1", "", "", "", ""]]), world
    )
    assert later.stats["subjects_created"] == 0 and Subject.objects.count() == 2


def test_kind_is_case_insensitive_and_inactive_kinds_are_refused(world):
    from schools.models import ProcedureKind

    ProcedureKind.objects.filter(code="КДР").update(is_active=False)
    batch = upload(csv_bytes([row(kind=" огэ "), ROWS[0][:2] + ["КДР"] + ROWS[0][3:]]), world)
    assert batch.errors == [
        {
            "row": 3,
            "column": "Вид",
            "message": "Неизвестный вид процедуры «КДР». Допустимо: ВПР, ЕГЭ, ККР, ОГЭ.",
        }
    ]


def test_regional_methodist_and_command_reach_every_school_of_the_region(world):
    rows = [ROWS[0], row(school_code="sch610101")]
    assert upload(csv_bytes(rows), world, user="regional_methodist").status == ImportBatch.Status.APPLIED
    assert Result.objects.filter(school=world.school_b1).exists()


@pytest.mark.parametrize("role", ["head", "school_admin", "analyst", "nobody"])
def test_roles_without_write_access_import_nothing(world, role):
    batch = upload(csv_bytes(ROWS[:1]), world, user=role)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["message"].startswith("Нет прав на загрузку результатов школы «sch610001»")


def test_errors_beyond_the_cap_are_counted_not_stored(world, monkeypatch):
    monkeypatch.setattr("core.imports.MAX_STORED_ERRORS", 3)
    batch = upload(csv_bytes([row(year="1999")] * 5 + [row(failed="99")] * 5), world)
    assert batch.stats["errors"] == 10
    assert len(batch.errors) == 3


def test_file_level_errors(world):
    batch = upload(csv_bytes([["sch610001", "2024"]], header=["Код ОО", "Год"]), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["row"] == 0
    assert batch.errors[0]["message"].startswith(
        "Не удалось распознать файл: это не шаблон портала и не отчёт ФИС ОКО «Статистика по отметкам». "
        "В заголовке нет обязательных столбцов: «Вид», «Предмет», «Класс», «Участников», «Неудовлетворительно»."
    )
    assert upload(csv_bytes([]), world).errors == [
        {"row": 0, "column": "", "message": "В файле нет строк с результатами школ."}
    ]
    assert upload(b"", world).errors[0]["message"] == "Файл пуст: нет строки заголовка."
    assert "не .xlsx" in upload(b"not a workbook", world, name="r.xlsx").errors[0]["message"]


def test_cp1251_csv_with_spaces_in_numbers(world):
    data = "\n".join([";".join(HEADER_RU), "sch610001;2024;ВПР;Русский язык;5;1 027;105;;;;"]).encode(
        "cp1251"
    )
    batch = upload(data, world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert Result.objects.get().participants == 1027


# --- ФИС ОКО ------------------------------------------------------------------------------------------------

REPORT = [
    ["Статистика по отметкам"],
    ["Всероссийские проверочные работы 2023 (5 класс)"],
    ["Дата: 18.04.2023"],
    ["Предмет: Математика"],
    ["Максимальный первичный балл: 20"],
    [],
    ["Группы участников", "Кол-во ОО", "Кол-во участников", "Распределение групп баллов в %"],
    ["", "", "", "2", "3", "4", "5"],
    ["Вся выборка", "37489", "1376010", "18.27", "44.89", "27.97", "8.87"],
    ["Ростовская обл.", "1019", "38900", "17.1", "45.2", "28.9", "8.8"],
    ["Обливский муниципальный район", "10", "200", "20.5", "40.5", "30", "9"],
    ["(sch610001) МБОУ «Каштановская СОШ»", "", "27", "18.52", "44.44", "29.63", "7.41"],
    ["(sch610002) МБОУ «Солонецкая СОШ»", "", "12", "0", "50", "41,67", "8,33"],
]


def test_fisoko_report_as_exported_xlsx(world):
    rows = [
        [float(cell) if cell.replace(".", "").isdigit() and i else cell for i, cell in enumerate(line)]
        for line in REPORT
    ]  # numbers typed, as in the exported workbook
    batch = upload(xlsx_bytes(rows), world, name="fisoko.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert batch.stats["created"] == 2 and batch.total_rows == 2
    assert stored() == [
        ("sch610001", "ВПР", "Математика", 5, 2023, 27, 5, 12, 8, 2, None),
        ("sch610002", "ВПР", "Математика", 5, 2023, 12, 0, 6, 5, 1, None),
    ]


def test_fisoko_report_csv_with_year_grade_subject_asked_on_upload(world):
    lines = [["Статистика по отметкам"], *REPORT[6:]]
    data = "\n".join(";".join(line) for line in lines).encode("utf-8-sig")
    batch = upload(data, world, name="fisoko.csv")
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["message"] == (
        "В заголовке отчёта ФИС ОКО не найдены: год, класс, предмет. Укажите их при загрузке файла "
        "(в команде: --year, --grade, --subject)."
    )
    batch = upload(data, world, name="fisoko.csv", options={"year": 2024, "grade": 6, "subject": "история"})
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert batch.stats["options"] == {"year": 2024, "grade": 6, "subject": "история"}
    assert {(r[2], r[3], r[4], r[6]) for r in stored()} == {("История", 6, 2024, 5), ("История", 6, 2024, 0)}


def test_fisoko_report_contradicting_the_upload_is_refused(world):
    batch = upload(xlsx_bytes(REPORT), world, name="fisoko.xlsx", options={"year": 2024})
    assert batch.errors[0]["message"].startswith(
        "В заголовке отчёта указан год «2023», а при загрузке — «2024»."
    )


def test_fisoko_report_errors_name_report_rows_and_columns(world):
    rows = [
        *REPORT[:11],
        ["(sch610101) МБОУ «Тацинская СОШ №1»", "", "20", "10", "30", "30", "30"],
        ["(sch610001) МБОУ «Каштановская СОШ»", "", "27", "", "44.44", "29.63", "7.41"],
    ]
    batch = upload(xlsx_bytes(rows), world, name="fisoko.xlsx")
    assert batch.errors == [  # an error of a workbook names its sheet too (#19 §2)
        {
            "row": 12,
            "column": "Группы участников",
            "message": "Нет прав на загрузку результатов школы «sch610101» (муниципалитет «Тацинский район»).",
            "sheet": "Sheet",
        },
        {"row": 13, "column": "«2»", "message": "Не заполнен процент отметок «2».", "sheet": "Sheet"},
    ]


FLAT_HEADER = [
    "Год",
    "Класс",
    "Предмет",
    "Муниципалитет",
    "ОО",
    "Логин",
    "Кол-во участников",
    "2",
    "3",
    "4",
    "5",
]


def test_fisoko_flat_table(world):
    rows = [
        FLAT_HEADER,
        [
            "2023",
            "5",
            "Математика",
            "Обливский район",
            "МБОУ «Каштановская СОШ»",
            "sch610001",
            "27",
            "18,52",
            "44,44",
            "29,63",
            "7,41",
        ],
        [
            "2023",
            "4",
            "Русский язык",
            "Обливский район",
            "МБОУ «Солонецкая СОШ»",
            "sch610002",
            "12",
            "0",
            "50",
            "41.67",
            "8.33",
        ],
    ]
    batch = upload(xlsx_bytes(rows), world, name="flat.xlsx")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert stored() == [
        ("sch610001", "ВПР", "Математика", 5, 2023, 27, 5, 12, 8, 2, None),
        ("sch610002", "ВПР", "Русский язык", 4, 2023, 12, 0, 6, 5, 1, None),
    ]
    again = upload(csv_bytes(rows[1:], header=FLAT_HEADER), world)
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 2)


def test_fisoko_flat_table_errors(world):
    rows = [
        ["2023", "5", "Математика", "", "", "sch610001", "27", "118", "0", "0", "0"],
        ["2023", "15", "Математика", "", "", "sch610002", "27", "10", "10", "10", "10"],
        ["2023", "5", "Математика", "", "", "sch610002", "27", "50", "50", "50", "0"],
    ]
    batch = upload(csv_bytes(rows, header=FLAT_HEADER), world)
    assert batch.errors == [
        {
            "row": 2,
            "column": "«2»",
            "message": "Ожидается процент от 0 до 100 (например, 18,52), указано «118».",
        },
        {"row": 3, "column": "Класс", "message": "Класс должен быть от 1 до 11, указано 15."},
        {
            "row": 4,
            "column": "Кол-во участников",
            "message": "Сумма «2», «3», «4», «5» (42) больше числа участников (27).",
        },  # 13.5 -> 14, three times
    ]


# --- the ШНОР recompute -------------------------------------------------------------------------------------


def test_an_import_that_changed_results_queues_the_recompute_of_the_lists_looking_back(
    world, flags_task, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(
            csv_bytes([ROWS[0], ["sch610001", "2022", "ЕГЭ", "Химия", "11", "5", "1", "", "", "", ""]]), world
        )
    assert flags_task == [{"years": [2023, 2024, 2025, 2026, 2027], "region_id": world.region.pk}]
    with django_capture_on_commit_callbacks(execute=True):
        upload(csv_bytes([ROWS[0]]), world)  # nothing changed: nothing to recompute
    assert len(flags_task) == 1


# --- the command --------------------------------------------------------------------------------------------


def write(tmp_path: Path, data: bytes, name="results.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_command_imports_and_reports_in_russian(world, tmp_path, capsys):
    path = write(tmp_path, csv_bytes(ROWS))
    call_command("import_results", str(path), "--region", "Ростовская область")
    out = capsys.readouterr().out
    assert "Загружено: строк 3; добавлено 3, обновлено 0, без изменений 0." in out
    assert "Новых оценочных процедур: 2, новых предметов: 2." in out
    assert "Пересчёт признаков ШНОР поставлен в очередь." in out
    assert stored() == EXPECTED
    batch = ImportBatch.objects.get()
    assert (batch.source, batch.uploaded_by, batch.kind) == ("command", None, "results")


def test_command_with_errors_exits_non_zero_and_lists_them(world, tmp_path, capsys):
    path = write(tmp_path, csv_bytes([ROWS[0], row(grade="12")]))
    with pytest.raises(CommandError, match="отклонена"):
        call_command("import_results", str(path), "--region", "Ростовская область")
    err = capsys.readouterr().err
    assert "Файл не загружен: 1 ошибка, ничего не изменено." in err
    assert "строка 3, столбец «Класс»: Класс должен быть от 1 до 11, указано 12." in err
    assert not Result.objects.exists()


def test_command_fisoko_report_with_year_grade_subject(world, tmp_path):
    lines = [["Статистика по отметкам"], *REPORT[6:]]
    path = write(tmp_path, xlsx_bytes(lines), name="fisoko.xlsx")
    call_command(
        "import_results",
        str(path),
        "--region",
        "Ростовская область",
        "--year",
        "2024",
        "--grade",
        "4",
        "--subject",
        "Окружающий мир",
    )
    assert {(r[2], r[3], r[4]) for r in stored()} == {("Окружающий мир", 4, 2024)}


def test_command_missing_file(db):
    with pytest.raises(CommandError, match="Файл не найден"):
        call_command("import_results", "/nonexistent/results.csv")


# --- the COPY path and the portable path --------------------------------------------------------------------


class _Undo(Exception):
    pass


def run_sequence(world, portable: bool, monkeypatch) -> list:
    """Three imports (new; unchanged + corrected + new; a preview) through one writer: what each reported and
    what the table holds after each."""
    steps = [
        (csv_bytes(ROWS), True),
        (
            csv_bytes(
                [
                    ROWS[0],
                    row(failed="3", marks_3="7"),
                    ["sch610002", "2023", "КДР", "Физика", "8", "14", "0", "", "", "", "4"],
                ]
            ),
            True,
        ),
        (
            csv_bytes(
                [row(failed="4"), ["sch610001", "2025", "ВПР", "Химия", "8", "9", "9", "", "", "", ""]]
            ),
            False,
        ),
    ]
    seen = []
    with monkeypatch.context() as patch:
        if portable:
            patch.setattr(importer, "CopyWriter", writers.PortableWriter)
        for data, apply in steps:
            batch = import_batch_create(
                kind="results",
                file=io.BytesIO(data),
                name="r.csv",
                region=world.region,
                user=world.users["methodist"],
            )
            if apply:
                batch = import_batch_apply(batch=batch, user=world.users["methodist"])
            seen.append((batch.status, batch.stats, stored()))
    return seen


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the COPY path needs PostgreSQL")
def test_copy_path_and_portable_path_give_identical_results(world, monkeypatch):
    outcomes = {}
    for portable in (False, True):
        try:
            with transaction.atomic():
                outcomes[portable] = run_sequence(world, portable, monkeypatch)
                raise _Undo  # start the other path from the same database
        except _Undo:
            pass
    assert outcomes[False] == outcomes[True]
    assert [status for status, _stats, _rows in outcomes[True]] == ["applied", "applied", "validated"]
    assert [(s["created"], s["updated"], s["unchanged"]) for _st, s, _r in outcomes[True]] == [
        (3, 0, 0),
        (1, 1, 1),
        (1, 1, 0),
    ]


def test_portable_writer_directly(world):
    """The portable writer on whatever database the suite runs (PostgreSQL in CI, SQLite for the demo)."""
    catalog = Catalog(region=world.region, user=SYSTEM)
    index = catalog.procedure_index("ВПР", "Математика", "5", "2024")
    writer = writers.PortableWriter(catalog, apply=True, batch_id=None)
    writer.buffer.append((world.school_a1.pk, index, 27, 5, 12, 8, 2, "3.26", None, None))
    assert writer.finish() == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "procedures_created": 1,
        "subjects_created": 1,
    }
    writer = writers.PortableWriter(catalog, apply=True, batch_id=None)
    writer.buffer.append((world.school_a1.pk, index, 27, 5, 12, 8, 2, "3.26", None, None))
    writer.buffer.append((world.school_a2.pk, index, 20, 1, None, None, None, None, None, None))
    assert writer.finish() == {
        "created": 1,
        "updated": 0,
        "unchanged": 1,
        "procedures_created": 1,
        "subjects_created": 1,
    }
    assert stored() == [EXPECTED[0], EXPECTED[2]]


def test_chunks_and_progress(world, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    rows = [
        [code, "2024", "ВПР", "Математика", str(grade), "20", "1", "", "", "", ""]
        for code in ("sch610001", "sch610002")
        for grade in range(4, 9)
    ]
    reported = []
    outcome = importer.ResultsImporter().run(
        stream=io.BytesIO(csv_bytes(rows)),
        name="r.csv",
        region=world.region,
        user=SYSTEM,
        apply=True,
        progress=reported.append,
    )
    assert outcome.ok and outcome.stats["created"] == 10
    assert reported == [2, 4, 6, 8, 10, 10]
    assert Result.objects.count() == 10


def test_an_error_after_written_chunks_undoes_them_all(world, monkeypatch):
    """Chunks are written while the file is still being read (on PostgreSQL by a helper thread); an error in the
    last row still leaves the database as it was, and a clean re-run counts across chunks."""
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    add_rows = [
        [code, "2024", "ВПР", "Математика", str(grade), "20", "1", "", "", "", ""]
        for code in ("sch610001", "sch610002")
        for grade in range(4, 9)
    ]

    def run(rows):
        return importer.ResultsImporter().run(
            stream=io.BytesIO(csv_bytes(rows)), name="r.csv", region=world.region, user=SYSTEM, apply=True
        )

    bad = run([*add_rows, ["sch610001", "2024", "ВПР", "Математика", "9", "20", "21", "", "", "", ""]])
    assert not bad.ok
    assert Result.objects.count() == 0

    assert run(add_rows).stats["created"] == 10
    changed = [row[:6] + ["2"] + row[7:] if row[4] in ("5", "7") else row for row in add_rows]
    outcome = run(changed)
    assert (outcome.stats["created"], outcome.stats["updated"], outcome.stats["unchanged"]) == (0, 4, 6)
    assert Result.objects.filter(failed=2).count() == 4


def test_import_file_reads_the_file_once(world, tmp_path, monkeypatch):
    calls = []
    original = importer.open_rows
    monkeypatch.setattr(importer, "open_rows", lambda *a, **k: calls.append(1) or original(*a, **k))
    batch = import_file(
        kind="results", path=write(tmp_path, csv_bytes(ROWS)), region=world.region, user=SYSTEM
    )
    assert batch.status == ImportBatch.Status.APPLIED and len(calls) == 1


def test_stray_spaces_are_trimmed_and_rows_of_spaces_skipped(world):
    data = f"{';'.join(HEADER_RU)}\n sch610001 ; 2024 ; ВПР ; Математика ; 5 ; 27 ; 5 ;12; 8;2 ; 3,26 \n ; ;  ; ;;;;;;;\n"
    batch = upload(data.encode(), world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert batch.total_rows == 1
    assert stored() == [EXPECTED[0]]


@pytest.mark.django_db(transaction=True)
def test_import_refuses_when_a_referenced_school_disappears(world, monkeypatch):
    """Results have no database-level foreign keys; the import's lock-and-check keeps the guarantee."""
    from schools.models import ProcedureKind

    # A transactional test may start from a database flushed by an earlier one: the seeded kinds are gone.
    ProcedureKind.objects.get_or_create(code="ВПР", defaults={"name": "Всероссийские проверочные работы"})
    from django.db import connection

    from core.errors import ApplicationError
    from schools.models import Result

    if connection.vendor != "postgresql":
        pytest.skip("путь COPY есть только на PostgreSQL")
    original = writers.lock_referenced

    def school_deleted_meanwhile(cursor):
        cursor.execute("DELETE FROM schools_school WHERE code = 'sch610002'")
        original(cursor)

    monkeypatch.setattr(writers, "lock_referenced", school_deleted_meanwhile)
    data = (
        "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно\n"
        "sch610001;2024;ВПР;Математика;5;20;3\n"
        "sch610002;2024;ВПР;Математика;5;20;3\n"
    ).encode()
    with pytest.raises(ApplicationError, match="удалены школы или процедуры"):
        upload(data, world)
    assert Result.objects.count() == 0


# --- whoever an import runs for (#18): no actor is an error, never the portal's own rights ---------------------


def test_an_import_file_without_its_actor_is_refused_before_anything_is_stored(world, tmp_path):
    with pytest.raises(ValueError, match="An import needs its actor: a user, or core.policies.SYSTEM"):
        import_file(kind="results", path=write(tmp_path, csv_bytes(ROWS)), region=world.region, user=None)
    assert not ImportBatch.objects.exists()
    assert Result.objects.count() == 0


def test_a_preview_without_its_actor_fails_its_batch(world):
    with pytest.raises(ValueError, match="An import needs its actor"):
        import_batch_create(
            kind="results", file=io.BytesIO(csv_bytes(ROWS)), name="r.csv", region=world.region, user=None
        )
    assert list(ImportBatch.objects.values_list("status", flat=True)) == [ImportBatch.Status.FAILED]
    assert Result.objects.count() == 0


def test_an_importer_asked_without_a_user_writes_no_school_and_system_writes_all(world):
    def run(user):
        return importer.ResultsImporter().run(
            stream=io.BytesIO(csv_bytes(ROWS)), name="r.csv", region=world.region, user=user, apply=True
        )

    refused = run(None)
    assert [(error.row, error.message) for error in refused.errors] == [
        (2, "Нет прав на загрузку результатов школы «sch610001» (муниципалитет «Обливский район»)."),
        (3, "Нет прав на загрузку результатов школы «sch610002» (муниципалитет «Обливский район»)."),
        (4, "Нет прав на загрузку результатов школы «sch610001» (муниципалитет «Обливский район»)."),
    ]
    assert Result.objects.count() == 0
    applied = run(SYSTEM)
    assert applied.ok and applied.stats["created"] == 3
    assert stored() == EXPECTED
