"""The справка as .docx (python-docx), for a methodologist who edits it in Word or LibreOffice.

The same text as the PDF: title block, numbered sections, tables (header row repeated on every page,
rows not split), recommendations, the signature line and the parameters appendix. Charts cannot be
drawn in a .docx without an image pipeline, so each is replaced by a sentence pointing to the PDF.

The font is Times New Roman: Word has it everywhere, and LibreOffice substitutes the metric-compatible
Liberation Serif, so the document reads the same as the PDF (ГОСТ Р 7.0.97-2016: 14 pt, A4, margins
left 20, right 10, top and bottom 20 mm, page numbers at the top centre from page 2). A long справка (the PDF's
guess, ``reports.renderers.pdf.looks_long``) opens with a contents field that Word and LibreOffice fill with the
headings and their pages when fields are updated (Word asks on opening).
"""

import io
import re

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import _Cell

from reports.context import ReportContext, Table, cell_text, is_numeric, split_paragraphs, split_signer
from reports.renderers import pdf

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(12)
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = (
    Mm(pdf.MARGIN_LEFT_MM),
    Mm(pdf.MARGIN_RIGHT_MM),
    Mm(pdf.MARGIN_TOP_MM),
    Mm(pdf.MARGIN_BOTTOM_MM),
)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
TABLE_TEXT_STYLE = "Текст таблицы"
TABLE_TEXT_STYLE_ID = "ReportTableText"

# The elements that follow w:pBdr in w:pPr and w:shd in w:tcPr (OOXML's sequence order; Word checks it).
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
_AFTER_SHD = (
    "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
    "w:cellDel", "w:cellMerge", "w:tcPrChange",
)  # fmt: skip

_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    """python-docx refuses control characters (they are not XML): drop them."""
    return _XML_ILLEGAL.sub("", text)


def _set_font(style_or_run, *, size=None, bold=None, italic=None) -> None:
    """Times New Roman for every script, with the template's theme fonts removed (they would win)."""
    font = style_or_run.font
    font.name = FONT
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    if italic is not None:
        font.italic = italic
    rpr = style_or_run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _setup_styles(document) -> None:
    normal = document.styles["Normal"]
    _set_font(normal, size=BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.first_line_indent = Cm(1.25)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing = 1.15
    fmt.widow_control = True

    for name in ("Heading 1", "Heading 2"):
        heading = document.styles[name]
        _set_font(heading, size=BODY_SIZE, bold=True, italic=False)
        heading.font.color.rgb = RGBColor(0, 0, 0)
        hfmt = heading.paragraph_format
        hfmt.first_line_indent = Cm(1.25)
        hfmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
        hfmt.space_before = Pt(12)
        hfmt.space_after = Pt(6)
        hfmt.keep_with_next = True
        hfmt.line_spacing = 1.0

    table_text = document.styles.add_style(TABLE_TEXT_STYLE, 1)  # 1: a paragraph style
    table_text.style_id = TABLE_TEXT_STYLE_ID
    table_text.base_style = normal
    _set_font(table_text, size=TABLE_SIZE)
    tfmt = table_text.paragraph_format
    tfmt.first_line_indent = Cm(0)
    tfmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
    tfmt.line_spacing = 1.0


def _setup_page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.header_distance = Mm(10)
    # Page numbers at the top centre, not on the first page.
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.first_line_indent = Cm(0)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "24")  # half-points: 12 pt
    rpr.append(size)
    run.append(rpr)
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _paragraph(
    document, text: str = "", *, align=None, bold=None, italic=None, size=None, indent=True, style=None
):
    paragraph = document.add_paragraph(style=style)
    if text:
        lines = _clean(text).split("\n")
        run = paragraph.add_run(lines[0])
        for line in lines[1:]:
            run.add_break()
            run = paragraph.add_run(line)
        for run in paragraph.runs:
            if bold is not None:
                run.bold = bold
            if italic is not None:
                run.italic = italic
            if size is not None:
                run.font.size = size
    if align is not None:
        paragraph.alignment = align
    if not indent:
        paragraph.paragraph_format.first_line_indent = Cm(0)
    return paragraph


