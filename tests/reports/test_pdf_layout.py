"""The справка's layout, read back from the PDF's word boxes (issue #17, item 10).

A municipality's справка with long school names, a list table whose reasons run to a dozen lines and the
mentoring log of eight narrow number columns: no text printed over other text on any page, no header word
split, header rows repeated on continuation pages, page 1 filled, every recommendation indented, and the
signature on the page of the last paragraph.
"""

import re
import time

import pytest

from reports.renderers.pdf import (
    CONTENTS_MIN_PAGES,
    FIRST_PAGE_MARGIN_BOTTOM_MM,
    KEEP_ROW_LINES,
    MARGIN_BOTTOM_MM,
    MARGIN_LEFT_MM,
    MARGIN_RIGHT_MM,
    MARGIN_TOP_MM,
    render_pdf,
)
from tests.builders.module import module_fixture
from tests.builders.spravka import LIST_YEAR, TODAY, build_territory
from tests.reports.pdf_layout import Page, overlaps, pages
from tests.reports.realistic import LOG_KINDS, realistic_context

MM = 72 / 25.4


@pytest.fixture(scope="module")
def context():
    return realistic_context(rows=40)


@pytest.fixture(scope="module")
def layout(context) -> list[Page]:
    return pages(render_pdf(context))


def words_of(layout: list[Page]) -> set[str]:
    return {word.text for page in layout for word in page.words}


def test_no_text_is_printed_over_other_text(layout):
    assert len(layout) >= 5
    assert {page.number: overlaps(page) for page in layout if overlaps(page)} == {}


def test_no_header_word_is_split(context, layout):
    printed = words_of(layout)
    headers = {
        word
        for section in context.sections
        for table in section.tables
        for column in table.columns
        for word in re.split(r"[ \t\n]+", column.title)
        if word
    }
    assert "консультация" in headers and "Расчётный" in headers
    assert sorted(headers - printed) == []


def test_header_rows_repeat_on_continuation_pages(layout):
    list_pages = [page for page in layout if "включена" in page.text.split()]
    log_pages = [page for page in layout if "консультация" in page.text.split()]
    assert len(list_pages) >= 3 and len(log_pages) >= 2
    for page in list_pages:
        assert {"Школа", "Расчётный", "Критерии", "Решение"} <= set(page.text.split()), page.number
    for page in log_pages:
        assert set(LOG_KINDS[0].split() + ["Всего"]) <= set(page.text.split()), page.number
    # every page with rows of the log (its numbers next to a school) has its header
    first_log, last_log = log_pages[0].number, log_pages[-1].number
    assert last_log - first_log + 1 == len(log_pages)


def test_page_one_is_filled(layout):
    """The page the text begins on is filled: page 1, or page 2 when page 1 is the title and the contents list
    (a long справка: the contents end page 1)."""
    has_contents = "Содержание" in layout[0].text.split()
    first = layout[1] if has_contents else layout[0]
    if has_contents:  # page 2 opens with its number and section 1's heading
        assert first.text.split()[:2] == ["2", "1."]
    lower = MARGIN_BOTTOM_MM if has_contents else FIRST_PAGE_MARGIN_BOTTOM_MM
    bottom_of_text = first.height - lower * MM
    lowest = max(word.y1 for word in first.words)
    # At most two lines of text left empty, or a table row that is kept whole (report.css: rows of up to
    # KEEP_ROW_LINES lines of 12 pt are never split; issue #17's page 1 ended 150 pt above the margin).
    row_kept_whole = KEEP_ROW_LINES * 12 * 1.15 + 2 * 0.8 * MM
    assert lowest > bottom_of_text - max(14 * 1.3 * 2, row_kept_whole), (lowest, bottom_of_text)


def test_every_recommendation_is_indented(context, layout):
    firsts = [line.split()[0] for line in context.recommendations.splitlines()]
    starts = {word.text: word.x0 for page in layout for word in page.words if word.text in firsts}
    assert set(starts) == set(firsts)
    left_margin = MARGIN_LEFT_MM * MM
    for word, x0 in starts.items():
        assert x0 == pytest.approx(left_margin + 12.5 * MM, abs=1.5), word


def test_the_signature_is_on_the_page_of_the_last_paragraph(context, layout):
    last_word = context.recommendations.split()[-1]
    last_paragraph = max(page.number for page in layout if last_word in page.text.split())
    signature = [page.number for page in layout if "Курочкина" in page.text.split()]
    assert signature == [last_paragraph]
    page = layout[last_paragraph - 1]
    # and it is not alone there: the paragraph's words are above it on the same page
    assert page.text.split().index(last_word) < page.text.split().index("Курочкина")


# --- справки built from data: a municipality of 40 schools and a region of 6 × 40 ---------------------------------

