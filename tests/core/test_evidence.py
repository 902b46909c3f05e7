"""Evidence files (core.evidence.check_evidence): the type is taken from the content, not the name."""

import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

import core.files
from core.evidence import MAX_EVIDENCE_BYTES, check_evidence, evidence_name

MB = 1024 * 1024

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/MediaBox[0 0 612 792]/Parent 2 0 R>>endobj\n"
    b"trailer<</Root 1 0 R>>\n"
    b"%%EOF\n"
)


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# The start of a JFIF JPEG (SOI, APP0 JFIF segment) and its end marker.
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xdb\x00\x43\x00" + bytes(range(64)) + b"\xff\xd9"
)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Отчёт о самообразовании</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Лист посещения уроков"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("report.txt", "не документ")
    return buffer.getvalue()


EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run"
)


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("удостоверение.pdf", PDF, "pdf"),
        ("скан.png", png_bytes(), "png"),
        ("фото.jpg", JPEG, "jpg"),
        ("фото.jpeg", JPEG, "jpg"),
        ("отчёт.docx", docx_bytes(), "docx"),
        ("лист.xlsx", xlsx_bytes(), "xlsx"),
        # the name does not matter, only the content
        ("без расширения", PDF, "pdf"),
        ("scan.PDF", PDF, "pdf"),
        ("table.pdf", xlsx_bytes(), "xlsx"),
    ],
)
def test_accepted_by_content(name, content, extension):
    file = upload(name, content)
    assert check_evidence(file) == extension
    assert file.tell() == 0  # rewound for saving
    assert file.read() == content


def test_renamed_exe_is_refused_in_russian():
    with pytest.raises(ValidationError) as excinfo:
        check_evidence(upload("report.pdf", EXE, "application/pdf"))
    message = " ".join(excinfo.value.messages)
    assert "«report.pdf» не похож на документ допустимого вида (PDF, DOCX, XLSX, JPG, PNG)" in message
    assert "проверяется содержимое, а не имя файла" in message


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("отчёт.txt", "Отчёт о выполнении ИОМ за 1 квартал".encode()),
        ("отчёт.pdf", "Отчёт о выполнении ИОМ за 1 квартал".encode()),  # text pretending to be a PDF
        ("отчёт.docx", plain_zip_bytes()),  # a zip that is not an office document
        ("empty.pdf", b""),
        ("page.html", b"<!DOCTYPE html><html><body>x</body></html>"),
        ("archive.pdf", b"\x1f\x8b\x08\x00" + b"\x00" * 20),  # gzip
    ],
)
def test_other_content_is_refused(name, content):
    with pytest.raises(ValidationError) as excinfo:
        check_evidence(upload(name, content))
    assert f"«{name}» не похож на документ допустимого вида" in " ".join(excinfo.value.messages)


def test_limit_is_ten_megabytes():
    assert MAX_EVIDENCE_BYTES == 10 * MB


def test_exactly_ten_megabytes_is_accepted():
    content = PDF + b"\x00" * (10 * MB - len(PDF))
    assert check_evidence(upload("большой.pdf", content)) == "pdf"


def test_over_ten_megabytes_is_refused():
    content = PDF + b"\x00" * (10 * MB + 1 - len(PDF))
    with pytest.raises(ValidationError) as excinfo:
        check_evidence(upload("скан-всего-тома.pdf", content))
    assert excinfo.value.messages == ["Файл «скан-всего-тома.pdf» больше 10 МБ."]


def test_evidence_types_come_from_the_one_table_of_served_types(monkeypatch):
    """check_evidence asks core.files.detect_type, the portal's one reader of a file's type."""
    asked = []

    def detect(fileobj):
        asked.append(fileobj.name)
        return "pdf", "application/pdf"

    monkeypatch.setattr("core.evidence.detect_type", detect)
    assert check_evidence(upload("что угодно.bin", b"MZ" + b"\x00" * 60)) == "pdf"
    assert asked == ["что угодно.bin"]


def test_evidence_name_takes_the_type_already_found_and_reads_nothing(monkeypatch):
    """The name is made from check_evidence's answer: the upload is not sniffed a second time."""
    file = upload("prikaz.hta", PDF)
    extension = check_evidence(file)
    monkeypatch.setattr(core.files.filetype, "guess", lambda head: pytest.fail("the file was read again"))
    assert evidence_name(file, extension) == "prikaz.pdf"
