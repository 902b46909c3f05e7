"""The renderers, on tiny hand-made contexts: no database, no builders."""

import base64
import datetime
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.context import (
    Chart,
    Column,
    Kind,
    ReportContext,
    Section,
    Series,
    Table,
    split_paragraphs,
    split_signer,
)
from reports.renderers.charts import legend_items, line_chart_svg
from reports.renderers.docx import render_docx
from reports.renderers.pdf import _fetcher, render_pdf
from reports.renderers.xlsx import render_xlsx, render_xlsx_to, sheet_name

SVG = "{http://www.w3.org/2000/svg}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
SCHOOL = "МБОУ «Каштановская СОШ»"
EVIL_SCHOOL = "МБОУ <b>«Жирная»</b> СОШ & Ко"
AS_OF = datetime.datetime(2026, 11, 22, 11, 5, tzinfo=datetime.UTC)  # 14:05 in Moscow

COLUMNS = (
    Column("Образовательная организация", Kind.TEXT, 40),
    Column("Участников", Kind.INT, 10),
    Column("Доля «2»", Kind.PERCENT, 10),
    Column("Средний балл", Kind.DECIMAL, 10),
    Column("Дата", Kind.DATE, 12),
)


def flat(text: str) -> str:
    """Extracted PDF text with every run of whitespace (justification, NBSP) as one space."""
    return re.sub(r"\s+", " ", text)


def parse_svg(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 -- the renderer's own output


def chart(**overrides) -> Chart:
    values = {
        "title": "Доля «2», %",
        "categories": ("2022", "2023", "2024", "2025"),
        "series": (
            Series(SCHOOL, (42.0, None, 33.0, 31.5)),
            Series("Среднее по району", (24.0, 23.0, 22.5, 21.0)),
        ),
        "threshold": 30.0,
    }
    values.update(overrides)
    return Chart(**values)


def make_context(*, long_rows: int = 0) -> ReportContext:
    rows = [
        (SCHOOL, 120, 31.5, Decimal("3.71"), datetime.date(2026, 4, 10)),
        (EVIL_SCHOOL, 80, 12.25, 4.1, datetime.date(2026, 4, 11)),
        ("МБОУ «Обливская СОШ № 1»", None, None, None, None),
    ]
    sections = [
        Section(
            "list",
            "Перечень школ",
            paragraphs=("В перечень включено 3 школы.",),
            tables=(
                Table(
                    "Результаты школ перечня", COLUMNS, rows, note="Примечание — доля от числа участников."
                ),
                Table("Сырые данные", COLUMNS, rows, in_pdf=False),
            ),
        ),
        Section("dynamics", "Динамика", charts=(chart(),)),
        Section("empty", "Наставничество", empty_text="Данные ещё не поступили."),
    ]
    if long_rows:
        long_table = Table(
            "Все школы",
            COLUMNS,
            [(f"Школа № {i}", i, 10.0, 3.5, datetime.date(2026, 1, 1)) for i in range(long_rows)],
        )
        sections.append(Section("all", "Все школы", tables=(long_table,)))
    return ReportContext(
        title="Аналитическая справка по работе со школами с низкими образовательными результатами",
        department="Управление образования Администрации Обливского района",
        territory="Обливский район",
        year=2026,
        as_of=AS_OF,
        version=2,
        sections=tuple(sections),
        recommendations="Усилить работу с учителями математики.\n\n  \nПровести <script>семинар</script> для директоров.",
        signer="Начальник управления образования И. И. Иванов",
        meta={"Порог доли «2»": "30 %", "Лет подряд": "2"},
    )


# ---------------------------------------------------------------- helpers of the context


def test_split_paragraphs_and_signer():
    assert split_paragraphs("Первый\nабзац.\n\n \nВторой.\r\n\r\nТретий.\rЧетвёртый.") == (
        "Первый",
        "абзац.",
        "Второй.",
        "Третий.",
        "Четвёртый.",
    )
    assert split_paragraphs("   ") == ()
    assert split_signer("Начальник управления образования И. И. Иванов") == (
        "Начальник управления образования",
        "И. И. Иванов",
    )
    assert split_signer("Директор") == ("Директор", "")


# ---------------------------------------------------------------- charts


def test_chart_svg_parses_with_one_path_per_series_and_markers():
    svg = parse_svg(line_chart_svg(chart()))
    assert svg.tag == f"{SVG}svg"
    groups = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "series"]
    assert len(groups) == 2
    for group in groups:
        assert len(group.findall(f"{SVG}path")) == 1
    # Markers: one per known value (3 for the series with a gap, 4 for the other).
    assert len(list(groups[0])) - 1 == 3
    assert len(list(groups[1])) - 1 == 4


