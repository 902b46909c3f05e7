"""The справка's data as an Excel workbook, written as a stream of SpreadsheetML (ECMA-376, Office Open XML).

The first sheet «Сводка» says what the workbook is; then every table of every section gets a sheet of
its own (including the raw-data tables that are too long for the PDF), with a bold header row, the
panes frozen below it, the header repeated on printed pages, an autofilter over the data and typed cells
(numbers are numbers, percentages are fractions formatted «0.0%», dates are dates).

The sheets go row by row straight into the zip, so memory stays flat however long a table is, and a row
costs one string join: the region's 200,000 result rows take a tenth of the time of openpyxl's write-only
mode, which this module replaced (docs/adr/0002-xlsx-stream-writer.md: the measurements, and why no
library). Each distinct text is stored once in the shared string table (a school's name once, not 200
times).

A text is always a string cell, never a formula: a shared string cannot run. A text that starts with «=»,
«+», «-», «@», a tab or a carriage return, or reads as an error code such as «#N/A», also carries the
«quote prefix» flag, so a school's name like ``=HYPERLINK(...)`` stays text in Excel or LibreOffice even
after the cell is edited.
"""

import datetime
import io
import math
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import BinaryIO
from xml.sax.saxutils import escape

from django.utils import timezone

from reports.context import Kind, ReportContext, Section, Table

SUMMARY_SHEET = "Сводка"
MAX_SHEET_NAME = 31
MAX_TEXT = 32767  # characters in a cell (Excel's limit)
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot carry (as openpyxl's ILLEGAL_CHARACTERS_RE): removed from every text.
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ERROR_CODES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))
# Excel reads «_x0041_» in a text as the character it codes: a literal one is written «_x005F_x0041_».
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

FORMAT_DECIMAL = "0.00"  # built-in number format 2
FORMAT_PERCENT = "0.0%"
FORMAT_DATE = "DD.MM.YYYY"
FORMAT_DATETIME = "DD.MM.YYYY HH:MM"

# Cell styles: their positions in <cellXfs> of STYLES below.
DECIMAL, PERCENT, DATE, DATETIME, LITERAL, HEADER, TITLE, LABEL = range(1, 9)

