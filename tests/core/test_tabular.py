import gc
import io
import sys

import pytest
from openpyxl import Workbook

from core.tabular import Column, TableError, iter_table, normalise_header, parse_int, read_csv_rows

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


def test_a_wrong_column_is_named_with_the_missing_one_and_the_rows_are_counted():
    """#17 item 15: the error names the column not recognised (usually the missing one misspelt) and the page
    says how many rows the file has, not 0."""
    with pytest.raises(TableError) as refused:
        rows("Код ОО;Наименованье;«3»\nsch1;Школа;5\n\nsch2;Школа 2;4\n".encode())
    assert str(refused.value) == (
        "В заголовке нет обязательных столбцов: «Наименование». Не распознаны столбцы: «Наименованье». "
        "Первая строка файла должна содержать: «Код ОО», «Наименование»."
    )
    assert refused.value.rows == 2


def test_an_unreadable_file_has_no_row_count():
    with pytest.raises(TableError) as refused:
        rows(b"not a zip file", "f.xlsx")
    assert refused.value.rows is None


def test_a_csv_reader_stopped_early_closes_without_a_traceback(tmp_path, monkeypatch):
    """#17 item 6: a reader stopped early and finalised after its file was closed printed «Exception ignored in:
    <generator object read_csv_rows> … ValueError: I/O operation on closed file». Python reports such errors
    to sys.unraisablehook; none may reach it."""
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    path = tmp_path / "data.csv"
    path.write_text("Код ОО;Что-то\nsch1;x\nsch2;y\n", encoding="utf-8")

    with open(path, "rb") as stream:
        reader = read_csv_rows(stream)
        assert next(reader) == ["Код ОО", "Что-то"]  # a consumer that reads the header only
    del reader
    gc.collect()

    kept = []
    with open(path, "rb") as stream:
        try:
            list(iter_table(stream, "data.csv", COLUMNS))
        except TableError as error:
            kept.append(error)  # the traceback keeps the readers' frames alive past the file's closing
    kept.clear()
    gc.collect()

    assert [repr(hook.exc_value) for hook in unraisable] == []


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