def test_chart_breaks_the_line_where_a_value_is_none():
    svg = parse_svg(line_chart_svg(chart()))
    paths = [g.find(f"{SVG}path").get("d") for g in svg.iter(f"{SVG}g") if g.get("class") == "series"]
    assert paths[0].count("M") == 2  # 2022 alone, then 2024–2025
    assert paths[0].count("L") == 1
    assert paths[1].count("M") == 1
    assert paths[1].count("L") == 3


def test_chart_threshold_is_a_dashed_line_with_its_label():
    markup = line_chart_svg(chart())
    svg = parse_svg(markup)
    threshold = [line for line in svg.iter(f"{SVG}line") if line.get("class") == "threshold"]
    assert len(threshold) == 1
    assert threshold[0].get("stroke-dasharray")
    assert threshold[0].get("y1") == threshold[0].get("y2")
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "30\u00a0%" in texts
    assert "100\u00a0%" in texts and "0\u00a0%" in texts  # the default 0–100 % scale
    no_threshold = parse_svg(line_chart_svg(chart(threshold=None)))
    assert not [line for line in no_threshold.iter(f"{SVG}line") if line.get("class") == "threshold"]


def test_chart_escapes_text_and_uses_liberation_serif():
    evil = chart(title='<script>alert("x")</script>', series=(Series(EVIL_SCHOOL, (1.0, 2.0, 3.0, 4.0)),))
    markup = line_chart_svg(evil)
    assert "<b>" not in markup and "<script>" not in markup
    svg = parse_svg(markup)
    assert svg.get("aria-label") == '<script>alert("x")</script>'
    texts = list(svg.iter(f"{SVG}text"))
    assert EVIL_SCHOOL in [t.text for t in texts]
    assert texts and all(t.get("font-family") == "Liberation Serif" for t in texts)
    assert "2022" in [t.text for t in texts]


def test_chart_scales_to_the_data_when_the_unit_is_not_percent():
    scores = chart(unit="балл", threshold=None, series=(Series("Средний балл", (3.2, 3.9, None, 4.4)),))
    svg = parse_svg(line_chart_svg(scores))
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "5" in texts and "0" in texts and "100" not in texts
    assert "балл" in texts


def test_chart_is_deterministic_and_survives_no_data():
    assert line_chart_svg(chart()) == line_chart_svg(chart())
    empty = parse_svg(line_chart_svg(chart(series=(), threshold=None)))
    assert "Нет данных" in [t.text for t in empty.iter(f"{SVG}text")]
    all_none = parse_svg(line_chart_svg(chart(series=(Series("Пусто", (None, None, None, None)),))))
    assert all_none.tag == f"{SVG}svg"


def test_the_pdfs_chart_leaves_its_legend_to_the_text_under_it():
    """WeasyPrint lays SVG text out a letter at a time: the PDF prints the legend as HTML (legend_items), and the SVG
    without it keeps the plot's size and is one legend row lower."""
    with_legend = parse_svg(line_chart_svg(chart()))
    without = parse_svg(line_chart_svg(chart(), legend=False))
    assert [g for g in without.iter(f"{SVG}g") if g.get("class") == "legend-item"] == []
    assert len([g for g in with_legend.iter(f"{SVG}g") if g.get("class") == "legend-item"]) == 2
    assert float(with_legend.get("height")) - float(without.get("height")) == 32
    assert legend_items(chart()) == [
        {"name": SCHOOL, "colour": "#1f4e79", "style": "solid", "glyph": "\u25cf"},
        {"name": "Среднее по району", "colour": "#c0504d", "style": "dashed", "glyph": "\u25a0"},
    ]


