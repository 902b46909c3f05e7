"""Hostile and large .xlsx files (issue #17, item 1): each is read in a process of its own, as an import's worker
reads it, and that process's peak memory is measured: VmHWM of /proc/self/status, the high-water mark of the
process image after exec. (Its getrusage ru_maxrss would not do: Linux carries the peak of the forking parent,
this test process, across exec.)

Before the reader measured sheets, the 1.6 KB file with a cell at XFD1048576 made python-calamine ask for
549 GB and the process abort (SIGABRT); a 200 MB cell took 833 MB; a million rows 1.32 GB. Now such sheets are
refused with a Russian message, and the largest file accepted is read within 300 MB.
"""

import json
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from itertools import chain
from pathlib import Path

import pytest

from core import tabular
from core.tabular import XLS_UNSUPPORTED, TableError
from tests.core.xlsx_raw import (
    CONTENT_TYPES,
    MAIN,
    PACKAGE_RELS,
    WORKBOOK,
    WORKBOOK_RELS,
    Shared,
    sheet_rows,
    write_xlsx,
)

ROOT = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 300
HEADER = [(1, "Код ОО"), (2, "Наименование"), (3, "«3»")]

READER = textwrap.dedent(
    """
    import json, os, sys
    os.environ["DJANGO_SETTINGS_MODULE"] = "shnor_portal.settings.test"
    import django
    django.setup()
    import schools.importers, schools.results_import, diagnostics.results_import  # a worker's modules
    from core.tabular import Column, TableError, iter_table
    columns = (Column("code", "Код ОО"), Column("name", "Наименование"), Column("marks_3", "«3»", required=False))
    rows = 0
    try:
        with open(sys.argv[1], "rb") as stream:
            for _line, _values in iter_table(stream, sys.argv[1], columns):
                rows += 1
    except TableError as error:
        said = {"refused": str(error)}
    else:
        said = {"rows": rows}
    with open("/proc/self/status") as status:
        peak = next(line for line in status if line.startswith("VmHWM:"))
    said["peak_kb"] = int(peak.split()[1])
    print(json.dumps(said))
    """
)


@pytest.fixture(autouse=True)
def _linux():
    if not Path("/proc/self/status").exists():
        pytest.skip("Пиковая память процесса читается из /proc (Linux).")


