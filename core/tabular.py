"""Reading tabular files (.csv, .xlsx) row by row, with Russian or English headers.

Pure of the ORM: the readers turn a file into ``(row_number, {column_key: text})`` pairs, streaming, so a
million-row CSV is never held in memory. Validation of the values belongs to each importer; this module
only knows columns, headers, encodings and separators, and the shape of a row error.
"""

import codecs
import csv
import io
import operator
import os
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING
from xml.etree import ElementTree

from core.plural import plural

if TYPE_CHECKING:
    from python_calamine import CalamineWorkbook

CSV_SNIFF_BYTES = 64 * 1024  # enough to see the header and a few rows for the separator and encoding
_DROP_NUL = operator.methodcaller("replace", "\x00", "")


class TableError(Exception):
    """The file as a whole cannot be read (format, encoding, header). The message is Russian.

    ``rows`` is the number of data rows under the header when the file itself could be read (a header without a
    required column), None when it could not."""

    def __init__(self, message: str, *, rows: int | None = None):
        super().__init__(message)
        self.rows = rows
        self.sheets: list[
            SheetReport
        ] = []  # the file's sheets as far as they were read (an importer sets it)


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Russian header, as in the template and in error messages
    aliases: tuple[str, ...] = ()
    required: bool = True

    def names(self) -> set[str]:
        return {normalise_header(name) for name in (self.key, self.label, *self.aliases)}


@dataclass(frozen=True)
class RowError:
    row: int  # as the user sees it in the file: the header is row 1
    column: str  # the column's Russian label, or "" for the row as a whole
    message: str
    sheet: str = ""  # the workbook's sheet the row is on; "" for a CSV file or the file as a whole
    # The sheet's place in the workbook (0 for the first and for a CSV): errors sort in the workbook's order.
    sheet_index: int = field(default=0, compare=False, repr=False)

    def sort_key(self) -> tuple:
        return (self.sheet_index, self.sheet, self.row, self.column, self.message)

    def __lt__(self, other: "RowError") -> bool:
        return self.sort_key() < other.sort_key()

    def as_dict(self) -> dict:
        """As stored on a batch: «sheet» only when the row is on a named sheet (older batches have none)."""
        stored = {"row": self.row, "column": self.column, "message": self.message}
        if self.sheet:
            stored["sheet"] = self.sheet
        return stored


@dataclass
class SheetReport:
    """What the preview and the command line say about one sheet of a file: what it holds, or why it is not
    read, and how it was read (the layout, the header row, which column became which field, where the year and
    the subject came from). A CSV file is one sheet, named None."""

    sheet: str | None
    layout: str = ""  # the layout's name, e.g. «Шаблон портала»
    status: str = ""  # READ | SKIPPED | UNRECOGNISED | EMPTY | FAILED
    reason: str = ""  # Russian: why skipped / what was looked for and what was found / why it failed
    header_row: int | None = None  # 1-based row of the (last) header row
    columns: dict[str, str] = field(default_factory=dict)  # field label -> the header cell it was read from
    origins: dict[str, str] = field(default_factory=dict)  # e.g. "Год" -> "из заголовка листа: «…»"
    rows: int = 0  # data rows read
    results: int = 0  # template rows produced

    READ = "read"
    SKIPPED = "skipped"  # recognised, but holds no results (the layout's skip says why)
    UNRECOGNISED = "unrecognised"
    EMPTY = "empty"
    FAILED = "failed"  # recognised, but could not be read (its header block lacks the year…): an error

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "layout": self.layout,
            "status": self.status,
            "reason": self.reason,
            "header_row": self.header_row,
            "columns": dict(self.columns),
            "origins": dict(self.origins),
            "rows": self.rows,
            "results": self.results,
        }


_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans("", "", "«»\"'“”„")


def normalise_header(text: str) -> str:
    """'  Код  ОО ' == 'код оо'; «ё» is «е»; quotes and a stray BOM are dropped ('«3»' == '3')."""
    return (
        _SPACES.sub(
            " ", str(text).replace("\ufeff", "").translate(_QUOTES).replace("ё", "е").replace("Ё", "Е")
        )
        .strip()
        .lower()
    )


def normalise_text(value: str) -> str:
    """Collapse inner whitespace and trim; for names and codes."""
    return _SPACES.sub(" ", value).strip()


def cell_text(value) -> str:
    """Turn a reader's typed cell into the text a user typed: 12.0 -> '12', None -> ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("\x00", "").strip()  # an .xlsx may hold NUL (_x0000_); PostgreSQL text cannot


def map_header(header: list[str], columns: tuple[Column, ...]) -> dict[str, int]:
    """Column key -> position in the row. Raises TableError naming missing or repeated columns."""
    positions: dict[str, int] = {}
    unknown: list[str] = []
    lookup = {name: column for column in columns for name in column.names()}
    for index, title in enumerate(header):
        column = lookup.get(normalise_header(title))
        if column is None:
            if normalise_text(str(title)):
                unknown.append(normalise_text(str(title)))
            continue
        if column.key in positions:
            raise TableError(f"Столбец «{column.label}» встречается в заголовке дважды.")
        positions[column.key] = index
    missing = [column.label for column in columns if column.required and column.key not in positions]
    if missing:
        expected = ", ".join(f"«{column.label}»" for column in columns if column.required)
        # The columns not recognised are most often the missing ones misspelt: naming them shows what to fix.
        not_recognised = (
            " Не распознаны столбцы: " + ", ".join(f"«{title[:100]}»" for title in unknown[:20]) + "."
            if unknown
            else ""
        )
        raise TableError(
            "В заголовке нет обязательных столбцов: "
            + ", ".join(f"«{m}»" for m in missing)
            + f".{not_recognised} Первая строка файла должна содержать: {expected}."
        )
    return positions


def count_filled_rows(raw_rows: Iterator[list]) -> int | None:
    """The rows of a reader that hold anything; None when the rest of the file cannot be read."""
    try:
        return sum(1 for raw in raw_rows if any(map(cell_text, raw)))
    except TableError:
        return None


def rows_with_header(
    raw_rows: Iterator[list], columns: tuple[Column, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows under the first non-empty row (the header), as {column key: text}. The reader is closed when this
    stops, early or not, so it never outlives the file it reads (see read_csv_rows)."""
    # A reader is a generator (it has close()); a plain iterator of rows, as in tests, has nothing to close.
    with closing(raw_rows) if hasattr(raw_rows, "close") else nullcontext():  # type: ignore[type-var]
        header: list[str] | None = None
        line = 0
        for raw in raw_rows:
            line += 1
            cells = [cell_text(value) for value in raw]
            if header is None:
                if not any(cells):  # blank lines above the header are tolerated
                    continue
                header = cells
                try:
                    positions = map_header(header, columns)
                except TableError as error:
                    # The page says how many rows the file has, not 0, though none of them was checked.
                    error.rows = count_filled_rows(raw_rows)
                    raise
                continue
            if not any(cells):
                continue
            yield line, {key: (cells[pos] if pos < len(cells) else "") for key, pos in positions.items()}
        if header is None:
            raise TableError("Файл пуст: нет строки заголовка.", rows=0)


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 with no BOM: in Russian and Latin text every other byte is a high byte 0x00 or 0x04."""
    if len(sample) < 8:
        return None
    for half, encoding in ((sample[1::2], "utf-16-le"), (sample[0::2], "utf-16-be")):
        if half.count(0) + half.count(4) > 0.9 * len(half):
            return encoding
    return None


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's «Текст Юникод»: UTF-16 with a BOM, tab-separated
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # A cut in the middle of a multi-byte character at the end of the sample is still UTF-8.
        if error.start < len(sample) - 3:
            return "cp1251"  # what Excel for Windows writes for "CSV (разделители — запятые)"
    return "utf-8"


def detect_delimiter(lines: list[str]) -> str:
    """The header's separator; a report whose header block has none gets the one most used in the sample."""
    for sample in (lines[:1], lines[:50]):
        text = "\n".join(sample)
        counts = {sep: text.count(sep) for sep in (";", "\t", ",")}
        best = max(counts, key=lambda sep: counts[sep])
        if counts[best]:
            return best
    return ","