# The region is 6 municipalities × 40 schools (240 schools, 68 ШНОР, ~60 pages), not the 1,000 of the performance
# goal: its layout costs ~14 s here against ~60 s for 1,000 schools, and every table, chart and page break of a
# region's справка is already there (bench/reports.py times the 1,000).
REGION_MUNICIPALITIES = 6


@module_fixture
def territory(world):
    return build_territory(municipalities=REGION_MUNICIPALITIES, schools=40)


def _table_fragments(document):
    """(page number, header texts, body rows) of every piece of a table WeasyPrint put on a page."""
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            if not isinstance(box, boxes.TableBox) or "data" not in (box.element.get("class") or "").split():
                continue  # the signature line is a table too
            groups = [child for child in box.children if isinstance(child, boxes.TableRowGroupBox)]
            header = [g for g in groups if g.is_header]
            body_rows = sum(len(g.children) for g in groups if not g.is_header)
            texts = [
                text.text for g in header[:1] for text in g.descendants() if isinstance(text, boxes.TextBox)
            ]
            first_is_header = bool(groups) and groups[0].is_header
            found.append((number, first_is_header, tuple(texts), body_rows))
    return found


def _outside_margins(layout: list[Page]) -> list[tuple[int, str]]:
    """Words printed outside the text area (20/10/20/20 mm), but for the page number at the top centre."""
    slack = 1.0
    out = []
    for page in layout:
        left, right = MARGIN_LEFT_MM * MM - slack, page.width - MARGIN_RIGHT_MM * MM + slack
        lower = FIRST_PAGE_MARGIN_BOTTOM_MM if page.number == 1 else MARGIN_BOTTOM_MM
        top, bottom = MARGIN_TOP_MM * MM - slack, page.height - lower * MM + slack
        for word in page.words:
            if word.y1 <= top and word.text == str(page.number):
                continue  # the page number, in the upper margin (ГОСТ Р 7.0.97-2016)
            if word.x0 < left or word.x1 > right or word.y0 < top or word.y1 > bottom:
                out.append((page.number, word.text))
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["municipality", "region"])
def test_a_built_spravka_is_fit_to_sign(territory, kind):
    """A справка built from data, with every real section: no text over text, nothing outside the margins, every
    page of a table opening with its header row, whole header words, a contents list with the right pages."""
    from reports.builders import ReportParams, build
    from reports.renderers.pdf import render_document

    params = ReportParams(
        kind="territory",
        region_id=territory.region_id,
        municipality_id=territory.municipality_ids[0] if kind == "municipality" else None,
        school_id=None,
        year=LIST_YEAR,
        recommendations="Руководителям школ перечня: скорректировать антирисковые программы.\n"
        "Отделу образования: провести методический десант в школы без наставника.",
        signer="Заведующий отделом образования Н. А. Курочкина",
    )
    built = build(params, today=TODAY)
    started = time.perf_counter()
    document = render_document(built.context)
    pdf = document.write_pdf()
    seconds = time.perf_counter() - started
    layout = pages(pdf)
    print(f"{kind}: {len(layout)} pages in {seconds:.1f} s")  # noqa: T201 -- the figure the report quotes

    assert len(layout) > CONTENTS_MIN_PAGES
    assert {page.number: overlaps(page) for page in layout if overlaps(page)} == {}
    assert _outside_margins(layout) == []

    fragments = _table_fragments(document)
    tables_in_pdf = [t for s in built.context.sections for t in s.tables if t.in_pdf]
    assert len({texts for _n, _h, texts, _rows in fragments}) >= 2
    assert len(fragments) > len(tables_in_pdf)  # some tables run over pages
    assert [(n, texts) for n, first_is_header, texts, rows in fragments if not first_is_header] == []
    assert [
        (n, texts) for n, _h, texts, rows in fragments if rows == 0
    ] == []  # no header alone at a page's foot
    for number, _h, texts, _rows in fragments:  # and the header is printed there, word for word
        printed = layout[number - 1].text.split()
        assert [w for text in texts for w in text.split() if w not in printed] == [], number

    headers = {
        word
        for section in built.context.sections
        for table in section.tables
        if table.in_pdf
        for column in table.columns
        for word in re.split(r"[ \t\n]+", column.title)
        if word
    }
    assert sorted(headers - words_of(layout)) == []

    # The contents list on page 1: each section's title with the page its heading is printed on.
    contents = [s.title for s in built.context.sections]
    first = layout[0].text
    assert "Содержание" in first.split()
    for number, section in enumerate(built.context.sections, start=1):
        heading_page = next(
            p.number for p in layout[1:] + layout[:1] if f"{number}. {section.title}" in p.text
        )
        assert re.search(rf"{number}\. {re.escape(section.title)}[ .]*{heading_page}\b", first), (
            number,
            heading_page,
        )
    assert len(contents) == 8
