import pytest

from core.exports import csv_download, safe_cell, safe_row


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+7 999", "'+7 999"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("МБОУ «Школа»", "МБОУ «Школа»"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_download_makes_every_cell_safe_and_excel_readable():
    response = csv_download([["sch1", "=cmd|' /C calc'!A0"]], header=["code", "name"], filename="x.csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffcode,name\r\n")
    assert "sch1,'=cmd|' /C calc'!A0" in body
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert safe_row(["=1", 2]) == ["'=1", 2]
