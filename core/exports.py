"""Files people open in Excel: every exported cell goes through ``safe_cell``."""

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse

# A text cell starting with one of these is run as a formula by Excel and LibreOffice (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that would start a formula is written as text (a leading apostrophe); other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable) -> list:
    return [safe_cell(value) for value in values]


def csv_download(
    rows: Iterable[Iterable], *, header: list[str], filename: str, delimiter: str = ","
) -> HttpResponse:
    """A CSV attachment in UTF-8 with a BOM (so Excel reads Cyrillic), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