# ---------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf():
    calls = []
    data = render_pdf(
        make_context(long_rows=110), on_progress=lambda percent, text: calls.append((percent, text))
    )
    return PdfReader(io.BytesIO(data)), calls


def test_pdf_contains_the_report(pdf):
    reader, _ = pdf
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    assert SCHOOL in text
    assert "31,5 %" in text
    assert "12,3 %" in text or "12,2 %" in text
    assert "3,71" in text
    assert "10.04.2026" in text
    assert "Обливский район" in text
    assert "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ ОБЛИВСКОГО РАЙОНА" in text
    assert "Данные на 22.11.2026 14:05" in text
    assert "1. Перечень школ" in text and "2. Динамика" in text
    assert "Таблица 1 — Результаты школ перечня" in text
    assert "Рисунок 1 — Доля «2», %" in text
    assert "Данные ещё не поступили." in text
    assert "Параметры" in text and "Порог доли «2»" in text
    assert "И. И. Иванов" in text


def test_pdf_recommendations_are_paragraphs_and_escaped(pdf):
    reader, _ = pdf
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    assert "5. Рекомендации" in text
    assert "Усилить работу с учителями математики." in text
    assert "Провести <script>семинар</script> для директоров." in text
    assert EVIL_SCHOOL in text  # the markup of a name is printed, not interpreted


def test_pdf_skips_excel_only_tables(pdf):
    reader, _ = pdf
    text = flat("\n".join(page.extract_text() for page in reader.pages))
    assert "Сырые данные: полные данные — в книге Excel." in text
    assert "Таблица 3" not in text  # the raw table is not numbered: only tables 1 and 2 are printed


def test_pdf_page_numbers_from_page_two(pdf):
    reader, _ = pdf
    assert len(reader.pages) >= 4
    first = reader.pages[0].extract_text().split()
    assert first[-1] != "1" and first[0] != "1"
    for number, page in enumerate(reader.pages[1:], start=2):
        words = page.extract_text().split()
        assert str(number) in (words[0], words[-1])


def test_pdf_long_table_repeats_its_header(pdf):
    reader, _ = pdf
    pages = [flat(page.extract_text()) for page in reader.pages]
    with_rows = [text for text in pages if "Школа № " in text]
    assert len(with_rows) >= 3
    for text in with_rows:
        assert "Образовательная организация" in text and "Средний балл" in text


def test_pdf_embeds_liberation_serif(pdf):
    reader, _ = pdf
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert fonts
    assert all(name.startswith("Liberation-Serif") or name.startswith("LiberationSerif") for name in fonts), (
        fonts
    )
    assert any("Bold" in name for name in fonts)


def test_pdf_reports_progress(pdf):
    _, calls = pdf
    assert calls and len(calls) <= 3
    assert all(text == "Вёрстка PDF" for _, text in calls)
    assert [percent for percent, _ in calls] == sorted(percent for percent, _ in calls)


def test_pdf_fetcher_serves_only_the_fonts():
    fetcher = _fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("http://example.com/x.png")
    with pytest.raises(ValueError):  # data: only for the charts' SVG
        fetcher.fetch("data:text/html;base64,PHA+eDwvcD4=")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'
    assert fetcher.fetch("data:image/svg+xml;base64," + base64.b64encode(svg).decode()).read() == svg


# ---------------------------------------------------------------- XLSX


def xlsx_context(rows=None, **table_kwargs) -> ReportContext:
    rows = rows or [
        ("=1+2", 120, 31.5, Decimal("3.71"), datetime.date(2026, 4, 10)),
        ("+7 900 000-00-00", 7, 0, 4, datetime.datetime(2026, 4, 11, 9, 30, tzinfo=datetime.UTC)),
        ("-5", None, None, None, None),
        ("@x", "н/д", 100, 2.5, None),
        ("\tтаб", 1, 1, 1, None),
        ("#N/A", 1, 1, 1, None),
        (SCHOOL, 2, 2, 2, None),
    ]
    return ReportContext(
        title="Справка",
        department="Управление образования",
        territory="Обливский район",
        year=2026,
        as_of=AS_OF,
        version=3,
        sections=(
            Section(
                "list",
                "Перечень",
                tables=(
                    Table("Результаты: школы [перечня]*?", COLUMNS, rows, **table_kwargs),
                    Table("Сырые данные", COLUMNS, rows, sheet="Данные", in_pdf=False),
                    Table("Сырые данные", COLUMNS, [], sheet="данные"),
                ),
            ),
        ),
        meta={"Порог": "30 %", "Формула": "=cmd|' /C calc'!A0"},
    )


