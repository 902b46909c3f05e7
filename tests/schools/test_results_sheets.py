"""Every sheet of a results workbook, said out loud (#19 §2, §3.1): a ФИС ОКО «Статистика по отметкам» workbook
with one report per subject is read sheet by sheet, each recognised on its own (year, grade and subject from its
own header block); an empty sheet and a sheet no layout knows are named in the outcome, the preview and the
command; all sheets in one transaction; the duplicate check spans sheets."""

import io
import types

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from core.imports import import_batch_apply, import_batch_create, import_file
from core.models import ImportBatch
from core.policies import SYSTEM
from schools.models import Result
from schools.results_import import importer
from schools.results_import.layouts import LAYOUTS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def flags_task(monkeypatch):
    monkeypatch.setattr(importer, "recompute_flags_task", types.SimpleNamespace(delay=lambda **kwargs: None))


def report_sheet(subject: str, grade: int, schools: list[tuple]) -> list[list]:
    """One sheet as ФИС ОКО exports «Статистика по отметкам»: the header block (procedure and year with the grade,
    the date, the subject, the maximum score), a blank row, the table's two header rows (the marks under a merged
    «Распределение групп баллов в %»), the whole sample, the region, a municipality, then the schools with their
    login in parentheses; marks in % with two decimals, numbers typed as the export types them."""
    return [
        ["Статистика по отметкам"],
        [f"Всероссийские проверочные работы 2023 ({grade} класс)"],
        ["Дата: 18.04.2023"],
        [f"Предмет: {subject}"],
        ["Максимальный первичный балл: 20"],
        [],
        ["Группы участников", "Кол-во ОО", "Кол-во участников", "Распределение групп баллов в %"],
        [None, None, None, 2, 3, 4, 5],
        ["Вся выборка", 37489, 1376010, 18.27, 44.89, 27.97, 8.87],
        ["Ростовская обл.", 1019, 38900, 17.1, 45.2, 28.9, 8.8],
        ["Обливский муниципальный район", 10, 200, 20.5, 40.5, 30, 9],
        *([f"({login}) {name}", None, participants, *marks] for login, name, participants, *marks in schools),
    ]


MATH = report_sheet(
    "Математика",
    5,
    [
        ("sch610001", "МБОУ «Каштановская СОШ»", 27, 18.52, 44.44, 29.63, 7.41),  # 5, 12, 8, 2
        ("sch610002", "МБОУ «Солонецкая СОШ»", 12, 0, 50, 41.67, 8.33),  # 0, 6, 5, 1
    ],
)
RUSSIAN = report_sheet(
    "Русский язык",
    5,
    [
        ("sch610001", "МБОУ «Каштановская СОШ»", 25, 20, 40, 32, 8),  # 5, 10, 8, 2
        ("sch610002", "МБОУ «Солонецкая СОШ»", 10, 10, 30, 40, 20),  # 1, 3, 4, 2
    ],
)
HISTORY = report_sheet(
    "История",
    6,
    [("sch610101", "МБОУ «Тацинская СОШ №1»", 20, 5, 45, 40, 10)],  # 1, 9, 8, 2
)
NOTES = [["Пояснения к отчёту", "Дата выгрузки"], ["Проценты округлены до сотых", "18.04.2023"]]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def load(tmp_path, data: bytes, world, name="fisoko.xlsx") -> ImportBatch:
    path = tmp_path / name
    path.write_bytes(data)
    return import_file(kind="results", path=path, region=world.region, user=SYSTEM)


def stored() -> list[tuple]:
    return sorted(
        Result.objects.values_list(
            "school__code",
            "procedure__subject__name",
            "procedure__grade",
            "procedure__year",
            "participants",
            "failed",
            "marks_3",
            "marks_4",
            "marks_5",
        )
    )


EXPECTED = [
    ("sch610001", "Математика", 5, 2023, 27, 5, 12, 8, 2),
    ("sch610001", "Русский язык", 5, 2023, 25, 5, 10, 8, 2),
    ("sch610002", "Математика", 5, 2023, 12, 0, 6, 5, 1),
    ("sch610002", "Русский язык", 5, 2023, 10, 1, 3, 4, 2),
    ("sch610101", "История", 6, 2023, 20, 1, 9, 8, 2),
]


def summary(batch: ImportBatch) -> list[tuple]:
    return [
        (sheet["sheet"], sheet["status"], sheet["layout"], sheet["rows"], sheet["results"])
        for sheet in batch.stats["sheets"]
    ]


