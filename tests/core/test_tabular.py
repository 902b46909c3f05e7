import io

import pytest
from openpyxl import Workbook

from core.tabular import Column, TableError, iter_table, normalise_header, parse_int

COLUMNS = (
    Column("code", "Код ОО", aliases=("school_code",)),
    Column("name", "Наименование"),
    Column("marks_3", "«3»", required=False),
)


def rows(data: bytes, name="f.csv"):
    return list(iter_table(io.BytesIO(data), name, COLUMNS))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "utf-16", "utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_csv_encodings_and_separators(encoding, sep):
    text = sep.join(["Код ОО", "Наименование", "«3»"]) + "\n" + sep.join(["sch1", "Школа Ёлкино", "5"]) + "\n"
    assert rows(text.encode(encoding)) == [(2, {"code": "sch1", "name": "Школа Ёлкино", "marks_3": "5"})]


def test_excel_unicode_text_is_read():
    """Excel's «Текст Юникод» (UTF-16 LE with a BOM, tabs, CRLF), longer than the sniffed 64 KB: the sample's cut
    inside a character does not matter."""
    lines = ["Код ОО\tНаименование\t«3»"] + [f"sch{n}\tШкола № {n} «Ёлочка»\t{n % 7}" for n in range(3000)]
    data = "\r\n".join(lines).encode("utf-16")
    assert len(data) > 64 * 1024
    found = rows(data)
    assert len(found) == 3000
    assert found[-1] == (3001, {"code": "sch2999", "name": "Школа № 2999 «Ёлочка»", "marks_3": "3"})


def test_english_header_and_spacing():
    data = "  SCHOOL_CODE ;name\nsch1;Школа\n".encode()
    assert rows(data) == [(2, {"code": "sch1", "name": "Школа"})]


def test_header_quotes_and_yo_are_normalised():
    assert normalise_header(" «3» ") == "3"
    assert normalise_header("Всё  ЁЛКИ") == "все елки"


def test_blank_lines_are_skipped_and_numbers_are_file_lines():
    data = "\nКод ОО;Наименование\n\nsch1;A\n;\nsch2;B\n".encode()
    assert [line for line, _ in rows(data)] == [4, 6]


def test_missing_required_column_is_named_in_russian():
    with pytest.raises(TableError, match="«Наименование»"):
        rows("Код ОО;Что-то\nsch1;x\n".encode())


def test_repeated_column_is_an_error():
    with pytest.raises(TableError, match="дважды"):
        rows("Код ОО;school_code;Наименование\n1;2;3\n".encode())


def test_empty_file():
    with pytest.raises(TableError, match="пуст"):
        rows(b"")


def test_unsupported_extension():
    with pytest.raises(TableError, match="не поддерживается"):
        rows(b"x", name="data.pdf")


def test_short_rows_are_padded():
    assert rows("Код ОО;Наименование;«3»\nsch1;A\n".encode()) == [
        (2, {"code": "sch1", "name": "A", "marks_3": ""})
    ]


def test_xlsx_typed_cells_become_text():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Код ОО", "Наименование", "«3»"])
    sheet.append(["sch1", "Школа", 12])
    sheet.append([610001, "Школа 2", 3.5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert rows(buffer.getvalue(), "f.xlsx") == [
        (2, {"code": "sch1", "name": "Школа", "marks_3": "12"}),
        (3, {"code": "610001", "name": "Школа 2", "marks_3": "3.5"}),
    ]


def test_corrupt_xlsx():
    with pytest.raises(TableError, match="Excel"):
        rows(b"not a zip file", "f.xlsx")


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), (" 12 ", 12), ("1 200", 1200), ("12.0", 12), ("12,00", 12), ("", None), ("-3", -3)],
)
def test_parse_int(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize("text", ["12.5", "abc", "1e3", "12,5"])
def test_parse_int_rejects(text):
    with pytest.raises(ValueError):
        parse_int(text)