def read_csv_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    """Raw rows of a CSV file, streaming; encoding and separator are detected from its first 64 KB."""
    sample = stream.read(CSV_SNIFF_BYTES)
    stream.seek(0)
    encoding = _detect_encoding(sample)
    if encoding.startswith("utf-16"):
        sample = sample[: len(sample) // 2 * 2]  # the sniffed piece may end inside a character
    lines = [
        line
        for line in sample.decode(encoding, errors="ignore").lstrip("\ufeff").splitlines()
        if line.strip()
    ]
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        # NUL characters are dropped: PostgreSQL text cannot hold them, and no user means them.
        yield from csv.reader(map(_DROP_NUL, text), delimiter=detect_delimiter(lines))
    except UnicodeDecodeError as error:
        raise TableError(
            "Не удалось прочитать файл: сохраните его в кодировке UTF-8 (или Windows-1251, UTF-16)."
        ) from error
    except csv.Error as error:
        raise TableError(f"Файл CSV повреждён: {error}.") from error
    finally:
        # Detached, not closed: the caller's file stays open. A consumer that stopped early may close this
        # generator after the file itself is closed; there is nothing left to detach then (detach would raise).
        if not text.closed:
            text.detach()


def iter_csv(stream: IO[bytes], columns: tuple[Column, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    return rows_with_header(read_csv_rows(stream), columns)


# --- .xlsx: measured before it is read ---------------------------------------------------------------------
#
# python-calamine (Rust; ~30 times faster than openpyxl on a million rows here) builds a sheet as one dense grid
# over the used range of its cells, 32 bytes a cell, and copies a shared string into every cell that refers to
# it. A header plus one cell at XFD1048576 (a 1.6 KB file) thus asks for 1,048,576 × 16,384 × 32 B = 549 GB and
# the process aborts. So an .xlsx is checked before calamine reads it, streaming and in bounded memory: the
# archive as a whole (zipfile stops at a member's declared size and checks its CRC, so a part cannot unpack to
# more than the sizes checked), the shared strings' lengths, and, for the sheet to be read, the used range its
# cells span, their order and the text they hold. The scan assigns cell positions by calamine's own rules (its
# xlsx cells reader: a <c> or <row> without «r» continues from the previous one, a self-closing <c/> or <row/>
# is skipped), so the grid calamine builds is no larger than the one measured. And the part measured is the part
# calamine reads: paths resolved by its rules (XlsxWorkbook._open, _find), and an archive where two members could
# be taken for one part refused (_refuse_same_part_names). Those rules were tried on python-calamine 0.9.1
# (calamine 0.37): after upgrading it, run tests/core/test_xlsx_limits.py.

MB = 1024 * 1024
# Rows × columns of a sheet's used range. Department files are thousands to tens of thousands of rows: a
# region's results ~30,000 rows × 15 columns (0.45 M cells), a diagnostics export 20,000 teachers × ~40
# columns (0.8 M); the portal's own results template at 100,000 rows × 11 columns is 1.1 M (bench/import.py).
# The largest are ФИС ОКО's ВПР participant protocols of a region (issue #19): the real 2020 one of Altai is
# 25,908 rows × 50 columns (1.3 M), the goal 30,000 pupils; so 31,000 rows × 60 columns (1.86 M): a
# protocol of 30,000 pupils with its header and ~60 columns of tasks. calamine holds the grid while it reads:
# measured (#19, VmHWM of the reading process with Django loaded, tests/core/test_xlsx_limits.py) at these
# limits — 31,000 × 60, 44 MB of text from 200,000 shared strings — 294 MB; larger tables go as CSV, read row
# by row.
XLSX_MAX_CELLS = 1_860_000
# Text held by the cells, a shared string counted at every use (calamine copies it): the real 2020 protocol
# writes ~1,300 bytes of the pupil's ФИС ОКО «groups» in every row (35.7 MB over 25,908 rows), hence 48 MB.
XLSX_MAX_TEXT_BYTES = 48 * MB
# The shared strings part (calamine keeps the whole table in memory)…
XLSX_MAX_SHARED_STRINGS_BYTES = 16 * MB
# …and the whole archive unpacked: a 50 MB upload (IMPORT_MAX_UPLOAD_MB) of real data unpacks to ~10 times that.
XLSX_MAX_UNPACKED_BYTES = 512 * MB
# A cell holds at most 32,767 characters (Excel's specifications and limits); in XML a character takes at most
# 10 bytes (a character reference such as &#x1F600;). A longer run of text is refused as it streams by.
XLSX_MAX_CELL_CHARS = 32_767
_MAX_TEXT_RUN_BYTES = XLSX_MAX_CELL_CHARS * 10

XLS_UNSUPPORTED = (
    "Файл сохранён в старом формате Excel 97–2003 (.xls): откройте его в Excel и сохраните как "
    "«Книга Excel (.xlsx)» или как CSV."
)
_BROKEN_XLSX = "Не удалось прочитать файл Excel: он повреждён или это не .xlsx."
_XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file: Excel 97–2003
_EXCEL_MAX_ROW, _EXCEL_MAX_COLUMN = 1_048_576, 16_384
_SCAN_CHUNK = MB
_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
# The tags the scan looks at, found loosely, then matched by the exact grammar (a «>» may stand in a quoted value).
_TAG_AT = re.compile(rb"<(?:/" + _PREFIX + rb"(row|c|si)\s*>|" + _PREFIX + rb"(row|c|v|si)(?=[\s/>]))")
_START_TAG = re.compile(rb"<" + _PREFIX + rb"\w+((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
_TEXT_TYPES = {b"s", b"inlineStr", b"str", b"d"}  # the cells calamine holds as strings (numbers are 8 bytes)


def _mb(value: int) -> str:
    return f"{value // MB} МБ"


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def _too_large_archive() -> str:
    return (
        f"Файл Excel в распакованном виде больше {_mb(XLSX_MAX_UNPACKED_BYTES)}: разделите его на части "
        "или сохраните как CSV."
    )


def _max_cells() -> str:
    """«1 860 000 ячеек» after «не больше»: the genitive agrees with the limit."""
    return f"{_thousands(XLSX_MAX_CELLS)} {plural(XLSX_MAX_CELLS, 'ячейки', 'ячеек', 'ячеек')}"


def _too_long_cell() -> str:
    return (
        f"В файле Excel есть ячейка длиннее {_thousands(XLSX_MAX_CELL_CHARS)} "
        f"{plural(XLSX_MAX_CELL_CHARS, 'знака', 'знаков', 'знаков')} — больше, чем допускает "
        "Excel. Проверьте файл или сохраните его как CSV."
    )


def _unpacked(archive: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part of the archive unpacked a chunk at a time, checked as calamine's zip reader does not check it: the
    data must end exactly at the size the archive declares, with its CRC. (zipfile would stop at the declared
    size and say nothing of what follows; calamine would read on.)"""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise TableError(_BROKEN_XLSX)  # encrypted, or packed as Excel never packs
    archive.seek(info.header_offset)
    header = archive.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise TableError(_BROKEN_XLSX)
    archive.seek(
        info.header_offset
        + 30
        + int.from_bytes(header[26:28], "little")
        + int.from_bytes(header[28:30], "little")
    )
    left, size, crc = info.compress_size, 0, 0
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while left or (inflate is not None and inflate.unconsumed_tail):
        data = b""
        if inflate is not None and inflate.unconsumed_tail:
            data = inflate.unconsumed_tail
        elif left:
            data = archive.read(min(left, 64 * 1024))
            if not data:
                raise TableError(_BROKEN_XLSX)
            left -= len(data)
        if inflate is not None:
            try:
                data = inflate.decompress(data, _SCAN_CHUNK)
            except zlib.error as error:
                raise TableError(_BROKEN_XLSX) from error
        size += len(data)
        if size > info.file_size:
            raise TableError(_BROKEN_XLSX)  # more data than declared
        crc = zlib.crc32(data, crc)
        if data:
            yield data
    if (inflate is not None and not inflate.eof) or size != info.file_size or crc != info.CRC:
        raise TableError(_BROKEN_XLSX)


def _regions(chunks: Iterator[bytes], limit: int, cut_before: bytes = b"<") -> Iterator[tuple[int, bytes]]:
    """An XML part streamed as (offset, piece) pairs, each piece cut before a «<» (before the last
    ``cut_before`` where there is one), so no tag or text is split.

    Refuses a part longer than ``limit`` unpacked, a run of text longer than a cell may hold, and XML that is not
    UTF-8 (no spreadsheet program writes UTF-16 parts; a byte scan could not read them)."""
    buffer = next(chunks, b"")
    if buffer[:2] in (b"\xff\xfe", b"\xfe\xff") or 0 in buffer[:2]:
        raise TableError(_BROKEN_XLSX)
    offset, unpacked = 0, len(buffer)
    while True:
        chunk = next(chunks, b"")
        unpacked += len(chunk)
        if unpacked > limit:
            raise TableError(_too_large_archive())
        buffer += chunk
        cut = len(buffer)
        if chunk:
            cut = buffer.rfind(cut_before)
            if cut <= 0:
                cut = buffer.rfind(b"<")
        if cut <= 0:
            if len(buffer) > _MAX_TEXT_RUN_BYTES:
                raise TableError(_too_long_cell())
            continue
        yield offset, buffer[:cut]
        offset += cut
        buffer = buffer[cut:]
        if not chunk:
            return


def _attributes(raw: bytes) -> dict[bytes, bytes]:
    pairs = [(m[1], m[2] if m[3] is None else m[3]) for m in _ATTRIBUTE.finditer(raw)]
    attributes = dict(pairs)
    if len(attributes) != len(pairs):
        raise TableError(_BROKEN_XLSX)  # an attribute given twice: not XML
    return attributes


def _start_tag(region: bytes, at: int) -> tuple[dict[bytes, bytes], bool, int]:
    tag = _START_TAG.match(region, at)
    if tag is None:
        raise TableError(_BROKEN_XLSX)
    return _attributes(tag[1]), tag[2] == b"/", tag.end()


def _shared_string_lengths(part: Iterator[bytes]) -> list[int]:
    """The size in bytes of every shared string (<si>…</si>): an upper bound of its text."""
    lengths: list[int] = []
    start = None
    for offset, region in _regions(part, XLSX_MAX_SHARED_STRINGS_BYTES):
        for match in _TAG_AT.finditer(region):
            if match[1] == b"si":
                if start is not None:
                    lengths.append(offset + match.start() - start)
                start = None
            elif match[2] == b"si":
                _attributes_, empty, end = _start_tag(region, match.start())
                if empty:
                    lengths.append(0)
                else:
                    start = offset + end
    return lengths


@dataclass(frozen=True)
class SheetShape:
    """A sheet measured before it is read: the used range of its cells and the text they hold."""

    name: str
    rows: int
    columns: int
    cells: int  # cells written in the file; the used range may hold many more empty ones
    text_bytes: int


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# What Excel, LibreOffice and the usual libraries write: every row and cell with its «r», attributes in double
# quotes, no namespace prefix. A sheet made only of such tags is measured by these patterns at C speed, with no
# Python step per cell; any other sheet tag by tag (_SheetScan.tag), where cells without «r» are placed.
_PLAIN_ATTRIBUTES = rb'(?:\s+[\w:]+="[^"<>]*")*'
_PLAIN_ROW = re.compile(rb'<row r="[0-9]{1,7}"' + _PLAIN_ATTRIBUTES + rb"\s*/?>")
# A cell, and «/» when it is self-closing (one pass for both: #19, bench/import_vpr.py).
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"' + _PLAIN_ATTRIBUTES + rb"\s*(/?)>")
_PLAIN_TEXT_CELL = re.compile(
    rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?:\s+[\w:]+="[^"<>]*")*?\st="(s|inlineStr|str|d)"'
    + _PLAIN_ATTRIBUTES
    + rb"\s*>(.*?)</c>",
    re.DOTALL,
)
_REPEATED_R = re.compile(rb"<c\s[^>]*\sr\s*=[^>]*\sr\s*=")
_ROW_OR_CELL = re.compile(rb"<" + _PREFIX + rb"(?:row|c)(?=[\s/>])")
# A shared string's index in <v>, ended by «<» or by the end of a piece (cut before the «<» that ends it).
_SHARED_INDEX = re.compile(rb"<" + _PREFIX + rb"v(?:\s[^>]*)?>\s*([0-9]+)\s*(?:<|\Z)")


class _PlainSheetError(Exception):
    """A piece of the sheet is not plain: it is scanned again tag by tag."""


class _SheetScan:
    """Cell positions as calamine assigns them, and the used range and text they add up to. TableError as soon
    as a limit is passed: the rest of the sheet is not read."""

    def __init__(self, name: str, shared: list[int]):
        self.name, self.shared = name, shared
        self.row_index = self.col_index = 1  # where a row or a cell without «r» goes
        self.first_row = self.last_row = self.cells = self.text_bytes = 0
        self.min_col, self.max_col = _EXCEL_MAX_COLUMN + 1, 0
        self.text_start: int | None = None  # where the content of an open text cell began
        self.shared_cell = False  # the open cell's <v> is the index of a shared string
        self.letters: dict[bytes, int] = {}

    def shape(self) -> SheetShape:
        rows = self.last_row - self.first_row + 1 if self.cells else 0
        columns = self.max_col - self.min_col + 1 if self.cells else 0
        return SheetShape(self.name, rows, columns, self.cells, self.text_bytes)

    def place(self, row: int, col: int) -> None:
        if not (0 < row <= _EXCEL_MAX_ROW and 0 < col <= _EXCEL_MAX_COLUMN) or row < self.last_row:
            # calamine takes the used range's rows from the first and the last cell: rows out of order would
            # make it wrap around. Excel and every other program write them in order.
            raise TableError(_BROKEN_XLSX)
        self.cells += 1
        self.first_row = self.first_row or row
        self.last_row = row
        self.min_col, self.max_col = min(self.min_col, col), max(self.max_col, col)
        rows, columns = self.last_row - self.first_row + 1, self.max_col - self.min_col + 1
        if rows * columns > XLSX_MAX_CELLS:
            raise TableError(_too_many_cells(self.name, rows, columns))

    def add_text(self, size: int) -> None:
        self.text_bytes += size
        if self.text_bytes > XLSX_MAX_TEXT_BYTES:
            raise TableError(
                f"На листе «{self.name}» слишком много текста: больше {_mb(XLSX_MAX_TEXT_BYTES)}. "
                "Разделите файл на части или сохраните его как CSV."
            )

    def shared_size(self, index: bytes) -> int:
        number = int(index)
        return self.shared[number] if number < len(self.shared) else 0

    def column(self, letters: bytes) -> int:
        number = self.letters.get(letters)
        if number is None:
            number = self.letters[letters] = _column_number(letters)
        return number

    def plain(self, region: bytes) -> None:
        """A piece made only of plain whole rows and cells: all with «r», so no position depends on another."""
        found = _PLAIN_CELL.findall(region)
        cells = [(letters, digits) for letters, digits, empty in found if not empty]
        plain = len(found) + len(_PLAIN_ROW.findall(region))
        if plain != len(_ROW_OR_CELL.findall(region)) or _REPEATED_R.search(region):
            raise _PlainSheetError  # «r» twice is not XML: the tag by tag scan refuses it
        if not cells:
            return
        # Self-closing <c/> are left out, as calamine skips them.
        rows = list(map(int, (digits for _letters, digits in cells)))
        if rows != sorted(rows) or rows[0] < self.last_row:
            raise TableError(_BROKEN_XLSX)  # rows out of order: see place()
        columns = [self.column(letters) for letters in {letters for letters, _digits in cells}]
        self.place(rows[0], min(columns))
        self.place(rows[-1], max(columns))
        self.cells += len(cells) - 2
        texts = _PLAIN_TEXT_CELL.findall(region)
        if texts:
            self.add_text(sum(len(content) for kind, content in texts if kind != b"s"))
            indices = _SHARED_INDEX.findall(b"".join(content for kind, content in texts if kind == b"s"))
            # Counted per distinct index (C speed), then sized once each: a protocol's 630,000 cells refer to
            # ~1,700 shared strings (#19, bench/import_vpr.py).
            self.add_text(sum(self.shared_size(index) * uses for index, uses in Counter(indices).items()))

    def tag(self, offset: int, region: bytes) -> None:
        """Any piece, tag by tag, following calamine's cells reader: a <row> or <c> without «r» continues from
        the previous one, a self-closing <row/> or <c/> is skipped."""
        for match in _TAG_AT.finditer(region):
            closing, name = match[1], match[2]
            if closing == b"row":
                self.row_index += 1
                self.col_index = 1
            elif closing == b"c":
                if self.text_start is not None:
                    self.add_text(offset + match.start() - self.text_start)
                self.text_start, self.shared_cell = None, False
            elif name == b"row":
                attributes, empty, _end = _start_tag(region, match.start())
                if not empty and b"r" in attributes:
                    raw = attributes[b"r"]
                    if not raw.isdigit() or not 0 < int(raw) <= _EXCEL_MAX_ROW:
                        raise TableError(_BROKEN_XLSX)
                    self.row_index = int(raw)
            elif name == b"c":
                attributes, empty, end = _start_tag(region, match.start())
                if empty:
                    continue
                ref = attributes.get(b"r")
                if ref is None:
                    row, col = self.row_index, self.col_index
                else:
                    parts = _CELL_REF.fullmatch(ref)
                    if parts is None:
                        raise TableError(_BROKEN_XLSX)
                    row, col = int(parts[2]), self.column(parts[1])
                self.place(row, col)
                self.col_index = col + 1
                kind = attributes.get(b"t", b"")
                self.shared_cell = kind == b"s"
                self.text_start = offset + end if kind in _TEXT_TYPES - {b"s"} else None
            elif name == b"v" and self.shared_cell:
                index = _SHARED_INDEX.match(region, match.start())
                if index is not None:
                    self.add_text(self.shared_size(index[1]))


def _scan_sheet(open_part, name: str, shared: list[int]) -> SheetShape:
    """Measure a sheet: plainly written ones at C speed, any other tag by tag (see _SheetScan)."""
    scan = _SheetScan(name, shared)
    try:
        for _offset, region in _regions(open_part(), XLSX_MAX_UNPACKED_BYTES, cut_before=b"<row"):
            scan.plain(region)
        return scan.shape()
    except _PlainSheetError:
        pass
    scan = _SheetScan(name, shared)
    for offset, region in _regions(open_part(), XLSX_MAX_UNPACKED_BYTES):
        scan.tag(offset, region)
    return scan.shape()


def _too_many_cells(name: str, rows: int, columns: int) -> str:
    return (
        f"Лист «{name}» слишком большой: его данные занимают {_thousands(rows)} "
        f"{plural(rows, 'строку', 'строки', 'строк')} × {_thousands(columns)} "
        f"{plural(columns, 'столбец', 'столбца', 'столбцов')} или больше, а из файла Excel читается не больше "
        f"{_max_cells()} (например, 31\u00a0000 строк × 60 столбцов). Удалите лишнее (и "
        "значения далеко за таблицей), разделите файл на части или сохраните его как CSV — CSV читается любого "
        "размера."
    )


_SAME_PART_NAMES = (
    "Не удалось прочитать файл Excel: в архиве есть части с совпадающими именами (одно имя дважды, или имена, "
    "различающиеся только регистром букв или записью пути). Excel таких файлов не сохраняет: откройте файл в "
    "Excel и сохраните заново, или сохраните его как CSV."
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# The Info-ZIP Unicode Path extra field (APPNOTE.TXT 4.6.9): the zip crate under calamine takes its name instead of
# the one written, zipfile ignores it (tried: a member so renamed is the sheet calamine reads).
_UNICODE_PATH_FIELD = 0x7075


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)  # Rust's eq_ignore_ascii_case: «Лист» and «лист» stay two names


def _calamine_name(name: str) -> str:
    """A member's name as calamine matches it against a part's path: «\\» read as «/», ASCII case ignored."""
    return _ascii_lower(name.replace("\\", "/"))


def _member_names(member: zipfile.ZipInfo) -> set[str]:
    """Every name a zip reader may give a member: as written (zipfile cuts it at a NUL), and the name of an
    Info-ZIP Unicode Path extra field, which the zip crate under calamine uses instead."""
    names = {member.filename, member.orig_filename}
    extra = member.extra
    while len(extra) >= 4:
        kind, size = int.from_bytes(extra[:2], "little"), int.from_bytes(extra[2:4], "little")
        if kind == _UNICODE_PATH_FIELD and size > 5:
            names.add(extra[9 : 4 + size].decode("utf-8", "replace"))
        extra = extra[4 + size :]
    return names


def _refuse_same_part_names(members: list[zipfile.ZipInfo]) -> None:
    """Two members one part could be taken for: one name twice, or names that differ only by ASCII case, «\\»
    for «/», «//», «./» or a leading «/». calamine takes the first match ignoring case, its zip reader the last
    of two of one name, zipfile another: whichever the scan measured, calamine could build the other (a 1 KB
    sheet measured, 5 million cells read). Excel never writes such archives."""
    seen: dict[str, int] = {}
    for index, member in enumerate(members):
        for name in _member_names(member):
            key = "/".join(part for part in _calamine_name(name).split("/") if part not in ("", "."))
            if seen.setdefault(key, index) != index:
                raise TableError(_SAME_PART_NAMES)


def _local_bytes(name: bytes) -> bytes:
    return name.rsplit(b":", 1)[-1]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


class XlsxWorkbook:
    """An .xlsx file opened once: the archive checked on opening, each sheet measured before it is read.

    ``sheet_names`` lists the sheets in the workbook's order; ``check(name)`` measures one (SheetShape) and
    ``rows(name)`` checks it, then yields its rows as calamine reads them. Every refusal is a TableError with
    a Russian message.
    """

    def __init__(self, stream: IO[bytes]):
        self._stream = stream
        self._calamine: CalamineWorkbook | None = None
        self._shapes: dict[str, SheetShape] = {}
        stream.seek(0)
        if stream.read(len(_XLS_SIGNATURE)) == _XLS_SIGNATURE:
            raise TableError(XLS_UNSUPPORTED)
        stream.seek(0)
        try:
            self._zip = zipfile.ZipFile(stream)
            self._open()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ElementTree.ParseError, EOFError, OSError) as error:
            raise TableError(_BROKEN_XLSX) from error
        except (KeyError, ValueError, NotImplementedError, RuntimeError) as error:
            raise TableError(_BROKEN_XLSX) from error

    def _open(self) -> None:
        members = self._zip.infolist()
        # The central directory zipfile read must be the one the archive declares, whole: zipfile finds it before
        # its end record (shifting every offset when they disagree, as for data put before the archive), calamine's
        # zip reader at the offset declared and by its count of entries. Two directories, two different sheets.
        # zipfile's private helpers have no stubs (typeshed leaves them out): hence the ignores below.
        end = zipfile._EndRecData(self._stream)  # type: ignore[attr-defined]  # noqa: SLF001 - the end record zipfile itself used
        if (
            not end
            or self._zip.start_dir != end[zipfile._ECD_OFFSET]  # type: ignore[attr-defined]
            or len(members) != end[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]
        ):
            raise TableError(_BROKEN_XLSX)
        _refuse_same_part_names(members)
        # A part as calamine finds it (see _find): one member at most to a name, as checked above.
        self._by_name = {_calamine_name(name): member for member in members for name in _member_names(member)}
        if self._find("xl/workbook.xml") is None or self._find("xl/workbook.bin") is not None:
            raise TableError(_BROKEN_XLSX)  # not an .xlsx: an .xlsb, an .ods, some other archive
        if sum(member.file_size for member in members) > XLSX_MAX_UNPACKED_BYTES:
            raise TableError(_too_large_archive())
        relations: dict[bytes, bytes] = {}
        for attributes in self._tags("xl/_rels/workbook.xml.rels", "Relationship"):
            relation = attributes.get(b"Id", b"")
            if relation in relations:
                # A relationship's Id is unique within its part (ECMA-376 Part 2, Open Packaging Conventions):
                # of two, calamine and the scan could take different ones.
                raise TableError(_BROKEN_XLSX)
            relations[relation] = attributes.get(b"Target", b"")
        self._paths: dict[str, str] = {}
        for name, attributes in zip(self._sheet_names(), self._tags("xl/workbook.xml", "sheet"), strict=True):
            if name.lower() in {known.lower() for known in self._paths}:
                raise TableError(_BROKEN_XLSX)  # Excel forbids two sheets of one name
            # As calamine 0.37 (python-calamine 0.9.1) reads a sheet, found by experiment: the relationship is
            # the last attribute named «id» whatever its prefix; ids and the target are compared as written
            # (neither unescaped nor normalised); a target starting with «/» is taken from the archive's root,
            # any other under «xl/» («xl/worksheets/…» is xl/xl/worksheets/…).
            sheet_relation = next(
                (value for key, value in reversed(attributes.items()) if _local_bytes(key) == b"id"), None
            )
            target = (
                relations.get(sheet_relation, b"").decode("utf-8", "replace")
                if sheet_relation is not None
                else ""
            )
            self._paths[name] = target[1:] if target.startswith("/") else f"xl/{target}"
        if not self._paths:
            raise TableError(_BROKEN_XLSX)
        self.sheet_names = list(self._paths)
        sheets = {id(member) for path in self._paths.values() for member in self._candidates(path)}
        shared_strings = self._find("xl/sharedStrings.xml")
        self._shared: list[int] = []
        for member in members:
            if member.is_dir() or id(member) in sheets:
                continue  # a sheet is read through when it is checked
            part = _unpacked(self._stream, member)
            if member is shared_strings:
                self._shared = _shared_string_lengths(part)
            else:
                for _chunk in part:  # unpacked to its end: a size or a CRC that lies fails here
                    pass

    def _find(self, path: str) -> zipfile.ZipInfo | None:
        """The member calamine reads for a part: its name with «\\» as «/», ignoring ASCII case (calamine's
        xlsx path_to_zip_path); the path itself is compared as it is."""
        return self._by_name.get(_ascii_lower(path))

    def _candidates(self, path: str) -> list[zipfile.ZipInfo]:
        """Every member calamine could take for ``path``, by any name a zip reader may give it. One, or the file is
        refused: checked here again, not only trusted to _refuse_same_part_names."""
        key = _ascii_lower(path)
        return [
            member
            for member in self._zip.infolist()
            if any(_calamine_name(name) == key for name in _member_names(member))
        ]

    def _part(self, path: str) -> bytes:
        info = self._find(path)
        if info is None:
            raise TableError(_BROKEN_XLSX)
        if info.file_size > XLSX_MAX_SHARED_STRINGS_BYTES:
            raise TableError(_too_large_archive())
        data = b"".join(_unpacked(self._stream, info))
        if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
            # No spreadsheet program declares entities; ElementTree would expand them, calamine would not.
            raise TableError(_BROKEN_XLSX)
        return data

    def _xml(self, path: str) -> ElementTree.Element:
        # Small parts (workbook, relationships), their size checked: expat (2.4 and later) refuses the
        # «billion laughs» expansion and ElementTree never fetches an external entity.
        return ElementTree.fromstring(self._part(path))  # noqa: S314

    def _tags(self, path: str, local_name: str) -> list[dict[bytes, bytes]]:
        """The raw attributes of every element ``local_name`` of a small part, in order, as calamine's XML reader
        sees them: values neither unescaped nor normalised (calamine compares relationship ids and targets as
        written). The part must also be well-formed XML holding exactly these elements (no comment or text
        that looks like one)."""
        if self._find(path) is None:
            return []
        data = self._part(path)
        elements = [e for e in ElementTree.fromstring(data).iter() if _local(e.tag) == local_name]  # noqa: S314
        found = re.finditer(rb"<" + _PREFIX + re.escape(local_name.encode()) + rb"(?=[\s/>])", data)
        tags = [_start_tag(data, match.start())[0] for match in found]
        if len(tags) != len(elements):
            raise TableError(_BROKEN_XLSX)
        return tags

    def _sheet_names(self) -> list[str]:
        return [e.get("name", "") for e in self._xml("xl/workbook.xml").iter() if _local(e.tag) == "sheet"]

    def check(self, name: str) -> SheetShape:
        """Measure a sheet without building it: TableError when it is too large or damaged."""
        if name not in self._shapes:
            found = self._candidates(self._paths.get(name, ""))
            if len(found) != 1:
                raise TableError(_SAME_PART_NAMES if found else _BROKEN_XLSX)
            info = found[0]
            try:
                self._shapes[name] = _scan_sheet(lambda: _unpacked(self._stream, info), name, self._shared)
            except (EOFError, OSError) as error:
                raise TableError(_BROKEN_XLSX) from error
        return self._shapes[name]

    def rows(self, name: str) -> Iterator[list]:
        """The sheet's rows as calamine reads them, once it has been measured."""
        self.check(name)
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            if self._calamine is None:
                # From the file on disk when there is one: from_filelike first copies the whole file into memory.
                path = getattr(self._stream, "name", None)
                if isinstance(path, str) and os.path.isfile(path):
                    self._calamine = CalamineWorkbook.from_path(path)
                else:
                    self._stream.seek(0)
                    self._calamine = CalamineWorkbook.from_filelike(self._stream)
            rows = self._calamine.get_sheet_by_name(name).iter_rows()
        except (CalamineError, ValueError, OSError) as error:
            raise TableError(_BROKEN_XLSX) from error
        yield from rows


def read_xlsx_rows(stream: IO[bytes], sheet: int = 0) -> Iterator[list]:
    """Raw rows of a sheet of an .xlsx file (the first by default), measured before it is read."""
    workbook = XlsxWorkbook(stream)
    if sheet >= len(workbook.sheet_names):
        raise TableError(_BROKEN_XLSX)
    yield from workbook.rows(workbook.sheet_names[sheet])


def iter_xlsx(stream: IO[bytes], columns: tuple[Column, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    return rows_with_header(read_xlsx_rows(stream), columns)


# --- .xls (Excel 97–2003): measured before it is read --------------------------------------------------------
#
# calamine builds EVERY sheet of an .xls as a dense grid when the workbook is opened (tried on python-calamine
# 0.9.1: a 5.6 KB file of one cell at A1 and one at IV65536 took 529 MB on opening, three such sheets 1.5 GB). So
# the BIFF8 records of the file's «Workbook» stream (olefile reads the compound file) are scanned first, as
# calamine reads them (the globals, then each sheet from the offset its BOUNDSHEET8 gives, to its EOF): the range
# each sheet's DIMENSIONS declares (calamine reserves it) and its used range from A1 (calamine skips BLANK and
# MULBLANK cells, so they are not counted), the cell records themselves, and the text the cells hold (a shared
# string counted at every use, 3 bytes a UTF-16 character at most in UTF-8) — with the .xlsx limits, over the
# whole workbook since it is built at once. [MS-XLS] 2.4 gives the records: BOF 0x0809, EOF 0x000A, BOUNDSHEET8
# 0x0085, DIMENSIONS 0x0200, SST 0x00FC + CONTINUE 0x003C, LABELSST 0x00FD, LABEL 0x0204, RSTRING 0x00D6, NUMBER
# 0x0203, RK 0x027E, MULRK 0x00BD, BOOLERR 0x0205, FORMULA 0x0006 and its STRING 0x0207.

XLS_BROKEN = (
    "Не удалось прочитать файл Excel 97–2003 (.xls): он повреждён, защищён паролем или сохранён в формате "
    "старше Excel 95. Откройте его в Excel и сохраните как «Книга Excel (.xlsx)» или как CSV."
)
_XLS_BOF, _XLS_EOF, _XLS_SST, _XLS_CONTINUE, _XLS_FILEPASS = 0x0809, 0x000A, 0x00FC, 0x003C, 0x002F
_XLS_LABELSST, _XLS_LABEL, _XLS_RSTRING, _XLS_STRING, _XLS_MULRK = 0x00FD, 0x0204, 0x00D6, 0x0207, 0x00BD
_XLS_CELLS = {0x0203, 0x027E, 0x0205, 0x0006, _XLS_LABELSST, _XLS_LABEL, _XLS_RSTRING}
_XLS_DIMENSIONS, _XLS_BOUNDSHEET = 0x0200, 0x0085


def is_xls(stream: IO[bytes]) -> bool:
    """An OLE2 compound file: what Excel 97–2003 saves."""
    stream.seek(0)
    signature = stream.read(len(_XLS_SIGNATURE))
    stream.seek(0)
    return signature == _XLS_SIGNATURE


def _xls_stream(stream: IO[bytes]) -> bytes:
    import olefile

    try:
        ole = olefile.OleFileIO(stream)
        for name in ("Workbook", "Book"):  # BIFF8, then BIFF5 (as calamine looks for them)
            if ole.exists(name):
                return ole.openstream(name).read()
    except Exception as error:  # olefile raises OSError, ValueError, struct.error… on a damaged file
        raise TableError(XLS_BROKEN) from error
    raise TableError(XLS_BROKEN)


def _sst_lengths(parts: list[bytes]) -> list[int]:
    """The characters of each shared string ([MS-XLS] 2.4.265 SST, 2.5.293 XLUnicodeRichExtendedString): a string's
    characters may go on in a CONTINUE record, which then starts with its own «high byte» flag."""
    if not parts or len(parts[0]) < 8:
        raise TableError(XLS_BROKEN)
    unique = struct.unpack_from("<I", parts[0], 4)[0]
    lengths: list[int] = []
    part, at = 0, 8

    def skip(count: int) -> None:  # bytes with no flag byte at a boundary (headers, runs, extensions)
        nonlocal part, at
        while count:
            if at >= len(parts[part]):
                part, at = part + 1, 0
                if part >= len(parts):
                    raise TableError(XLS_BROKEN)
            step = min(count, len(parts[part]) - at)
            at, count = at + step, count - step

    def read(size: int) -> bytes:
        nonlocal part, at
        if at + size > len(parts[part]):  # a header is never split: it starts the next record
            part, at = part + 1, 0
            if part >= len(parts) or size > len(parts[part]):
                raise TableError(XLS_BROKEN)
        value = parts[part][at : at + size]
        at += size
        return value

    for _ in range(min(unique, sum(map(len, parts)) // 3)):
        characters, flags = struct.unpack("<HB", read(3))
        runs = struct.unpack("<H", read(2))[0] if flags & 0x08 else 0
        extension = struct.unpack("<I", read(4))[0] if flags & 0x04 else 0
        wide, left = flags & 0x01, characters
        while left:
            if at >= len(parts[part]):
                part, at = part + 1, 1
                if part >= len(parts) or not parts[part]:
                    raise TableError(XLS_BROKEN)
                wide = parts[part][0] & 0x01
            step = min(left, (len(parts[part]) - at) // (2 if wide else 1))
            if step == 0:
                raise TableError(XLS_BROKEN)
            at, left = at + step * (2 if wide else 1), left - step
        skip(4 * runs + extension)
        lengths.append(characters)
    return lengths


def measure_xls(data: bytes) -> None:
    """Refuse an .xls workbook calamine would build over the limits (see above); TableError says why.

    Read as calamine reads it: the workbook globals from the stream's start to their EOF (the shared strings, and
    BOUNDSHEET8 records giving each sheet's offset), then each sheet from its own offset to its EOF — not the
    stream end to end, where one damaged length would hide the sheets behind it from the scan but not from
    calamine (found by mutating a valid file)."""
    if len(data) < 4 or struct.unpack_from("<H", data, 0)[0] != _XLS_BOF:
        raise TableError(XLS_BROKEN)
    offsets: list[int] = []
    strings: list[int] = []
    sst: list[bytes] | None = None
    for kind, body, end in _xls_records(data, 0):
        if sst is not None:
            if kind == _XLS_CONTINUE:
                sst.append(data[body:end])
                continue
            strings, sst = _sst_lengths(sst), None
            if 3 * sum(strings) > XLSX_MAX_SHARED_STRINGS_BYTES:
                raise TableError(_too_large_archive())
        if kind == _XLS_SST:
            sst = [data[body:end]]
        elif kind == _XLS_FILEPASS:
            raise TableError(XLS_BROKEN)  # encrypted
        elif kind == _XLS_BOUNDSHEET and end - body >= 4:
            offsets.append(struct.unpack_from("<I", data, body)[0])
        elif kind == _XLS_EOF:
            break
    if sst is not None:
        strings = _sst_lengths(sst)
    dense = cells = text = 0
    for offset in offsets:
        sheet_cells, sheet_text, sheet_dense = _measure_xls_sheet(
            data, offset, strings, XLSX_MAX_CELLS - dense
        )
        dense, cells, text = dense + sheet_dense, cells + sheet_cells, text + sheet_text
        if dense > XLSX_MAX_CELLS or cells > XLSX_MAX_CELLS:
            raise TableError(_too_many_xls_cells())
        if text > XLSX_MAX_TEXT_BYTES:
            raise TableError(
                f"В ячейках файла Excel больше {_mb(XLSX_MAX_TEXT_BYTES)} текста: разделите файл на части или "
                "сохраните его как CSV."
            )


def _xls_records(data: bytes, at: int) -> Iterator[tuple[int, int, int]]:
    """(type, start of the body, end of the body) of each BIFF record from ``at``; a record past the end of the
    stream is a damaged file."""
    size = len(data)
    while at + 4 <= size:
        kind, length = struct.unpack_from("<HH", data, at)
        body, at = at + 4, at + 4 + length
        if at > size:
            raise TableError(XLS_BROKEN)
        yield kind, body, at


def _measure_xls_sheet(data: bytes, offset: int, strings: list[int], room: int) -> tuple[int, int, int]:
    """(cell records, text bytes, cells reserved and built) of the sheet whose BOF is at ``offset``, read to its
    EOF; stops counting the grid once it is past ``room``."""
    if offset + 4 > len(data) or struct.unpack_from("<H", data, offset)[0] != _XLS_BOF:
        raise TableError(XLS_BROKEN)
    cells = text = reserved = 0
    rows = columns = 0  # the used range from A1
    for kind, body, end in _xls_records(data, offset):
        length = end - body
        if kind == _XLS_EOF:
            break
        if kind == _XLS_DIMENSIONS:
            # calamine reserves room for the range a sheet's DIMENSIONS declares ([MS-XLS] 2.4.90: first row,
            # last row + 1, first column, last column + 1), before any cell: a range declared backwards or beyond
            # the format made it ask for 1.2 TB (found by mutating a valid file). Counted with the grids.
            if length == 14:
                first_row, end_row, first_column, end_column = struct.unpack_from("<IIHH", data, body)
            elif length == 10:
                first_row, end_row, first_column, end_column = struct.unpack_from("<HHHH", data, body)
            else:
                raise TableError(XLS_BROKEN)
            if first_row > end_row or first_column > end_column or end_row > 65_536 or end_column > 256:
                raise TableError(XLS_BROKEN)
            reserved += (end_row - first_row + 1) * (end_column - first_column + 1)
        elif kind == _XLS_STRING and length >= 2:
            text += 3 * struct.unpack_from("<H", data, body)[0]
        elif kind in _XLS_CELLS or kind == _XLS_MULRK:
            if length < 6:
                raise TableError(XLS_BROKEN)
            row, column = struct.unpack_from("<HH", data, body)
            count = 1
            if kind == _XLS_MULRK:
                last = struct.unpack_from("<H", data, end - 2)[0]
                count, column = max(last - column + 1, 1), max(last, column)
            elif kind == _XLS_LABELSST and length >= 10:
                index = struct.unpack_from("<I", data, body + 6)[0]
                text += 3 * strings[index] if index < len(strings) else 0
            elif kind in (_XLS_LABEL, _XLS_RSTRING) and length >= 8:
                text += 3 * struct.unpack_from("<H", data, body + 6)[0]
            cells += count
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        if reserved + rows * columns > room or cells > XLSX_MAX_CELLS:
            raise TableError(_too_many_xls_cells())
    return cells, text, reserved + rows * columns


def _too_many_xls_cells() -> str:
    return (
        f"Файл Excel 97–2003 (.xls) читается целиком, всеми листами сразу, а из него читается не больше "
        f"{_max_cells()} на все листы (считая от A1 до последней заполненной ячейки листа). "
        "Удалите лишнее (и значения далеко за таблицей), разделите файл на части или сохраните его как .xlsx или CSV."
    )


class XlsWorkbook:
    """An .xls file: measured (measure_xls), then opened by calamine, which builds all its sheets at once."""

    def __init__(self, stream: IO[bytes]):
        measure_xls(_xls_stream(stream))
        from python_calamine import CalamineWorkbook

        try:
            path = getattr(stream, "name", None)
            if isinstance(path, str) and os.path.isfile(path):
                self._calamine = CalamineWorkbook.from_path(path)
            else:
                stream.seek(0)
                self._calamine = CalamineWorkbook.from_filelike(stream)
            self.sheet_names = list(self._calamine.sheet_names)
        except BaseException as error:
            if not _xls_failure(error):
                raise
            raise TableError(XLS_BROKEN) from error

    def rows(self, name: str) -> Iterator[list]:
        try:
            yield from self._calamine.get_sheet_by_name(name).iter_rows()
        except BaseException as error:
            if not _xls_failure(error):
                raise
            raise TableError(XLS_BROKEN) from error


def _xls_failure(error: BaseException) -> bool:
    """Whether calamine failed on the file: its errors and its panics (a damaged record it indexes past —
    pyo3's PanicException, a BaseException, found by mutating valid files) are the file's fault; an interrupt
    or the process's exit stays what it is."""
    from python_calamine import CalamineError

    return isinstance(error, (CalamineError, ValueError, OSError)) or type(error).__name__ == "PanicException"


def read_sheets(stream: IO[bytes], name: str) -> Iterator[tuple[str | None, Iterator[list], int]]:
    """Every sheet of a file, in the workbook's order, as (its name, its raw rows, how many sheets the file has);
    a CSV file is one sheet named None. The workbook is opened once; an .xlsx sheet is measured just before it is
    read (XlsxWorkbook), so one sheet at a time is built in memory; an .xls is measured whole (XlsWorkbook)."""
    if file_format(name) == "csv":
        yield None, read_csv_rows(stream), 1
        return
    workbook = XlsWorkbook(stream) if is_xls(stream) else XlsxWorkbook(stream)
    for sheet in workbook.sheet_names:
        yield sheet, workbook.rows(sheet), len(workbook.sheet_names)


def read_rows(stream: IO[bytes], name: str) -> Iterator[list]:
    """Raw rows of a .csv or .xlsx file by its name's extension (no header handling)."""
    return read_csv_rows(stream) if file_format(name) == "csv" else read_xlsx_rows(stream)


def file_format(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in {".csv", ".txt"}:
        return "csv"
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return "xlsx"
    raise TableError(f"Формат файла «{suffix or name}» не поддерживается: загрузите .xlsx или .csv.")


def iter_table(
    stream: IO[bytes], name: str, columns: tuple[Column, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a .csv or .xlsx file by its name's extension."""
    fmt = file_format(name)
    return iter_csv(stream, columns) if fmt == "csv" else iter_xlsx(stream, columns)


def parse_int(text: str) -> int | None:
    """'12', '12.0', ' 1 200 ' -> int; '' -> None; anything else raises ValueError."""
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    if re.fullmatch(r"[+-]?\d+", cleaned):
        return int(cleaned)
    if re.fullmatch(r"[+-]?\d+[.,]0+", cleaned):
        return int(cleaned.split(".")[0].split(",")[0])
    raise ValueError(text)


_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})(?:\s*г\.?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(text: str) -> date | None:
    """'15.01.2024', '15/01/2024', '2024-01-15' and an Excel date cell (read as '2024-01-15' or
    '2024-01-15T10:30:00') -> date; '' -> None; anything else, or a day that does not exist, raises ValueError.
    """
    cleaned = text.replace("\u00a0", " ").strip()
    if not cleaned:
        return None
    day_first = _DAY_FIRST.match(cleaned)
    if day_first:
        day, month, year = (int(part) for part in day_first.groups())
        return date(year, month, day)
    iso = _ISO.match(cleaned)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
        return date(year, month, day)
    raise ValueError(text)