_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_FONT = '<sz val="{size}"/><name val="Calibri"/><family val="2"/>'
STYLES = (
    f'{_DECLARATION}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="3">'
    f'<numFmt numFmtId="164" formatCode="{FORMAT_PERCENT}"/>'
    f'<numFmt numFmtId="165" formatCode="{FORMAT_DATE}"/>'
    f'<numFmt numFmtId="166" formatCode="{FORMAT_DATETIME}"/>'
    "</numFmts>"
    f'<fonts count="3"><font>{_FONT.format(size=11)}</font><font><b/>{_FONT.format(size=11)}</font>'
    f"<font><b/>{_FONT.format(size=14)}</font></fonts>"
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill><fill><patternFill patternType="solid"><fgColor rgb="FFEDEDED"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="9">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
    'applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# The 1900 date system (right for every date after 28.02.1900); naive, as Excel's times are.
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # noqa: DTZ001
ROWS_PER_WRITE = 1000
# zlib's level 1: 200,000 result rows make 12.5 MB in 2.5 s of CPU; the default level 6 makes 8.9 MB in 3.6 s.
COMPRESS_LEVEL = 1


def sheet_name(wanted: str, taken: set[str]) -> str:
    """A valid, unique sheet name: forbidden characters removed, ≤ 31 characters, « (2)» etc. on a clash
    (Excel compares sheet names case-insensitively; ``taken`` holds the casefolded names)."""
    base = _FORBIDDEN_IN_SHEET_NAME.sub("", _ILLEGAL.sub("", wanted))
    base = " ".join(base.split()).strip("'").strip() or "Таблица"
    base = base[:MAX_SHEET_NAME].rstrip().rstrip("'")
    name = base
    counter = 1
    while name.casefold() in taken or name.casefold() == "history":
        counter += 1
        suffix = f" ({counter})"
        name = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
    taken.add(name.casefold())
    return name


def column_letter(index: int) -> str:
    """0 → «A», 25 → «Z», 26 → «AA»."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def excel_serial(moment: datetime.date) -> float:
    """A date or a moment as Excel's serial day number. Excel has no time zones: an aware moment is written
    in the project's zone."""
    if isinstance(moment, datetime.datetime):
        if timezone.is_aware(moment):
            moment = timezone.make_naive(timezone.localtime(moment))
        return (moment - _EXCEL_EPOCH).total_seconds() / 86400
    return float((moment - _EXCEL_EPOCH.date()).days)


class _Strings:
    """The shared string table: each distinct text is cleaned, judged and stored once. ``tails[value]`` is
    the end of its cell's XML after the reference (the style when it needs the quote prefix, the index)."""

    def __init__(self):
        self.tails: dict[str, str] = {}
        self.texts: list[str] = []

    def cell(self, ref: str, value: str, style: int = 0) -> str:
        tail = None if style else self.tails.get(value)
        if tail is None:
            styled = bool(style)
            text = _ILLEGAL.sub("", value)[:MAX_TEXT]
            if not style and (text.startswith(_FORMULA_STARTS) or text in ERROR_CODES):
                style = LITERAL
            attribute = f' s="{style}"' if style else ""
            tail = f'{attribute} t="s"><v>{len(self.texts)}</v></c>'
            self.texts.append(text)
            if not styled:
                self.tails[value] = tail
        return f'<c r="{ref}"{tail}'

    def xml(self) -> bytes:
        items = []
        for text in self.texts:
            text = _ESCAPE_LIKE.sub(r"_x005F_\1", text)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            items.append(f"<si><t{space}>{escape(text)}</t></si>")
        count = len(items)
        return f'{_DECLARATION}<sst xmlns="{_MAIN}" count="{count}" uniqueCount="{count}">{"".join(items)}</sst>'.encode()


def _number(value) -> str:
    return repr(float(value))


def _cell(ref: str, value, kind: str, strings: _Strings) -> str:
    """The <c> of ``value`` in a column of ``kind``; nothing for an empty value. A value of the wrong type
    (a stray text in a number column, a number that is not finite) is kept as text."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return strings.cell(ref, value)
    if kind == Kind.TEXT or isinstance(value, bool):
        return strings.cell(ref, str(value))
    if isinstance(value, int) or (isinstance(value, float | Decimal) and math.isfinite(value)):
        if kind == Kind.INT:
            return f'<c r="{ref}"><v>{int(value)}</v></c>'
        if kind == Kind.DECIMAL:
            return f'<c r="{ref}" s="{DECIMAL}"><v>{_number(value)}</v></c>'
        if kind == Kind.PERCENT:
            return f'<c r="{ref}" s="{PERCENT}"><v>{_number(float(value) / 100)}</v></c>'
    if kind == Kind.DATE and isinstance(value, datetime.date):
        style = DATETIME if isinstance(value, datetime.datetime) else DATE
        return f'<c r="{ref}" s="{style}"><v>{_number(excel_serial(value))}</v></c>'
    return strings.cell(ref, str(value))


def _column_writer(kind: str, strings: _Strings) -> Callable[[str, object], str]:
    """The cell writer of a column: the common value of its kind by a short path, the rest by ``_cell``."""
    text = strings.cell
    if kind == Kind.INT:

        def write(ref, value):
            if value.__class__ is int:
                return f'<c r="{ref}"><v>{value}</v></c>'
            return _cell(ref, value, kind, strings)

    elif kind == Kind.TEXT:

        def write(ref, value):
            if value.__class__ is str and value:
                return text(ref, value)
            return _cell(ref, value, kind, strings)

    elif kind in (Kind.DECIMAL, Kind.PERCENT):
        style, scale = (DECIMAL, 1) if kind == Kind.DECIMAL else (PERCENT, 100)

        def write(ref, value):
            if (value.__class__ is float or value.__class__ is Decimal) and math.isfinite(value):
                return f'<c r="{ref}" s="{style}"><v>{float(value) / scale!r}</v></c>'
            return _cell(ref, value, kind, strings)

    else:

        def write(ref, value):
            return _cell(ref, value, kind, strings)

    return write


class _Sheet:
    """One worksheet part, written into the zip as its rows come."""

    def __init__(self, archive: zipfile.ZipFile, number: int, name: str, strings: _Strings):
        self.name = name
        self.part = f"xl/worksheets/sheet{number}.xml"
        self.strings = strings
        self.rows = 0
        self.filter = ""  # the autofilter's range, when the sheet has one
        self.print_titles = False
        self.handle = archive.open(self.part, "w")
        self.pending: list[str] = []

    def start(self, widths: list[float], *, frozen: bool, selected: bool) -> None:
        view = ' tabSelected="1"' if selected else ""
        pane = (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            if frozen
            else '<selection activeCell="A1" sqref="A1"/>'
        )
        columns = "".join(
            f'<col min="{index}" max="{index}" width="{width:g}" customWidth="1"/>'
            for index, width in enumerate(widths, start=1)
        )
        self._write(
            f'{_DECLARATION}<worksheet xmlns="{_MAIN}" xmlns:r="{_OFFICE_REL}"><sheetViews>'
            f'<sheetView workbookViewId="0"{view}>{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{columns}</cols>" if columns else ""}<sheetData>'
        )

    def row(self, cells: str) -> None:
        self.rows += 1
        self.pending.append(f'<row r="{self.rows}">{cells}</row>')
        if len(self.pending) >= ROWS_PER_WRITE:
            self._flush()

    def text_row(self, *values: tuple[str, int]) -> None:
        """A row of texts, each with its style (0: the plain one, with the formula guard)."""
        row = self.rows + 1
        self.row(
            "".join(
                self.strings.cell(f"{column_letter(index)}{row}", value, style)
                for index, (value, style) in enumerate(values)
                if value
            )
        )

    def finish(self) -> None:
        self._flush()
        tail = "</sheetData>"
        if self.filter:
            tail += f'<autoFilter ref="{self.filter}"/>'
        tail += (
            '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/></worksheet>'
        )
        self._write(tail)
        self.handle.close()

    def _flush(self) -> None:
        if self.pending:
            self._write("".join(self.pending))
            self.pending.clear()

    def _write(self, text: str) -> None:
        self.handle.write(text.encode())


def _write_summary(sheet: _Sheet, context: ReportContext, sheets: list[tuple[str, Section, Table]]) -> None:
    sheet.start([34, 70], frozen=False, selected=True)
    plain, strings = 0, sheet.strings
    sheet.text_row((context.title, TITLE))
    if context.subtitle:
        sheet.text_row((context.subtitle, plain))
    sheet.row("")
    sheet.text_row(("Орган управления образованием", LABEL), (context.department, plain))
    sheet.text_row(("Территория", LABEL), (context.territory, plain))

    def number_row(label: str, cell: Callable[[str], str]) -> None:
        row = sheet.rows + 1
        sheet.row(strings.cell(f"A{row}", label, LABEL) + cell(f"B{row}"))

    number_row("Год", lambda ref: _cell(ref, context.year, Kind.INT, strings))
    number_row("Данные на", lambda ref: _cell(ref, context.as_of, Kind.DATE, strings))
    number_row("Версия", lambda ref: _cell(ref, context.version, Kind.INT, strings))
    if context.signer:
        sheet.text_row(("Подписант", LABEL), (context.signer, plain))
    if context.meta:
        sheet.row("")
        sheet.text_row(("Параметры", LABEL))
        for key, value in context.meta.items():
            sheet.text_row((str(key), plain), (str(value), plain))
    if sheets:
        sheet.row("")
        sheet.text_row(("Листы книги", LABEL))
        for name, section, table in sheets:
            sheet.text_row((name, plain), (f"{section.title}: {table.title}", plain))
    sheet.finish()


def _write_table(sheet: _Sheet, table: Table) -> None:
    columns = table.columns
    sheet.start([max(column.width, 4) + 1 for column in columns], frozen=True, selected=False)
    sheet.text_row(*((column.title, HEADER) for column in columns))
    letters = [column_letter(index) for index in range(len(columns))]
    writers = [_column_writer(column.kind, sheet.strings) for column in columns]
    pairs = list(zip(letters, writers, strict=True))
    number = 1
    for values in table.iter_rows():  # once: the rows may be a generator of hundreds of thousands
        number += 1
        sheet.row(
            "".join(
                [
                    write(f"{letter}{number}", value)
                    for (letter, write), value in zip(pairs, values, strict=False)
                ]
            )
        )
    last = letters[-1] if letters else "A"
    sheet.filter = f"A1:{last}{sheet.rows}"
    sheet.print_titles = True
    sheet.finish()


def _quoted(name: str) -> str:
    """A sheet name in a formula reference: in apostrophes, its own apostrophes doubled."""
    return "'" + name.replace("'", "''") + "'"


def _workbook_xml(sheets: list[_Sheet]) -> str:
    entries = "".join(
        f'<sheet name="{escape(sheet.name, {chr(34): "&quot;"})}" sheetId="{number}" r:id="rId{number}"/>'
        for number, sheet in enumerate(sheets, start=1)
    )
    names = []
    for position, sheet in enumerate(sheets):
        reference = escape(_quoted(sheet.name))
        if sheet.filter:
            first, last = sheet.filter.split(":")
            absolute = "$" + re.sub(r"(\d+)$", r"$\1", first) + ":$" + re.sub(r"(\d+)$", r"$\1", last)
            names.append(
                f'<definedName name="_xlnm._FilterDatabase" localSheetId="{position}" hidden="1">'
                f"{reference}!{absolute}</definedName>"
            )
        if sheet.print_titles:
            names.append(
                f'<definedName name="_xlnm.Print_Titles" localSheetId="{position}">{reference}!$1:$1</definedName>'
            )
    defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
    return (
        f'{_DECLARATION}<workbook xmlns="{_MAIN}" xmlns:r="{_OFFICE_REL}"><bookViews><workbookView activeTab="0"/>'
        f'</bookViews><sheets>{entries}</sheets>{defined}<calcPr calcId="191029"/></workbook>'
    )


def _package_parts(sheet_count: int, title: str, created: datetime.datetime) -> dict[str, str]:
    """The parts around the sheets: content types, relationships, document properties."""
    worksheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        for n in range(1, sheet_count + 1)
    )
    sheet_rels = "".join(
        f'<Relationship Id="rId{n}" Type="{_OFFICE_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheet_count + 1)
    )
    stamp = created.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "[Content_Types].xml": (
            f'{_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
            f"{worksheets}"
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_REL}">'
            f'<Relationship Id="rId1" Type="{_OFFICE_REL}/officeDocument" Target="xl/workbook.xml"/>'
            f'<Relationship Id="rId2" Type="{_PACKAGE_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
            "</Relationships>"
        ),
        "docProps/core.xml": (
            f'{_DECLARATION}<cp:coreProperties xmlns:cp="{_CORE}" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(_ILLEGAL.sub('', title))}</dc:title>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created></cp:coreProperties>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_DECLARATION}<Relationships xmlns="{_PACKAGE_REL}">{sheet_rels}'
            f'<Relationship Id="rId{sheet_count + 1}" Type="{_OFFICE_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{sheet_count + 2}" Type="{_OFFICE_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/styles.xml": STYLES,
    }


def render_xlsx_to(context: ReportContext, fileobj: BinaryIO) -> None:
    """Write the workbook into ``fileobj`` (a file opened for binary writing, or a ``BytesIO``)."""
    taken = {SUMMARY_SHEET.casefold()}
    tables = []
    for section in context.sections:
        for table in section.tables:
            if not table.in_workbook:  # a print-only form of a table the workbook has in full
                continue
            wanted = table.sheet or table.title or section.title
            tables.append((sheet_name(wanted, taken), section, table))
    strings = _Strings()
    with zipfile.ZipFile(fileobj, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL) as archive:
        for part, text in _package_parts(len(tables) + 1, context.title, context.as_of).items():
            archive.writestr(part, text)
        sheets = [_Sheet(archive, 1, SUMMARY_SHEET, strings)]
        _write_summary(sheets[0], context, tables)
        for number, (name, _section, table) in enumerate(tables, start=2):
            sheets.append(_Sheet(archive, number, name, strings))
            _write_table(sheets[-1], table)
        archive.writestr("xl/workbook.xml", _workbook_xml(sheets))
        archive.writestr("xl/sharedStrings.xml", strings.xml())


def render_xlsx(context: ReportContext) -> bytes:
    """The workbook as bytes (for big workbooks prefer ``render_xlsx_to`` with a file on disk)."""
    buffer = io.BytesIO()
    render_xlsx_to(context, buffer)
    return buffer.getvalue()
