"""Raw .xlsx files written as zip XML, for shapes no spreadsheet program saves: a cell at XFD1048576, a million
rows written in seconds, a 200 MB cell, rows out of order, a namespace prefix, cells without «r»."""

import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


class Shared(int):
    """A cell value that is an index into the shared strings."""


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str | None, value, prefix: str = "") -> str:
    at = f' r="{ref}"' if ref else ""
    if isinstance(value, Shared):
        return f'<{prefix}c{at} t="s"><{prefix}v>{int(value)}</{prefix}v></{prefix}c>'
    if isinstance(value, int | float):
        return f"<{prefix}c{at}><{prefix}v>{value}</{prefix}v></{prefix}c>"
    return f'<{prefix}c{at} t="inlineStr"><{prefix}is><{prefix}t>{escape(value)}</{prefix}t></{prefix}is></{prefix}c>'


def sheet_rows(rows: Iterable[tuple[int, list[tuple[int, object]]]], *, prefix: str = "", refs=True):
    """<row> elements of (row number, [(column number, value), …]); without refs, rows and cells carry no «r»."""
    for number, cells in rows:
        row_at = f' r="{number}"' if refs else ""
        inner = "".join(
            cell(f"{column_letters(col)}{number}" if refs else None, value, prefix) for col, value in cells
        )
        yield f"<{prefix}row{row_at}>{inner}</{prefix}row>"


def write_xlsx(
    path: Path,
    rows: Iterable[tuple[int, list[tuple[int, object]]]] = (),
    *,
    shared: list[str] = (),
    dimension: str | None = None,
    prefix: str = "",
    refs: bool = True,
    sheet_xml: Iterable[str] | None = None,
) -> Path:
    """An .xlsx of one sheet «Лист1»; ``sheet_xml`` gives the <sheetData> content as it is."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}">'
            + "".join(f"<si><t>{escape(text)}</t></si>" for text in shared)
            + "</sst>",
        )
        namespace = f'xmlns:{prefix[:-1]}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><{prefix}worksheet {namespace}>'.encode()
            )
            if dimension:
                out.write(f'<{prefix}dimension ref="{dimension}"/>'.encode())
            out.write(f"<{prefix}sheetData>".encode())
            batch = []
            for piece in sheet_rows(rows, prefix=prefix, refs=refs) if sheet_xml is None else sheet_xml:
                batch.append(piece)
                if len(batch) >= 10_000:
                    out.write("".join(batch).encode())
                    batch = []
            out.write("".join(batch).encode())
            out.write(f"</{prefix}sheetData></{prefix}worksheet>".encode())
    return path