REPORT_NAME = "Отчёт ФИС ОКО «Статистика по отметкам»"


def test_every_sheet_of_a_fisoko_workbook_is_read_each_with_its_own_header(world, tmp_path):
    data = workbook({"Математика": MATH, "Русский язык": RUSSIAN, "История 6": HISTORY})
    batch = load(tmp_path, data, world)
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert (batch.total_rows, batch.stats["created"]) == (5, 5)
    assert stored() == EXPECTED
    assert summary(batch) == [
        ("Математика", "read", REPORT_NAME, 5, 2),  # the sample, the region, a municipality, two schools
        ("Русский язык", "read", REPORT_NAME, 5, 2),
        ("История 6", "read", REPORT_NAME, 4, 1),
    ]
    math = batch.stats["sheets"][0]
    assert math["header_row"] == 8  # the marks' row under «Распределение групп баллов в %»
    assert math["columns"] == {
        "Логин (в скобках в начале строки школы)": "Группы участников",
        "Кол-во участников": "Кол-во участников",
        "«2», %": "2",
        "«3», %": "3",
        "«4», %": "4",
        "«5», %": "5",
    }
    assert math["origins"] == {
        "Год": "из шапки отчёта (строки 1–6): 2023",
        "Класс": "из шапки отчёта (строки 1–6): 5",
        "Предмет": "из шапки отчёта (строки 1–6): Математика",
    }
    assert batch.stats["sheets"][2]["origins"]["Класс"] == "из шапки отчёта (строки 1–6): 6"
    # A second load of the same workbook changes nothing.
    again = load(tmp_path, data, world)
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 5)
    assert stored() == EXPECTED


def test_an_empty_and_an_unrecognised_sheet_are_named_not_dropped(world, tmp_path, capsys):
    data = workbook({"Математика": MATH, "Пусто": [], "Пояснения": NOTES, "Русский язык": RUSSIAN})
    path = tmp_path / "fisoko.xlsx"
    path.write_bytes(data)
    call_command("import_results", str(path), "--region", "Ростовская область")
    out, err = capsys.readouterr()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert batch.stats["created"] == 4
    assert summary(batch) == [
        ("Математика", "read", REPORT_NAME, 5, 2),
        ("Пусто", "empty", "", 0, 0),
        ("Пояснения", "unrecognised", "", 1, 0),
        ("Русский язык", "read", REPORT_NAME, 5, 2),
    ]
    looked_for = ", ".join(f"«{layout.name}»" for layout in LAYOUTS)
    reason = (
        f"Не распознан: искали {looked_for}. Первые ячейки листа: «Пояснения к отчёту» | «Дата выгрузки»."
    )
    assert batch.stats["sheets"][2]["reason"] == reason
    assert batch.stats["sheets"][1]["reason"] == "пустой лист"
    assert "Листов в файле: 4." in out
    assert "  лист «Пусто»: пустой лист." in out
    assert (
        "  лист «Математика»: прочитан — Отчёт ФИС ОКО «Статистика по отметкам»; строк 5, результатов 2; "
        "заголовок — строка 8; столбцы: "
    ) in out
    assert f"  лист «Пояснения»: НЕ РАСПОЗНАН, не загружается: {reason}" in err
    assert "Загружено: строк 4; добавлено 4, обновлено 0, без изменений 0." in out