@pytest.fixture(scope="module")
def workbook():
    data = render_xlsx(xlsx_context())
    return load_workbook(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(data))


def test_xlsx_sheet_names(workbook):
    wb, _ = workbook
    assert wb.sheetnames == ["Сводка", "Результаты школы перечня", "Данные", "данные (2)"]


def test_sheet_name_rules():
    taken = {"сводка"}
    long = "Очень длинное название таблицы для листа книги Excel"
    first = sheet_name(long, taken)
    second = sheet_name(long, taken)
    assert len(first) <= 31 and len(second) <= 31
    assert second.endswith(" (2)") and first != second
    assert sheet_name("Сводка", taken) == "Сводка (2)"
    assert sheet_name("a/b\\c:d", taken) == "abcd"
    assert sheet_name("[]*?", taken) == "Таблица"


def test_a_print_only_table_is_not_in_the_workbook():
    """A region's list prints a shorter form of itself (in_workbook=False); the workbook has the full one only."""
    from dataclasses import replace

    context = xlsx_context()
    section = context.sections[0]
    short = Table("Перечень (кратко)", COLUMNS, [], sheet="Кратко", in_workbook=False)
    data = render_xlsx(replace(context, sections=(replace(section, tables=(short, *section.tables)),)))
    assert load_workbook(io.BytesIO(data)).sheetnames == [
        "Сводка",
        "Результаты школы перечня",
        "Данные",
        "данные (2)",
    ]


def test_xlsx_summary_sheet(workbook):
    wb, _ = workbook
    values = [[cell.value for cell in row] for row in wb["Сводка"].iter_rows()]
    flat_values = [value for row in values for value in row if value is not None]
    assert "Справка" in flat_values
    assert "Обливский район" in flat_values
    assert 2026 in flat_values and 3 in flat_values
    assert datetime.datetime(2026, 11, 22, 14, 5) in flat_values
    assert "=cmd|' /C calc'!A0" in flat_values  # a literal string, not a DDE formula


