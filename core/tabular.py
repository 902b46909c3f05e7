"""Reading tabular files (.csv, .xlsx) row by row, with Russian or English headers.

Pure of the ORM: the readers turn a file into ``(row_number, {column_key: text})`` pairs, streaming, so a
million-row CSV is never held in memory. Validation of the values belongs to each importer; this module
only knows columns, headers, encodings and separators, and the shape of a row error.
"""

import codecs
import csv
import io
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

CSV_SNIFF_BYTES = 64 * 1024  # enough to see the header and a few rows for the separator and encoding
_DROP_NUL = operator.methodcaller("replace", "\x00", "")


class TableError(Exception):
    """The file as a whole cannot be read (format, encoding, header). The message is Russian."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Russian header, as in the template and in error messages
    aliases: tuple[str, ...] = ()
    required: bool = True

    def names(self) -> set[str]:
        return {normalise_header(name) for name in (self.key, self.label, *self.aliases)}


@dataclass(frozen=True, order=True)
class RowError:
    row: int  # as the user sees it in the file: the header is row 1
    column: str  # the column's Russian label, or "" for the row as a whole
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


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
    lookup = {name: column for column in columns for name in column.names()}
    for index, title in enumerate(header):
        column = lookup.get(normalise_header(title))
        if column is None:
            continue
        if column.key in positions:
            raise TableError(f"Столбец «{column.label}» встречается в заголовке дважды.")
        positions[column.key] = index
    missing = [column.label for column in columns if column.required and column.key not in positions]
    if missing:
        expected = ", ".join(f"«{column.label}»" for column in columns if column.required)
        raise TableError(
            "В заголовке нет обязательных столбцов: "
            + ", ".join(f"«{m}»" for m in missing)
            + f". Первая строка файла должна содержать: {expected}."
        )
    return positions


def rows_with_header(
    raw_rows: Iterator[list], columns: tuple[Column, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    header: list[str] | None = None
    line = 0
    for raw in raw_rows:
        line += 1
        cells = [cell_text(value) for value in raw]
        if header is None:
            if not any(cells):  # blank lines above the header are tolerated
                continue
            header = cells
            positions = map_header(header, columns)
            continue
        if not any(cells):
            continue
        yield line, {key: (cells[pos] if pos < len(cells) else "") for key, pos in positions.items()}
    if header is None:
        raise TableError("Файл пуст: нет строки заголовка.")


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
        best = max(counts, key=counts.get)
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
        text.detach()


def iter_csv(stream: IO[bytes], columns: tuple[Column, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    return rows_with_header(read_csv_rows(stream), columns)


def iter_xlsx(stream: IO[bytes], columns: tuple[Column, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(stream)
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except (CalamineError, ValueError, OSError) as error:
        raise TableError("Не удалось прочитать файл Excel: он повреждён или это не .xlsx.") from error
    yield from rows_with_header(rows, columns)


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
