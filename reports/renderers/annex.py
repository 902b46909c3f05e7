"""The approved ШНОР list as the annex to its order, printable: .docx (python-docx) and PDF (WeasyPrint). No ORM.

The annex carries the mark that ties it to the order — «Приложение к приказу от DD.MM.YYYY № N» (issue #20 §3) —
in the upper right corner of its first page. ГОСТ Р 7.0.97-2016, requisite «отметка о приложении»: in orders and
other распорядительные documents the mark is made «на первом листе документа-приложения» (the standard's text as
published on dokipedia.ru, document 5346266; the sentence is cut there, so the corner and the wording follow the
standard's example as it is commonly quoted, «Приложение 2 к приказу Минтруда России от 05.06.2017 № 234» — not
confirmed from the text here). The order's author (the department's name) is not stored with the list, so the mark
says «к приказу» without it. The page is the справка's: A4, 14 pt serif, margins 20/10/20/20 mm (reports.renderers.pdf;
ГОСТ Р 7.0.97-2016 п. 6.1 as quoted).
"""

import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from reports.renderers import docx as docx_renderer
from reports.renderers import pdf

TEMPLATE = "reports/pdf/annex.html"
# The mark's block starts at the middle of the text width (A4 210 mm − 20 − 10 = 180 mm; the block takes the right
# 80 mm), the usual place of the corner requisites in the справка's and the orders' layout.
MARK_INDENT_MM = 100


@dataclass(frozen=True)
class AnnexRow:
    code: str
    name: str
    basis: str  # «расчётный статус ШНОР», or the methodologist's reason for including it by hand


@dataclass(frozen=True)
class AnnexContext:
    order_number: str
    order_date_text: str  # «01.02.2023»
    municipality: str
    region: str
    list_year: int
    rows: tuple[AnnexRow, ...]
    total_text: str  # «Всего: 2 школы»

    @property
    def mark_lines(self) -> tuple[str, str]:
        """The mark in the corner: «Приложение» and «к приказу от DD.MM.YYYY № N»."""
        return "Приложение", f"к приказу от {self.order_date_text} № {self.order_number}"

    @property
    def mark(self) -> str:
        return " ".join(self.mark_lines)

    @property
    def title_lines(self) -> tuple[str, str, str]:
        return (
            "ПЕРЕЧЕНЬ",
            "общеобразовательных организаций с низкими образовательными результатами (ШНОР)",
            f"{self.municipality}, {self.list_year} год",
        )

    @property
    def file_stem(self) -> str:
        """«Приложение к приказу от 01.02.2023 № 45-о» with the characters file systems refuse replaced."""
        return "".join("_" if ch in '/\\:*?"<>|' else ch for ch in self.mark)


COLUMNS = ("№\u00a0п/п", "Код ОО", "Наименование общеобразовательной организации", "Основание включения")
WIDTHS = (10, 14, 46, 30)  # shares of the text width, %


def render_docx(context: AnnexContext) -> bytes:
    document = Document()
    docx_renderer._setup_styles(document)
    docx_renderer._setup_page(document)
    properties = document.core_properties
    properties.title = docx_renderer._clean(context.mark)
    properties.subject = docx_renderer._clean(f"Перечень ШНОР {context.municipality}, {context.list_year}")

    mark = docx_renderer._paragraph(document, "\n".join(context.mark_lines), indent=False)
    mark.alignment = WD_ALIGN_PARAGRAPH.LEFT
    mark.paragraph_format.left_indent = Mm(MARK_INDENT_MM)
    mark.paragraph_format.space_after = Pt(18)
    for line in context.title_lines:
        docx_renderer._paragraph(document, line, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, indent=False)
    document.paragraphs[-1].paragraph_format.space_after = Pt(12)
    docx_renderer._table(
        document,
        list(COLUMNS),
        list(WIDTHS),
        ((str(n), row.code, row.name, row.basis) for n, row in enumerate(context.rows, start=1)),
        [True, False, False, False],
    )
    total = docx_renderer._paragraph(document, context.total_text, indent=False)
    total.paragraph_format.space_before = Pt(8)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_html(context: AnnexContext) -> str:
    return render_to_string(
        TEMPLATE,
        {
            "annex": context,
            "fonts": pdf._font_urls(),
            "columns": COLUMNS,
            "widths": WIDTHS,
            "rows": list(enumerate(context.rows, start=1)),
        },
    )


def render_pdf(context: AnnexContext) -> bytes:
    from weasyprint import HTML  # a heavy import (Pango via cffi): only when a PDF is made

    html = render_html(context)
    return HTML(string=html, base_url=pdf.FONTS_DIR.as_uri() + "/", url_fetcher=pdf._fetcher()).write_pdf()
