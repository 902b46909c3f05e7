"""The streamed Excel writer (reports/renderers/xlsx.py): what the workbook tests of test_renderers.py do not
cover — texts that look like Excel's escapes, spaces kept, awkward sheet names in the defined names, values of
an unexpected type, and the same workbook read by the portal's own reader (calamine) as by openpyxl."""

import datetime
import io
import zipfile
from decimal import Decimal

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from reports.context import Column, Kind, ReportContext, Section, Table
from reports.renderers.xlsx import column_letter, excel_serial, render_xlsx

COLUMNS = (
    Column("Текст", Kind.TEXT, 20),
    Column("Целое", Kind.INT, 8),
    Column("Доля", Kind.PERCENT, 8),
    Column("Балл", Kind.DECIMAL, 8),
    Column("Дата", Kind.DATE, 10),
)


def context(rows, *, sheet: str = "Таблица") -> ReportContext:
    return ReportContext(
        title="Справка & <приложение>",
        department="Отдел образования",
        territory="Обливский район",
        year=2026,
        as_of=datetime.datetime(2026, 11, 22, 11, 5, tzinfo=datetime.UTC),
        sections=(Section("s", "Раздел", tables=(Table("Данные", COLUMNS, rows, sheet=sheet),)),),
    )


def test_texts_round_trip_exactly():
    rows = [
        ("_x0041_ не буква A", 1, None, None, None),
        ("  с пробелами  ", 2, None, None, None),
        ("<b>&amp;</b> «кавычки» 'апостроф'", 3, None, None, None),
        ("управляющий\x01символ", 4, None, None, None),
    ]
    wb = load_workbook(io.BytesIO(render_xlsx(context(rows))))
    ws = wb["Таблица"]
    assert [ws.cell(row=r, column=1).value for r in range(2, 6)] == [
        "_x0041_ не буква A",
        "  с пробелами  ",
        "<b>&amp;</b> «кавычки» 'апостроф'",
        "управляющийсимвол",
    ]


def test_values_of_an_unexpected_type_are_text_or_typed():
    rows = [
        (12, "н/д", Decimal("31.5"), 4, datetime.date(2026, 5, 1)),
        (True, 7.0, 100, float("nan"), "не дата"),
        ("", None, 0, Decimal("3.456"), datetime.datetime(2026, 5, 1, 9, 0)),
    ]
    ws = load_workbook(io.BytesIO(render_xlsx(context(rows))))["Таблица"]
    assert [cell.value for cell in ws[2]] == ["12", "н/д", 0.315, 4, datetime.datetime(2026, 5, 1)]
    assert [cell.value for cell in ws[3]] == ["True", 7, 1, "nan", "не дата"]
    assert [cell.value for cell in ws[4]] == [None, None, 0, 3.456, datetime.datetime(2026, 5, 1, 9, 0)]
    assert ws["D4"].number_format == "0.00"
    assert ws["E4"].number_format == "DD.MM.YYYY HH:MM"


def test_sheet_name_with_an_apostrophe_in_defined_names():
    data = render_xlsx(context([("a", 1, 2, 3, None)], sheet="Школы Ростов'а & Co"))
    wb = load_workbook(io.BytesIO(data))
    ws = wb["Школы Ростов'а & Co"]
    assert ws.print_title_rows == "$1:$1"
    assert ws.auto_filter.ref == "A1:E2"
    workbook_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    assert "'Школы Ростов''а &amp; Co'!$A$1:$E$2" in workbook_xml


def test_calamine_reads_what_openpyxl_reads():
    rows = [(f"Школа № {i}", i, i / 2, i / 4, datetime.date(2026, 1, 1 + i % 28)) for i in range(300)]
    data = render_xlsx(context(rows))
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["Сводка", "Таблица"]
    sheet = book.get_sheet_by_name("Таблица").to_python()
    assert sheet[0] == [column.title for column in COLUMNS]
    assert sheet[300] == ["Школа № 299", 299, 1.495, 74.75, datetime.date(2026, 1, 20)]
    summary = book.get_sheet_by_name("Сводка").to_python()
    assert summary[0][0] == "Справка & <приложение>"
    assert ["Данные на", datetime.datetime(2026, 11, 22, 14, 5)] in summary  # Moscow time, as the page


def test_helpers():
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == ["A", "Z", "AA", "AZ", "ZZ", "AAA"]
    assert excel_serial(datetime.date(1900, 3, 1)) == 61
    assert excel_serial(datetime.datetime(2026, 1, 1, 12, 0)) == 46023.5