def _bottom_border(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.insert_element_before(borders, *_AFTER_PBDR)


def _row_flag(row, tag: str) -> None:
    """``w:tblHeader`` (repeat the row on each page) or ``w:cantSplit`` (keep the row on one page)."""
    trpr = row._tr.get_or_add_trPr()
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    trpr.append(flag)


def _fill_cell(cell, text: str, *, numeric: bool = False, bold: bool = False, center: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    paragraph._p.style = (
        TABLE_TEXT_STYLE_ID  # by id: assigning the style by name searches all styles each time
    )
    run = paragraph.add_run(_clean(text))
    if bold:
        run.bold = True
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif numeric:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _cells(table, row) -> list[_Cell]:
    """The row's cells. ``row.cells`` rebuilds the whole table's cell grid on every call (quadratic)."""
    return [_Cell(tc, table) for tc in row._tr.tc_lst]


def _shade(cell, colour: str = "EDEDED") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    tcpr = cell._tc.get_or_add_tcPr()
    tcpr.insert_element_before(shading, *_AFTER_SHD)


def _table(document, titles: list[str], widths: list[int], rows, numeric: list[bool]) -> None:
    table = document.add_table(rows=1, cols=len(titles))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(widths) or 1
    emus = [int(TEXT_WIDTH * width / total) for width in widths]
    for column, emu in zip(table.columns, emus, strict=True):
        column.width = emu
    header = table.rows[0]
    _row_flag(header, "w:tblHeader")
    _row_flag(header, "w:cantSplit")
    for cell, title, emu in zip(_cells(table, header), titles, emus, strict=True):
        cell.width = emu
        _fill_cell(cell, title, bold=True, center=True)
        _shade(cell)
    count = 0
    for values in rows:
        row = table.add_row()
        _row_flag(row, "w:cantSplit")
        for cell, text, is_number, emu in zip(_cells(table, row), values, numeric, emus, strict=False):
            cell.width = emu
            _fill_cell(cell, text, numeric=is_number)
        count += 1
    if not count:
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[-1]) if len(row.cells) > 1 else row.cells[0]
        _fill_cell(merged, "Нет данных", center=True)


def _data_table(document, number: int, table: Table) -> None:
    caption = _paragraph(document, f"Таблица {number} — {table.title}", indent=False)
    caption.paragraph_format.space_before = Pt(10)
    caption.paragraph_format.space_after = Pt(3)
    caption.paragraph_format.keep_with_next = True
    kinds = [column.kind for column in table.columns]
    rows = (
        [cell_text(value, kind) for value, kind in zip(row, kinds, strict=False)] for row in table.iter_rows()
    )
    _table(
        document,
        [column.title for column in table.columns],
        [max(column.width, 1) for column in table.columns],
        rows,
        [is_numeric(kind) for kind in kinds],
    )
    if table.note:
        note = _paragraph(document, table.note, size=TABLE_SIZE, indent=False)
        note.paragraph_format.space_before = Pt(3)
    else:
        _paragraph(document, indent=False).paragraph_format.line_spacing = 0.5


CONTENTS_HINT = "Содержание появится при обновлении полей (F9 в Word, «Сервис → Обновить» в LibreOffice)."


def _field_run(paragraph, *, char_type: str = "", instruction: str = "", text: str = ""):
    run = paragraph.add_run()
    if char_type:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), char_type)
    elif instruction:
        element = OxmlElement("w:instrText")
        element.set(qn("xml:space"), "preserve")
        element.text = instruction
    else:
        element = OxmlElement("w:t")
        element.text = text
    run._r.append(element)


def _contents(document) -> None:
    """«Содержание» and a TOC field over the section headings (Heading 1), with hyperlinks; Word is asked to update
    the fields on opening (w:updateFields), so the page numbers are there when the document is read."""
    _paragraph(document, "Содержание", align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, indent=False)
    paragraph = _paragraph(document, indent=False)
    _field_run(paragraph, char_type="begin")
    _field_run(paragraph, instruction='TOC \\o "1-1" \\h \\z \\u')
    _field_run(paragraph, char_type="separate")
    _field_run(paragraph, text=CONTENTS_HINT)
    _field_run(paragraph, char_type="end")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def render_docx(context: ReportContext) -> bytes:
    document = Document()
    _setup_styles(document)
    _setup_page(document)
    properties = document.core_properties
    properties.title = _clean(context.title)
    properties.author = _clean(context.department)
    properties.subject = _clean(f"{context.territory}, {context.year}")

    # The title block.
    department = _paragraph(
        document, context.department.upper(), align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, indent=False
    )
    _bottom_border(department)
    title = _paragraph(document, context.title, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, indent=False)
    title.paragraph_format.space_before = Pt(30)
    title.paragraph_format.space_after = Pt(8)
    if context.subtitle:
        _paragraph(document, context.subtitle, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    territory = _paragraph(
        document, context.territory, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, indent=False
    )
    territory.paragraph_format.space_before = Pt(8)
    _paragraph(document, f"{context.year} год", align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    as_of = context.as_of
    if timezone.is_aware(as_of):
        as_of = timezone.localtime(as_of)
    stamp = _paragraph(
        document,
        f"Данные на {as_of:%d.%m.%Y %H:%M} · версия {context.version}",
        align=WD_ALIGN_PARAGRAPH.CENTER,
        italic=True,
        size=TABLE_SIZE,
        indent=False,
    )
    stamp.paragraph_format.space_before = Pt(8)
    stamp.paragraph_format.space_after = Pt(18)
    if pdf.looks_long(context):
        _contents(document)

    table_number = 0
    for number, section in enumerate(context.sections, start=1):
        document.add_heading(_clean(f"{number}. {section.title}"), level=1)
        for text in section.paragraphs:
            _paragraph(document, text)
        shown = bool(section.paragraphs)
        for table in section.tables:
            shown = True
            if not table.in_pdf:
                _paragraph(
                    document, f"{table.title}: полные данные — в книге Excel.", italic=True, size=TABLE_SIZE
                )
                continue
            table_number += 1
            _data_table(document, table_number, table)
        for chart in section.charts:
            shown = True
            _paragraph(document, f"Диаграмма «{chart.title}» — в PDF-версии справки.", italic=True)
        if not shown:
            _paragraph(document, section.empty_text or "Нет данных.", italic=True)

    recommendations = split_paragraphs(context.recommendations)
    if recommendations:
        document.add_heading(f"{len(context.sections) + 1}. Рекомендации", level=1)
        for text in recommendations:
            _paragraph(document, text)

    if context.signer:
        position, name = split_signer(_clean(context.signer))
        signature = document.add_paragraph()
        signature.paragraph_format.first_line_indent = Cm(0)
        signature.paragraph_format.space_before = Pt(36)
        signature.paragraph_format.keep_together = True
        signature.alignment = WD_ALIGN_PARAGRAPH.LEFT
        signature.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        signature.add_run(position)
        if name:
            signature.add_run("\t" + name)

    if context.meta:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _paragraph(document, "Приложение", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        heading = document.add_heading("Параметры", level=2)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.paragraph_format.first_line_indent = Cm(0)
        _table(
            document,
            ["Параметр", "Значение"],
            [1, 1],
            ([str(key), str(value)] for key, value in context.meta.items()),
            [False, False],
        )

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