def read_in_child(path: Path) -> tuple[dict, int, float]:
    """(what the reader said, the child's exit status, its peak resident memory in MB)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    output, _ = child.communicate(timeout=600)
    said = json.loads(output) if output.strip() else {"peak_kb": 0}
    return said, child.returncode, said.pop("peak_kb") / 1024


def assert_refused(path: Path, message_start: str) -> float:
    said, code, peak = read_in_child(path)
    assert code == 0, f"процесс чтения завершился с кодом {code} (−{int(signal.SIGABRT)} — SIGABRT)"
    assert said["refused"].startswith(message_start), said
    assert peak < PEAK_LIMIT_MB, f"{peak:.0f} МБ"
    return peak


def test_a_cell_at_xfd1048576_is_refused_not_fatal(tmp_path):
    path = write_xlsx(
        tmp_path / "corner.xlsx",
        [(1, HEADER), (2, [(1, "sch1"), (2, "Школа")]), (1_048_576, [(16_384, 1)])],
        dimension="A1:XFD1048576",
    )
    assert path.stat().st_size < 2000
    assert_refused(
        path,
        "Лист «Лист1» слишком большой: его данные занимают 1\u00a0048\u00a0576 строк × 16\u00a0384 столбца "
        "или больше, а из файла Excel читается не больше 1\u00a0860\u00a0000 ячеек",
    )


def million_rows():
    for number in range(2, 1_048_577):
        yield f'<row r="{number}"><c r="A{number}"><v>{number}</v></c><c r="B{number}"><v>1</v></c></row>'


def test_a_million_rows_are_refused_early_and_cheaply(tmp_path):
    path = write_xlsx(
        tmp_path / "million.xlsx",
        sheet_xml=chain(
            [
                '<row r="1"><c r="A1" t="inlineStr"><is><t>Код ОО</t></is></c>'
                '<c r="B1" t="inlineStr"><is><t>Наименование</t></is></c></row>'
            ],
            million_rows(),
        ),
    )
    said, code, peak = read_in_child(path)
    assert code == 0 and peak < PEAK_LIMIT_MB, (code, peak)
    # Refused where the scan passed the cell limit: within the piece after row XLSX_MAX_CELLS / 2 of the two columns.
    found = re.match(
        r"Лист «Лист1» слишком большой: его данные занимают (\d{3}\xa0\d{3}) строк[иу]? × 2 столбца или больше",
        said["refused"],
    )
    assert found, said
    assert (
        tabular.XLSX_MAX_CELLS // 2
        < int(found[1].replace("\xa0", ""))
        < tabular.XLSX_MAX_CELLS // 2 + 200_000
    )


@pytest.mark.parametrize(
    ("rows", "columns", "said"),
    [
        (1_048_576, 1, "1\u00a0048\u00a0576 строк × 1 столбец"),
        (500_001, 2, "500\u00a0001 строку × 2 столбца"),
        (20_002, 50, "20\u00a0002 строки × 50 столбцов"),
        (1_011, 1_011, "1\u00a0011 строк × 1\u00a0011 столбцов"),
    ],
)
def test_the_size_of_a_sheet_too_large_is_said_in_agreeing_words(rows, columns, said):
    assert tabular._too_many_cells("Лист1", rows, columns).startswith(
        f"Лист «Лист1» слишком большой: его данные занимают {said} или больше, а из файла Excel читается "
    )


def test_a_200_mb_cell_is_refused_as_it_streams_by(tmp_path):
    path = write_xlsx(tmp_path / "cell.xlsx", [(1, HEADER), (2, [(1, "sch1"), (2, "я" * 100_000_000)])])
    assert path.stat().st_size < 1024 * 1024
    assert_refused(path, "В файле Excel есть ячейка длиннее 32\u00a0767 знаков")


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_one_shared_string_used_everywhere_is_counted_at_every_use(tmp_path, prefix):
    """calamine copies a shared string into each cell that refers to it: 30,000 characters × 2,000 cells would
    be 120 MB from a file of a few kilobytes (measured on both paths: plain, and tag by tag)."""
    rows = [(1, HEADER)] + [(n, [(1, "sch1"), (2, Shared(0))]) for n in range(2, 2002)]
    path = write_xlsx(tmp_path / "shared.xlsx", rows, shared=["Ж" * 30_000], prefix=prefix)
    assert path.stat().st_size < 100_000
    assert_refused(path, "На листе «Лист1» слишком много текста: больше 48 МБ.")


@pytest.mark.parametrize(
    ("shape", "options"),
    [
        ("с префиксом пространства имён", {"prefix": "x:"}),
        ("строки и ячейки без «r»", {"refs": False}),
    ],
)
def test_sheets_not_written_plainly_are_measured_tag_by_tag(tmp_path, monkeypatch, shape, options):
    """Cells without «r» follow the previous one, as calamine places them: 20,000 rows of a cell each, then a
    row that starts at column XFD (in a sheet with «r») or 1,100 cells wide (without)."""
    wide = [(16_384, 1)] if options.get("refs", True) else [(col, 1) for col in range(1, 1101)]
    rows = [(1, HEADER)] + [(n, [(1, n)]) for n in range(2, 20_000)] + [(20_000, wide)]
    path = write_xlsx(tmp_path / "odd.xlsx", rows, **options)
    assert_refused(path, "Лист «Лист1» слишком большой")
    pieces = []
    tag = tabular._SheetScan.tag
    monkeypatch.setattr(tabular._SheetScan, "tag", lambda scan, *args: pieces.append(1) or tag(scan, *args))
    with open(path, "rb") as stream, pytest.raises(TableError, match="слишком большой"):
        tabular.XlsxWorkbook(stream).check("Лист1")
    assert pieces  # measured tag by tag, not by the plain patterns


def test_a_shared_string_index_at_the_end_of_a_piece_is_counted():
    """The tag by tag scan gets the sheet in pieces cut before a «<»: an index whose «</v>» is in the next piece
    still counts."""
    scan = tabular._SheetScan("Лист1", shared=[60_000])
    scan.tag(0, b'<x:row r="1"><x:c r="A1" t="s"><x:v>0')
    assert (scan.cells, scan.text_bytes) == (1, 60_000)


def test_a_part_longer_than_the_archive_says_is_refused(tmp_path):
    """The sheet declares its first 300 bytes (with their CRC) and holds a cell at XFD1048576 after them:
    zipfile would stop at the declared size and see a small sheet, calamine's zip reader would read on."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Код ОО</t></is></c></row>'
    ).ljust(300) + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    path = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", PACKAGE_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
        ):
            archive.writestr(name, text)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    declared = sheet.encode()[:300]
    lie = zlib.crc32(declared).to_bytes(4, "little")
    size = len(declared).to_bytes(4, "little")
    local = info.header_offset
    data[local + 14 : local + 18], data[local + 22 : local + 26] = lie, size
    central = next(
        at
        for at in _all(data, b"PK\x01\x02")
        if data[at + 46 : at + 46 + len(info.filename)] == info.filename.encode()
    )
    data[central + 16 : central + 20], data[central + 24 : central + 28] = lie, size
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/worksheets/sheet1.xml") == declared  # what zipfile alone would have measured
    assert_refused(path, "Не удалось прочитать файл Excel: он повреждён или это не .xlsx.")