def test_xlsx_table_sheet_layout(workbook):
    wb, _ = workbook
    ws = wb["Результаты школы перечня"]
    assert [cell.value for cell in ws[1]] == [column.title for column in COLUMNS]
    assert all(cell.font.bold for cell in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:E8"
    assert ws.column_dimensions["A"].width == 41
    assert wb["данные (2)"].auto_filter.ref == "A1:E1"


def test_xlsx_typed_cells(workbook):
    wb, _ = workbook
    ws = wb["Результаты школы перечня"]
    assert ws["B2"].value == 120 and isinstance(ws["B2"].value, int)
    assert ws["C2"].value == pytest.approx(0.315)
    assert ws["C2"].number_format == "0.0%"
    assert ws["D2"].value == pytest.approx(3.71)
    assert ws["D2"].number_format == "0.00"
    assert ws["E2"].value == datetime.datetime(2026, 4, 10)
    assert ws["E2"].number_format == "DD.MM.YYYY"
    assert ws["E3"].value == datetime.datetime(2026, 4, 11, 12, 30)  # an aware moment, in Moscow time
    assert ws["B4"].value is None
    assert ws["B5"].value == "н/д"  # a stray text in a number column stays text
    assert ws["C3"].value == 0


def test_xlsx_formula_injection_is_written_as_text(workbook):
    wb, archive = workbook
    ws = wb["Результаты школы перечня"]
    expected = {"A2": "=1+2", "A3": "+7 900 000-00-00", "A4": "-5", "A5": "@x", "A6": "\tтаб", "A7": "#N/A"}
    for coordinate, value in expected.items():
        assert ws[coordinate].value == value, coordinate
        assert ws[coordinate].data_type == "s", coordinate
    assert ws["A2"].quotePrefix
    for name in archive.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            xml = archive.read(name).decode()
            assert "<f>" not in xml and "<f " not in xml, name
    assert wb["Данные"]["A2"].value == "=1+2"


def test_xlsx_generator_rows_are_consumed_once_and_streamed(tmp_path):
    calls = []

    def rows():
        calls.append(1)
        for i in range(5000):
            yield (f"Школа № {i}", i, i % 100, 3.5, datetime.date(2026, 1, 1 + i % 28))

    context = xlsx_context()
    context = ReportContext(
        **{
            **context.__dict__,
            "sections": (Section("raw", "Сырые", tables=(Table("Все", COLUMNS, rows, in_pdf=False),)),),
        }
    )
    path = tmp_path / "big.xlsx"
    with path.open("wb") as fileobj:
        render_xlsx_to(context, fileobj)
    assert calls == [1]
    wb = load_workbook(path, read_only=True)
    written = list(wb["Все"].iter_rows(values_only=True))  # a write-only sheet has no <dimension>: count
    wb.close()
    assert len(written) == 5001
    assert written[-1][:2] == ("Школа № 4999", 4999)
    assert load_workbook(path)["Все"].auto_filter.ref == "A1:E5001"


# ---------------------------------------------------------------- DOCX


@pytest.fixture(scope="module")
def docx():
    return Document(io.BytesIO(render_docx(make_context())))


def test_docx_headings_and_text(docx):
    headings = [p.text for p in docx.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["1. Перечень школ", "2. Динамика", "3. Наставничество", "4. Рекомендации"]
    texts = [p.text for p in docx.paragraphs]
    assert "УПРАВЛЕНИЕ ОБРАЗОВАНИЯ АДМИНИСТРАЦИИ ОБЛИВСКОГО РАЙОНА" in texts
    assert "Данные на 22.11.2026 14:05 · версия 2" in texts
    assert "Диаграмма «Доля «2», %» — в PDF-версии справки." in texts
    assert "Сырые данные: полные данные — в книге Excel." in texts
    assert "Данные ещё не поступили." in texts
    assert "Провести <script>семинар</script> для директоров." in texts
    assert "Начальник управления образования\tИ. И. Иванов" in texts


def test_docx_tables(docx):
    table = docx.tables[0]
    assert [cell.text for cell in table.rows[0].cells] == [column.title for column in COLUMNS]
    assert [cell.text for cell in table.rows[1].cells] == [SCHOOL, "120", "31,5\u00a0%", "3,71", "10.04.2026"]
    assert table.rows[2].cells[0].text == EVIL_SCHOOL
    assert table.rows[3].cells[1].text == "—"
    assert len(docx.tables) == 2  # the printed table and the parameters appendix; not the Excel-only one
    first_row = table.rows[0]._tr
    header_flags = first_row.findall(f"{W}trPr/{W}tblHeader")
    assert len(header_flags) == 1
    assert not table.rows[1]._tr.findall(f"{W}trPr/{W}tblHeader")
    assert all(run.bold for run in table.rows[0].cells[0].paragraphs[0].runs)
    assert table.style.name == "Table Grid"


def test_docx_contents_only_in_a_long_spravka(docx):
    from tests.reports.realistic import realistic_context

    assert "Содержание" not in [p.text for p in docx.paragraphs]
    long = Document(io.BytesIO(render_docx(realistic_context(rows=200))))
    texts = [p.text for p in long.paragraphs]
    assert texts.index("Содержание") < texts.index("1. Перечень школ с низкими образовательными результатами")
    instructions = [node.text for node in long.element.body.iter(f"{W}instrText")]
    assert instructions == ['TOC \\o "1-1" \\h \\z \\u']
    assert long.settings.element.find(f"{W}updateFields").get(f"{W}val") == "true"


def test_docx_page_and_font(docx):
    section = docx.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.left_margin.mm) == 20 and round(section.right_margin.mm) == 10
    assert round(section.top_margin.mm) == 20 and round(section.bottom_margin.mm) == 20
    normal = docx.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 14
    assert section.different_first_page_header_footer
    assert section.header._element.findall(f".//{W}fldSimple")