def test_preview_lists_every_sheet_and_warns_beside_confirm(world, client):
    user = (
        world.users["regional_methodist"] if "regional_methodist" in world.users else world.users["methodist"]
    )
    data = workbook({"Математика": MATH, "Пусто": [], "Пояснения": NOTES})
    batch = import_batch_create(
        kind="results", file=io.BytesIO(data), name="fisoko.xlsx", region=world.region, user=user
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    client.force_login(user)
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert "Листы файла" in page
    assert "Лист «Пояснения» не распознан и не будет загружен" in page
    assert "Загружены будут только распознанные листы: «Пояснения» — не распознан." in page
    assert "Пустой лист" in page
    assert "Заголовок — строка 8." in page
    assert "Предмет — из шапки отчёта (строки 1–6): Математика" in page
    assert import_batch_apply(batch=batch, user=user).status == ImportBatch.Status.APPLIED
    assert Result.objects.count() == 2


def test_errors_name_their_sheet_and_a_bad_sheet_writes_nothing(world, tmp_path, capsys):
    bad = [*RUSSIAN[:-1], ["(sch610002) МБОУ «Солонецкая СОШ»", None, 10, None, 30, 40, 20]]
    path = tmp_path / "fisoko.xlsx"
    path.write_bytes(workbook({"Математика": MATH, "Русский язык": bad}))
    with pytest.raises(CommandError, match="отклонена"):
        call_command("import_results", str(path), "--region", "Ростовская область")
    err = capsys.readouterr().err
    batch = ImportBatch.objects.get()
    assert batch.errors == [
        {"row": 13, "column": "«2»", "message": "Не заполнен процент отметок «2».", "sheet": "Русский язык"}
    ]
    assert "  лист «Русский язык», строка 13, столбец ««2»»: Не заполнен процент отметок «2»." in err
    assert not Result.objects.exists()  # the good sheet is not written either: all or nothing


def test_the_error_list_download_names_the_sheet(world, client):
    user = world.users["methodist"]
    bad = [*RUSSIAN[:-1], ["(sch610002) МБОУ «Солонецкая СОШ»", None, 10, None, 30, 40, 20]]
    data = workbook({"Математика": MATH, "Русский язык": bad})
    batch = import_batch_create(
        kind="results", file=io.BytesIO(data), name="fisoko.xlsx", region=world.region, user=user
    )
    assert batch.status == ImportBatch.Status.INVALID
    client.force_login(user)
    download = client.get(reverse("imports:errors", args=[batch.pk])).content
    assert download.decode("utf-8-sig").splitlines() == [
        "Лист;Строка;Столбец;Ошибка",
        "Русский язык;13;«2»;Не заполнен процент отметок «2».",
    ]
    page = client.get(reverse("imports:detail", args=[batch.pk])).content.decode()
    assert '<th>Лист</th><th class="num">Строка</th>' in page
    assert '<td>Русский язык</td><td class="num">13</td>' in page


def test_the_duplicate_check_spans_sheets(world, tmp_path):
    batch = load(tmp_path, workbook({"Математика": MATH, "Математика (2)": MATH}), world)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors == [
        {
            "row": line,
            "column": "Группы участников",
            "message": f"Результат школы «{school}» по процедуре «ВПР, Математика, 5 кл., 2023» уже встречался "
            f"на листе «Математика», в строке {line}.",
            "sheet": "Математика (2)",
        }
        for line, school in ((12, "sch610001"), (13, "sch610002"))
    ]
    assert not Result.objects.exists()


def test_a_workbook_with_no_sheet_recognised_says_what_was_looked_for_and_found(world, tmp_path):
    data = workbook({"Пояснения": NOTES, "Пусто": [], "Лист3": [[None], ["Код", "Школа", "Балл"]]})
    batch = load(tmp_path, data, world)
    assert batch.status == ImportBatch.Status.INVALID
    looked_for = ", ".join(f"«{layout.name}»" for layout in LAYOUTS)
    assert batch.errors == [
        {
            "row": 0,
            "column": "",
            "message": f"Не удалось распознать ни один лист файла. Искали: {looked_for}. Найдено: лист "
            "«Пояснения» — «Пояснения к отчёту» | «Дата выгрузки»; лист «Пусто» — пустой лист; лист «Лист3» — "
            "«Код» | «Школа» | «Балл».",
        }
    ]
    assert batch.total_rows == 1  # the rows under each sheet's first filled row: 1 + 0
    assert [(sheet["sheet"], sheet["status"]) for sheet in batch.stats["sheets"]] == [
        ("Пояснения", "unrecognised"),
        ("Пусто", "empty"),
        ("Лист3", "unrecognised"),
    ]


def test_a_csv_file_is_one_sheet(world):
    data = (
        "Код ОО;Год;Вид;Предмет;Класс;Участников;Неудовлетворительно\nsch610001;2024;ВПР;Математика;5;27;5\n"
    ).encode()
    user = world.users["methodist"]
    batch = import_batch_create(
        kind="results", file=io.BytesIO(data), name="r.csv", region=world.region, user=user
    )
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    [sheet] = batch.stats["sheets"]
    assert (sheet["sheet"], sheet["status"], sheet["layout"], sheet["header_row"], sheet["rows"]) == (
        None,
        "read",
        "Шаблон портала",
        1,
        1,
    )
    assert (
        sheet["columns"]["Код ОО"] == "Код ОО"
        and sheet["columns"]["Неудовлетворительно"] == "Неудовлетворительно"
    )
    assert sheet["origins"] == {
        "Год": "из столбца «Год» каждой строки",
        "Предмет": "из столбца «Предмет» каждой строки",
    }


# --- .xls (Excel 97–2003) ------------------------------------------------------------------------------------


def xls_workbook(sheets: dict[str, list[list]]) -> bytes:
    """The same sheets saved as Excel 97–2003 (BIFF8) does, by xlwt."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    for title, rows in sheets.items():
        sheet = book.add_sheet(title)
        for row_number, row in enumerate(rows):
            for column, value in enumerate(row):
                if value is not None:
                    sheet.write(row_number, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xls_workbook_is_read_sheet_by_sheet_like_an_xlsx(world, tmp_path):
    data = xls_workbook({"Математика": MATH, "Пусто": [], "Пояснения": NOTES, "Русский язык": RUSSIAN})
    batch = load(tmp_path, data, world, name="fisoko.xls")
    assert batch.status == ImportBatch.Status.APPLIED, batch.errors
    assert (batch.total_rows, batch.stats["created"]) == (4, 4)
    assert stored() == [row for row in EXPECTED if row[1] != "История"]
    assert summary(batch) == [
        ("Математика", "read", REPORT_NAME, 5, 2),
        ("Пусто", "empty", "", 0, 0),
        ("Пояснения", "unrecognised", "", 1, 0),
        ("Русский язык", "read", REPORT_NAME, 5, 2),
    ]
    again = load(tmp_path, data, world, name="fisoko.xls")
    assert (again.stats["created"], again.stats["updated"], again.stats["unchanged"]) == (0, 0, 4)


def test_an_xls_is_measured_before_calamine_builds_it(world, tmp_path, monkeypatch):
    """calamine builds every sheet of an .xls as a dense grid on opening: a cell at IV65536 would take 512 MB."""
    import xlwt

    from core import tabular

    book = xlwt.Workbook()
    sheet = book.add_sheet("Лист1")
    sheet.write(0, 0, "Код ОО")
    sheet.write(65535, 255, "x")
    buffer = io.BytesIO()
    book.save(buffer)
    batch = load(tmp_path, buffer.getvalue(), world, name="far.xls")
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["message"].startswith("Файл Excel 97–2003 (.xls) читается целиком, всеми листами")
    # Text: a shared string counted at every use, 3 bytes a character — 3 cells × 30,000 «ё» (the string runs
    # over CONTINUE records) are 270,000 bytes.
    data = xls_workbook({"Лист1": [["ё" * 30000], ["ё" * 30000], ["ё" * 30000]]})
    monkeypatch.setattr(tabular, "XLSX_MAX_TEXT_BYTES", 270_000)
    tabular.measure_xls(tabular._xls_stream(io.BytesIO(data)))
    monkeypatch.setattr(tabular, "XLSX_MAX_TEXT_BYTES", 269_999)
    with pytest.raises(tabular.TableError, match="текста"):
        tabular.measure_xls(tabular._xls_stream(io.BytesIO(data)))
    # Not an .xls inside: refused with a message, never a crash.
    broken = load(tmp_path, tabular._XLS_SIGNATURE + b"\0" * 600, world, name="broken.xls")
    assert broken.errors[0]["message"] == tabular.XLS_BROKEN


def test_an_xls_declaring_a_range_backwards_is_refused_before_calamine_reserves_it(world, tmp_path):
    """calamine reserves the range a sheet's DIMENSIONS record declares before reading a cell: a first row past
    the last one made it ask for 1.2 TB and abort the process (found by mutating a valid file)."""
    import struct

    from core import tabular

    data = bytearray(xls_workbook({"Математика": MATH}))
    stream = tabular._xls_stream(io.BytesIO(bytes(data)))
    assert bytes(data[512 : 512 + len(stream)]) == stream  # xlwt writes the «Workbook» stream in one piece
    at = 0
    while struct.unpack_from("<H", stream, at)[0] != 0x0200:  # the worksheet's DIMENSIONS
        at += 4 + struct.unpack_from("<H", stream, at + 2)[0]
    first_row, end_row = struct.unpack_from("<II", stream, at + 4)
    assert (first_row, end_row) == (0, len(MATH))
    struct.pack_into("<I", data, 512 + at + 4, 0x24000000)  # the first row far past the last
    batch = load(tmp_path, bytes(data), world, name="backwards.xls")
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors == [{"row": 0, "column": "", "message": tabular.XLS_BROKEN}]
