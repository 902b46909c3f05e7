"""Regional ГИА workbooks built in code, in the real files' shape (#19 §3.2, §3.3), with values the tests know.

The ЕГЭ workbook reproduces ``ege_region_workbook_*.xlsx`` (../shared/realdata): a sheet per year, the first of
which is the applications for the next ЕГЭ; the title in a merged row 2, the region in a merged row 4; three
merged header rows (6–8: the columns «Муниципальное образование | Образовательная организация (школа) |
Профиль (при наличии) | Всего выпускников …», «из них» merged over the subjects, the subjects merged over their
five columns, the five sub-headers), a row of column numbers (1, 2, 3, 4, then 5…9 per subject), «ВСЕГО по
региону» with typed numbers, municipality rows whose numbers are ``=SUM()`` formulas (never recalculated here:
a reader sees no value, as in a file saved by a script), schools by full name with an empty cell for 0. The
second shape (Забайкальский край's) has two header rows, the municipality — named by its department — on every
school row, the «Итого» at the bottom. The ОГЭ table is the first shape with «2» «3» «4» «5».
``Sheet.summed_hundreds`` writes a subject's «получили 100 баллов» as the real Забайкальский 2023 sheet writes
chemistry's: =SUM() of the three columns before it, with the value Excel caches.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

EGE_FIELDS = (
    "приняло участие",
    "не преодолен min порог",
    "высокобалльники \n(80-99 баллов)",
    "получили 100 баллов",
    "средний балл",
)
OGE_FIELDS = ("приняло участие", "«2»", "«3»", "«4»", "«5»")
OGE_PERCENT_FIELDS = ("приняло участие", "«2», %", "«3», %", "«4», %", "«5», %")


@dataclass
class School:
    name: str
    # per subject: five values in the sub-headers' order; None is an empty cell (0)
    values: list[list[float | int | str | None]]


@dataclass
class Municipality:
    name: str
    schools: list[School]
    # None: the subtotal row holds =SUM() formulas; else typed numbers per subject (five each, None empty)
    typed_total: list[list[int | float | None]] | None = None


@dataclass
class Sheet:
    title: str  # «Информация о результатах ЕГЭ выпускников школ в 2023 году»
    name: str  # «2023»
    subjects: list[str]  # as the header writes them: «Русский язык, чел.»
    municipalities: list[Municipality]
    fields: tuple[str, ...] = EGE_FIELDS
    region_total: list[list[int | float | None]] | None = None  # typed «ВСЕГО по региону», None: none
    municipality_on_every_row: bool = False  # Забайкальский край's shape: two header rows, no subtotal rows
    bottom_total: str = ""  # «Итого по …» at the bottom (formulas), in the second shape
    extra_rows: list[list] = field(default_factory=list)  # appended as they are
    # subjects (by index) whose 4th column («получили 100 баллов») is, in every school row, =SUM() of the three
    # columns before it with its value cached, as the real Забайкальский 2023 sheet writes chemistry; the
    # schools' own value there is ignored
    summed_hundreds: tuple[int, ...] = ()


def applications_sheet(workbook: Workbook, name: str = "2024") -> None:
    """The first sheet of the real workbooks: applications for the next ЕГЭ, one column per subject."""
    sheet = workbook.create_sheet(name)
    sheet["A2"] = f"Информация о поданных выпускниками школ {name} года\xa0заявлениях на участие в ЕГЭ"
    sheet.merge_cells("A2:P2")
    sheet["A4"] = "Субъект Российской Федерации\n_____Ростовская область_____"
    sheet.merge_cells("A4:P4")
    for column, text in (
        ("B6", "Муниципальное образование"),
        ("C6", "Образовательная организация (школа)"),
        ("D6", "Профиль \n(при наличии)\xa0"),
        ("E6", "Всего выпускников, подавших заявление на участия в ЕГЭ, чел."),
        ("F6", "из них"),
    ):
        sheet[column] = text
    for letter in "BCDE":
        sheet.merge_cells(f"{letter}6:{letter}7")
    sheet.merge_cells("F6:P6")
    sheet["F7"], sheet["G7"] = "Русский язык, чел.", "Математика (профиль), чел."
    for index in range(2, 17):
        sheet.cell(8, index, index - 1)
    sheet.append([None, "ВСЕГО по региону", 5, "х", "=E10", 5, 2])
    sheet.append([None, "Обливский район", None, None, "=SUM(E11:E11)", "=SUM(F11:F11)", "=SUM(G11:G11)"])
    sheet.append([None, None, 'МБОУ "Каштановская СОШ"', None, 5, 5, 2])


def results_sheet(workbook: Workbook, spec: Sheet) -> dict[str, int]:
    """The sheet, and the cached values of its formulas that have one (cell -> value, see ``_cache``)."""
    cached: dict[str, int] = {}
    sheet = workbook.create_sheet(spec.name)
    width = 4 + 5 * len(spec.subjects)
    last = get_column_letter(width)
    sheet["A2"] = spec.title
    sheet.merge_cells("A2:D2")
    sheet["A4"] = "Субъект Российской Федерации\n_____Ростовская область_____"
    sheet.merge_cells("A4:D4")
    if spec.municipality_on_every_row:
        subject_row, field_row = 6, 7
    else:
        subject_row, field_row = 7, 8
        sheet["E6"] = "из них"
        sheet.merge_cells(f"E6:{last}6")
    for column, text in enumerate(
        (
            "Муниципальное образование",
            "Образовательная организация (школа)",
            "Профиль \n(при наличии)\xa0",
            "Всего выпускников по программам среднего общего образования, принявших участие, чел.",
        ),
        start=1,
    ):
        sheet.cell(6, column, text)
        letter = get_column_letter(column)
        sheet.merge_cells(f"{letter}6:{letter}{field_row}")
    for number, subject in enumerate(spec.subjects):
        first = 5 + 5 * number
        sheet.cell(subject_row, first, subject)
        sheet.merge_cells(
            f"{get_column_letter(first)}{subject_row}:{get_column_letter(first + 4)}{subject_row}"
        )
        for offset, text in enumerate(spec.fields):
            sheet.cell(field_row, first + offset, text)
    row = field_row + 1
    if not spec.municipality_on_every_row:  # the row of column numbers
        for column in range(1, 5):
            sheet.cell(row, column, column)
        for column in range(5, width + 1):
            sheet.cell(row, column, 5 + (column - 5) % 5)
        row += 1
    if spec.region_total is not None:
        sheet.cell(row, 1, "ВСЕГО по региону")
        sheet.cell(row, 3, "х")
        _put(sheet, row, spec.region_total)
        row += 1
    first_school_row = row
    for municipality in spec.municipalities:
        if not spec.municipality_on_every_row:
            sheet.cell(row, 1, municipality.name)
            total_row = row
            row += 1
        for school in municipality.schools:
            if spec.municipality_on_every_row:
                sheet.cell(row, 1, municipality.name)
            sheet.cell(row, 2, school.name)
            sheet.cell(row, 3, "X" if spec.municipality_on_every_row else None)
            _put(sheet, row, school.values)
            for number in spec.summed_hundreds:
                first = 5 + 5 * number
                letters = [get_column_letter(first + offset) for offset in range(4)]
                sheet.cell(row, first + 3, f"=SUM({letters[0]}{row}:{letters[2]}{row})")
                cached[f"{letters[3]}{row}"] = sum(int(value or 0) for value in school.values[number][:3])
            row += 1
        if not spec.municipality_on_every_row:
            if municipality.typed_total is not None:
                _put(sheet, total_row, municipality.typed_total)
            else:
                for column in range(4, width + 1):
                    letter = get_column_letter(column)
                    sheet.cell(total_row, column, f"=SUM({letter}{total_row + 1}:{letter}{row - 1})")
    if spec.bottom_total:
        sheet.cell(row, 1, spec.bottom_total)
        sheet.merge_cells(f"A{row}:B{row}")
        for column in range(4, width + 1):
            letter = get_column_letter(column)
            sheet.cell(row, column, f"=SUM({letter}{first_school_row}:{letter}{row - 1})")
        row += 1
    for extra in spec.extra_rows:
        sheet.append(extra)
    return cached


def _put(sheet, row: int, values: list[list]) -> None:
    for number, five in enumerate(values):
        for offset, value in enumerate(five):
            if value is not None:
                sheet.cell(row, 5 + 5 * number + offset, value)


def workbook_bytes(sheets: list[Sheet], *, applications_first: bool = True) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    if applications_first:
        applications_sheet(workbook)
    cached: dict[int, dict[str, int]] = {}
    for spec in sheets:
        values = results_sheet(workbook, spec)
        cached[len(workbook.worksheets)] = values  # the sheet's part: xl/worksheets/sheet<N>.xml
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _cache(buffer.getvalue(), {number: values for number, values in cached.items() if values})


def _cache(data: bytes, cached: dict[int, dict[str, int]]) -> bytes:
    """Formulas with their values written, as Excel saves them (openpyxl writes ``<f>…</f><v></v>``): sheet
    number -> cell -> value."""
    if not cached:
        return data
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = source.read(info.filename)
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", info.filename)
            if match and int(match.group(1)) in cached:
                text = part.decode()
                for cell, value in cached[int(match.group(1))].items():
                    text, found = re.subn(
                        rf'(<c r="{cell}"[^>]*><f>[^<]*</f>)<v\s*/?>(?:</v>)?', rf"\g<1><v>{value}</v>", text
                    )
                    assert found == 1, cell
                part = text.encode()
            target.writestr(info, part)
    return buffer.getvalue()
