"""The annex to the order approving a ШНОР list (issue #20 §3): .docx and PDF with «Приложение к приказу от … № …»."""

import datetime
import io

import pytest
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from reports.builders.annex import annex_context
from reports.renderers.annex import AnnexContext, AnnexRow, render_docx, render_pdf
from schools.models import ApprovedList, ApprovedListEntry
from tests.factories import SchoolFactory

CONTEXT = AnnexContext(
    order_number="45-о",
    order_date_text="01.02.2023",
    municipality="Обливский район",
    region="Ростовская область",
    list_year=2023,
    rows=(
        AnnexRow(code="sch610001", name="МБОУ «Каштановская СОШ»", basis="расчётный статус ШНОР"),
        AnnexRow(
            code="sch610003", name="МБОУ «Васильевская ООШ»", basis="решение о включении: решение комиссии"
        ),
    ),
    total_text="Всего: 2 школы.",
)


# --- the renderers (no database) -------------------------------------------------------------------------------


def test_the_mark_and_the_file_name():
    assert CONTEXT.mark == "Приложение к приказу от 01.02.2023 № 45-о"
    assert CONTEXT.file_stem == "Приложение к приказу от 01.02.2023 № 45-о"
    slashed = AnnexContext(**{**CONTEXT.__dict__, "order_number": "12/3-од"})
    assert slashed.file_stem == "Приложение к приказу от 01.02.2023 № 12_3-од"


def test_docx_has_the_mark_in_the_corner_the_title_and_the_table():
    document = Document(io.BytesIO(render_docx(CONTEXT)))
    texts = [p.text for p in document.paragraphs]
    assert texts == [
        "Приложение\nк приказу от 01.02.2023 № 45-о",
        "ПЕРЕЧЕНЬ",
        "общеобразовательных организаций с низкими образовательными результатами (ШНОР)",
        "Обливский район, 2023 год",
        "Всего: 2 школы.",
    ]
    assert (
        round(document.paragraphs[0].paragraph_format.left_indent.mm) == 100
    )  # the upper right corner (twips)
    (table,) = document.tables
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["№\u00a0п/п", "Код ОО", "Наименование общеобразовательной организации", "Основание включения"],
        ["1", "sch610001", "МБОУ «Каштановская СОШ»", "расчётный статус ШНОР"],
        ["2", "sch610003", "МБОУ «Васильевская ООШ»", "решение о включении: решение комиссии"],
    ]
    section = document.sections[0]
    margins = (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    assert [round(m.mm) for m in margins] == [20, 10, 20, 20]  # ГОСТ Р 7.0.97-2016 (stored in twips)
    assert document.core_properties.title == "Приложение к приказу от 01.02.2023 № 45-о"


def pdf_lines(data: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return [line.strip() for line in reader.pages[0].extract_text().splitlines() if line.strip()]


def test_pdf_opens_with_the_mark_and_lists_the_schools():
    lines = pdf_lines(render_pdf(CONTEXT))
    assert lines[:6] == [
        "Приложение",
        "к приказу от 01.02.2023 № 45-о",
        "ПЕРЕЧЕНЬ",
        "общеобразовательных организаций с низкими образовательными результатами",  # 14 pt bold: wraps here
        "(ШНОР)",
        "Обливский район, 2023 год",
    ]
    text = "\n".join(lines)
    assert "sch610001" in text and "МБОУ «Каштановская СОШ»" in text
    assert "sch610003" in text and "МБОУ «Васильевская ООШ»" in text
    assert lines[-1] == "Всего: 2 школы."


# --- the builder and the page -----------------------------------------------------------------------------------


@pytest.fixture
def approved(world):
    a3 = SchoolFactory(municipality=world.mun_a, code="sch610003", name="МБОУ «Васильевская ООШ»")
    approved = ApprovedList.objects.create(
        municipality=world.mun_a,
        list_year=2023,
        order_number="45-о",
        order_date=datetime.date(2023, 2, 1),
        created_by=world.users["methodist"],
    )
    ApprovedListEntry.objects.create(
        approved_list=approved, school=world.school_a1, computed_status="shnor", included=True
    )
    ApprovedListEntry.objects.create(  # included by hand, with the reason
        approved_list=approved, school=a3, computed_status="risk", included=True, reason="решение комиссии"
    )
    ApprovedListEntry.objects.create(  # not in the list: not in the annex
        approved_list=approved, school=world.school_a2, computed_status="none", included=False
    )
    return approved


@pytest.mark.django_db
def test_the_builder_takes_the_included_schools_by_name(approved):
    assert annex_context(approved) == AnnexContext(
        order_number="45-о",
        order_date_text="01.02.2023",
        municipality="Обливский район",
        region="Ростовская область",
        list_year=2023,
        rows=(
            AnnexRow(
                code="sch610003",
                name="МБОУ «Васильевская ООШ»",
                basis="решение о включении: решение комиссии",
            ),
            AnnexRow(code="sch610001", name="МБОУ «Каштановская СОШ»", basis="расчётный статус ШНОР"),
        ),
        total_text="Всего: 2 школы.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("pdf", "application/pdf"),
    ],
)
def test_the_list_page_links_to_both_downloads(client, world, approved, fmt, content_type):
    client.force_login(world.users["head"])
    url = reverse("reports:approved_list_annex", args=[approved.pk, fmt])
    page = client.get(reverse("schools:approved_list_detail", args=[approved.pk])).content.decode()
    assert f'<a href="{url}">' in page
    assert "Приложение к приказу от 01.02.2023 № 45-о для печати" in page
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D0%9F%D1%80%D0%B8%D0%BB%D0%BE%D0%B6%D0%B5%D0%BD%D0%B8%D0%B5%20%D0%BA%20"
        "%D0%BF%D1%80%D0%B8%D0%BA%D0%B0%D0%B7%D1%83%20%D0%BE%D1%82%2001.02.2023%20%E2%84%96%2045-%D0%BE."
        + fmt
    )
    body = response.content
    assert body.startswith(b"%PDF-" if fmt == "pdf" else b"PK\x03\x04")


@pytest.mark.django_db
def test_an_unknown_format_is_404(client, world, approved):
    client.force_login(world.users["methodist"])
    assert client.get(reverse("reports:approved_list_annex", args=[approved.pk, "xlsx"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["school_admin", "mentor", "tutor", "nobody"])
def test_who_does_not_see_the_list_gets_404(client, world, approved, role):
    client.force_login(world.users[role])
    assert client.get(reverse("reports:approved_list_annex", args=[approved.pk, "pdf"])).status_code == 404