def _all(data: bytes, needle: bytes):
    at = data.find(needle)
    while at >= 0:
        yield at
        at = data.find(needle, at + 1)


def test_rows_out_of_order_are_refused(tmp_path):
    """calamine takes the used range from the first and the last cell: a last row above the first would wrap
    around to four billion rows."""
    path = write_xlsx(tmp_path / "order.xlsx", [(1_000_000, [(1, 1)]), (1, HEADER)])
    assert_refused(path, "Не удалось прочитать файл Excel: он повреждён или это не .xlsx.")


def test_the_largest_accepted_file_is_read_within_300_mb(tmp_path):
    """At the limits (#19: a region's ВПР protocol of 30,000 pupils): 31,000 rows × 60 columns (1.86 million
    cells), 22 of them text from 200,000 shared strings (15 MB), ~44 MB of text in all. Every row is read."""
    strings = [f"Иванова Мария Петровна {n:08d}".ljust(36, "ж") for n in range(200_000)]
    header = [(1, "Код ОО"), (2, "Наименование"), (3, "«3»")] + [(c, f"Столбец {c}") for c in range(4, 61)]
    rows = [(1, header)]
    index = 0
    for number in range(2, 31_001):
        cells = []
        for col in range(1, 61):
            if col <= 22:
                cells.append((col, Shared(index % len(strings))))
                index += 1
            else:
                cells.append((col, number * 100 + col))
        rows.append((number, cells))
    path = write_xlsx(tmp_path / "large.xlsx", rows, shared=strings)
    with open(path, "rb") as stream:
        shape = tabular.XlsxWorkbook(stream).check("Лист1")
    assert (shape.rows, shape.columns, shape.cells) == (31_000, 60, tabular.XLSX_MAX_CELLS)
    assert 44 * tabular.MB < shape.text_bytes <= tabular.XLSX_MAX_TEXT_BYTES
    said, code, peak = read_in_child(path)
    assert code == 0 and said == {"rows": 30_999}
    print(f"peak {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, f"{peak:.0f} МБ"


def test_an_old_excel_file_is_named_as_such():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    import io

    with pytest.raises(TableError) as refused:
        list(tabular.iter_table(io.BytesIO(data), "отчёт.xls", (tabular.Column("code", "Код ОО"),)))
    assert str(refused.value) == XLS_UNSUPPORTED


def test_an_xlsx_named_xls_is_read(tmp_path):
    """People rename files: what counts is the content."""
    path = write_xlsx(tmp_path / "data.xlsx", [(1, HEADER), (2, [(1, "sch1"), (2, "Школа")])])
    with open(path, "rb") as stream:
        rows = list(tabular.iter_table(stream, "data.xls", (tabular.Column("code", "Код ОО"),)))
    assert rows == [(2, {"code": "sch1"})]


# --- The part calamine reads is the part measured ---------------------------------------------------------------
#
# calamine finds a part by its path ignoring ASCII case, with «\» read as «/» (calamine's xlsx path_to_zip_path),
# and its zip reader lets the last of two members of one name win. A scan that looked the part up any other way
# could measure one member while calamine builds another.

# × 26 columns: 1.95 million cells, over XLSX_MAX_CELLS (1.86 million) — a sheet that must be refused, which is all
# the twins below need (200,000 rows, 5.2 million cells, took ~35 s a case to write and read for the same truth).
WIDE_ROWS = 75_000


def _rels(target: str) -> str:
    return WORKBOOK_RELS.replace('Target="worksheets/sheet1.xml"', f'Target="{target}"')


def _sheet(rows):
    """A worksheet part, as pieces of XML (the wide one is 42 MB unpacked: written as it is made)."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>'
    yield from sheet_rows(rows)
    yield "</sheetData></worksheet>"


def tiny_sheet():
    return _sheet([(1, HEADER), (2, [(1, "sch1"), (2, "Школа")])])


def wide_sheet():
    header = HEADER + [(col, f"Столбец {col}") for col in range(4, 27)]
    return _sheet(
        chain([(1, header)], ((n, [(col, n) for col in range(1, 27)]) for n in range(2, WIDE_ROWS + 1)))
    )


def corner_sheet():
    return _sheet([(1, HEADER), (2, [(1, "sch1"), (2, "Школа")]), (1_048_576, [(16_384, 1)])])


def write_parts(path: Path, target: str, sheets, workbook: str = WORKBOOK) -> Path:
    """An .xlsx whose workbook relationship points to ``target`` (or the relationships part itself, given whole),
    holding the ``sheets`` (name, XML pieces) in order; two of one name are written both."""
    rels = target if target.startswith("<?xml") else _rels(target)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, pieces in (
            ("[Content_Types].xml", [CONTENT_TYPES]),
            ("_rels/.rels", [PACKAGE_RELS]),
            ("xl/workbook.xml", [workbook]),
            ("xl/_rels/workbook.xml.rels", [rels]),
            ("xl/sharedStrings.xml", [f'<sst xmlns="{MAIN}"></sst>']),
            *sheets,
        ):
            # else zipfile warns of a duplicate name (and writes it)
            archive.NameToInfo.pop(getattr(name, "filename", name), None)
            with archive.open(name, "w", force_zip64=True) as out:
                for piece in pieces:
                    out.write(piece.encode())
    return path


SAME_PART_NAMES = "Не удалось прочитать файл Excel: в архиве есть части с совпадающими именами"


@pytest.mark.parametrize(
    ("case", "target", "names"),
    [
        # The reviewer's file: the scan measured S.xml, calamine read s.xml.
        ("регистр", "worksheets/S.xml", ["xl/worksheets/S.xml", "xl/worksheets/s.xml"]),
        (
            "одно имя дважды",
            "worksheets/sheet1.xml",
            ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"],
        ),
        (
            "обратная косая черта",
            "worksheets/sheet1.xml",
            ["xl/worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"],
        ),
        ("«//» и «./»", "worksheets/sheet1.xml", ["xl/worksheets/sheet1.xml", "xl//worksheets/./sheet1.xml"]),
    ],
)
@pytest.mark.parametrize("hidden", ["wide", "corner"])
def test_two_members_one_part_are_refused(tmp_path, case, target, names, hidden):
    """A tiny sheet beside a hidden one that calamine may read instead: 75,000 rows × 26 columns (was accepted:
    1.95 million cells, over the limit), or a cell at XFD1048576 (was SIGABRT)."""
    # the hidden wide sheet alone would be refused for its size
    assert WIDE_ROWS * 26 > tabular.XLSX_MAX_CELLS
    hidden_xml = wide_sheet() if hidden == "wide" else corner_sheet()
    path = write_parts(tmp_path / "twins.xlsx", target, [(names[0], tiny_sheet()), (names[1], hidden_xml)])
    assert_refused(path, SAME_PART_NAMES)


@pytest.mark.parametrize(
    ("target", "name"),
    [
        # Resolved by calamine 0.37 (python-calamine 0.9.1) so, as tried: the part is found ignoring ASCII case and
        # reading «\» as «/» in the archive; a target is put under «xl/» unless it starts with «/».
        ("worksheets/sheet1.xml", "XL/Worksheets/Sheet1.XML"),
        ("worksheets/sheet1.xml", "xl\\worksheets\\sheet1.xml"),
        ("/xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("/XL/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"),
        ("/worksheets/sheet1.xml", "worksheets/sheet1.xml"),
        ("xl/worksheets/sheet1.xml", "xl/xl/worksheets/sheet1.xml"),
        ("worksheets/&#115;heet1.xml", "xl/worksheets/&#115;heet1.xml"),  # a target is not unescaped
    ],
)
def test_the_part_calamine_reads_is_the_one_measured(tmp_path, target, name):
    """The scan resolves a sheet's path as calamine does, and measures that part, not a tiny one where a path
    resolved otherwise would lead (xl/worksheets/sheet1.xml)."""
    sheets = [("xl/worksheets/sheet1.xml", tiny_sheet()), (name, corner_sheet())]
    same = name.lower().replace("\\", "/") == sheets[0][0]  # one part: the tiny one is not written
    path = write_parts(tmp_path / "odd.xlsx", target, sheets[1:] if same else sheets)
    assert_refused(path, "Лист «Лист1» слишком большой")


def test_two_relationships_of_one_id_are_refused(tmp_path):
    rels = _rels("worksheets/sheet1.xml").replace(
        "</Relationships>",
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/tiny.xml"/></Relationships>',
    )
    path = write_parts(
        tmp_path / "ids.xlsx",
        rels,
        [("xl/worksheets/sheet1.xml", corner_sheet()), ("xl/worksheets/tiny.xml", tiny_sheet())],
    )
    assert_refused(path, "Не удалось прочитать файл Excel: он повреждён или это не .xlsx.")


def test_a_member_renamed_by_a_unicode_path_field_is_refused(tmp_path):
    """The zip crate under calamine names a member by its Info-ZIP Unicode Path extra field (0x7075), zipfile by
    the name written: a second «xl/worksheets/sheet1.xml» that only calamine saw (and read, the last of two)."""
    hidden = zipfile.ZipInfo("xl/worksheets/zzzzz1.xml")
    real = b"xl/worksheets/sheet1.xml"
    hidden.extra = (
        struct.pack("<HHB", 0x7075, 5 + len(real), 1)
        + struct.pack("<I", zlib.crc32(hidden.filename.encode()))
        + real
    )
    hidden.compress_type = zipfile.ZIP_DEFLATED
    path = write_parts(
        tmp_path / "upath.xlsx",
        "worksheets/sheet1.xml",
        [("xl/worksheets/sheet1.xml", tiny_sheet()), (hidden, corner_sheet())],
    )
    assert_refused(path, SAME_PART_NAMES)


def test_an_archive_after_other_data_is_refused(tmp_path):
    """zipfile reads the central directory found before the end record, shifting every offset; calamine's zip
    reader may read the one at the offset declared. Data put before the archive is refused."""
    path = write_parts(
        tmp_path / "plain.xlsx", "worksheets/sheet1.xml", [("xl/worksheets/sheet1.xml", tiny_sheet())]
    )
    with open(path, "rb") as stream:
        assert [row[:2] for row in tabular.read_xlsx_rows(stream)] == [
            ["Код ОО", "Наименование"],
            ["sch1", "Школа"],
        ]
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 96 + path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        assert archive.read("xl/worksheets/sheet1.xml")  # zipfile alone reads it
    with open(path, "rb") as stream, pytest.raises(TableError, match="повреждён"):
        list(tabular.read_xlsx_rows(stream))


def test_the_sheet_part_is_named_by_its_last_id_as_calamine_reads_it(tmp_path):
    """calamine takes a sheet's relationship from its last attribute named «id», whatever the prefix: an «r:id»
    before it must not point the scan to a tiny part while calamine reads the large one."""
    workbook = WORKBOOK.replace('r:id="rId1"', 'r:id="rId1" xmlns:x="urn:x" x:id="rId3"')
    rels = _rels("worksheets/sheet1.xml").replace(
        "</Relationships>",
        '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/big.xml"/></Relationships>',
    )
    path = write_parts(
        tmp_path / "ids.xlsx",
        rels,
        [("xl/worksheets/sheet1.xml", tiny_sheet()), ("xl/worksheets/big.xml", corner_sheet())],
        workbook=workbook,
    )
    assert_refused(path, "Лист «Лист1» слишком большой")
