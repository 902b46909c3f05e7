"""core/files.py: every stored file is served with the type of its content, a matching extension, a safe name."""

import io
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from core.evidence import ALLOWED
from core.files import SERVED_TYPES, UNKNOWN_TYPE, detect_type, document_name, stored_file_response
from reports.models import FORMAT_CONTENT_TYPES, FORMAT_EXTENSIONS
from roadmaps.models import ItemEvidence

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTA = b"<html><head><hta:application/><script>new ActiveXObject('WScript.Shell')</script></head></html>"


@pytest.mark.parametrize(
    ("name", "extension", "expected"),
    [
        ("prikaz.hta", "pdf", "prikaz.pdf"),
        ("scan.svg", "png", "scan.png"),
        ("Приказ № 45 от 01.09.2026", "pdf", "Приказ № 45 от 01.09.2026.pdf"),  # a date is not an extension
        ("Протокол.PDF", "pdf", "Протокол.pdf"),
        ("отчёт.docx", "pdf", "отчёт.pdf"),  # the content decides, not the name
        ("../../etc/passwd", "bin", "passwd.bin"),
        ("C:\\Users\\admin\\Рабочий стол\\справка.pdf", "pdf", "справка.pdf"),
        ("отчёт\u202efdp.exe", "bin", "отчётfdp.bin"),  # a right-to-left override would show «exe.pdf»
        ('a"b<c>d|e?f*g:h.pdf', "pdf", "a-b-c-d-e-f-g-h.pdf"),
        ("line\r\nbreak\x00.pdf", "pdf", "linebreak.pdf"),
        (".htaccess", "bin", "документ.bin"),
        ("...", "pdf", "документ.pdf"),
        ("", "pdf", "документ.pdf"),
        ("  много   пробелов  .pdf", "pdf", "много пробелов.pdf"),
        ("я" * 300 + ".pdf", "pdf", "я" * 120 + ".pdf"),
        (
            "Справка_Обливский-район_2026_v1_подписан.pdf",
            "pdf",
            "Справка_Обливский-район_2026_v1_подписан.pdf",
        ),
    ],
)
def test_document_name(name, extension, expected):
    assert document_name(name, extension) == expected


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF, ("pdf", "application/pdf")),
        (PNG, ("png", "image/png")),
        (SVG, UNKNOWN_TYPE),
        (HTA, UNKNOWN_TYPE),
        (b"MZ\x90\x00" + b"\x00" * 60, UNKNOWN_TYPE),  # a Windows program
        (b"GIF89a" + b"\x00" * 16, UNKNOWN_TYPE),  # an image, but not one the portal gives out
        (b"", UNKNOWN_TYPE),
    ],
)
def test_detect_type_reads_content_and_rewinds(content, expected):
    handle = io.BytesIO(b"xx" + content)
    handle.seek(2)
    assert detect_type(handle) == expected
    assert handle.tell() == 2


def test_every_accepted_upload_is_served_under_its_own_type():
    assert {ext: SERVED_TYPES[ext] for ext in ALLOWED} == ALLOWED


def test_reports_are_served_with_the_types_of_the_one_table():
    assert FORMAT_CONTENT_TYPES == {
        "pdf": SERVED_TYPES["pdf"],
        "signed_pdf": SERVED_TYPES["pdf"],
        "print_pdf": SERVED_TYPES["pdf"],  # the print copy of a КЭП-signed справка (#22 §3)
        "xlsx": SERVED_TYPES["xlsx"],
        "docx": SERVED_TYPES["docx"],
    }
    assert {fmt: SERVED_TYPES[FORMAT_EXTENSIONS[fmt]] for fmt in FORMAT_EXTENSIONS} == FORMAT_CONTENT_TYPES


def stored(tmp_path, settings, name: str, content: bytes):
    settings.MEDIA_ROOT = tmp_path
    return ItemEvidence(file=default_storage.save(name, ContentFile(content))).file


@pytest.mark.parametrize(
    ("upload_name", "content", "content_type", "served_name"),
    [
        ("prikaz.hta", PDF, "application/pdf", "prikaz.pdf"),
        ("scan.svg", PDF, "application/pdf", "scan.pdf"),
        ("scan.svg", SVG, "application/octet-stream", "scan.bin"),
        ("prikaz.pdf", HTA, "application/octet-stream", "prikaz.bin"),
    ],
)
def test_stored_file_response(tmp_path, settings, upload_name, content, content_type, served_name):
    response = stored_file_response(stored(tmp_path, settings, "evidence/x", content), name=upload_name)
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="{served_name}"'
    assert b"".join(response.streaming_content) == content


def test_cyrillic_name_is_sent_per_rfc_5987(tmp_path, settings):
    response = stored_file_response(stored(tmp_path, settings, "evidence/x", PDF), name="Приказ № 45.hta")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''%D0%9F%D1%80%D0%B8")
    assert unquote(disposition.removeprefix("attachment; filename*=utf-8''")) == "Приказ № 45.pdf"
