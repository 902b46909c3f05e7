"""The справка's layout, read back from the PDF's word boxes (issue #17, item 10).

A municipality's справка with long school names, a list table whose reasons run to a dozen lines and the
mentoring log of eight narrow number columns: no text printed over other text on any page, no header word
split, header rows repeated on continuation pages, page 1 filled, every recommendation indented, and the
signature on the page of the last paragraph.
"""

import re

import pytest

from reports.renderers.pdf import render_pdf
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
    first = layout[0]
    bottom_of_text = first.height - 20 * MM
    lowest = max(word.y1 for word in first.words)
    assert lowest > bottom_of_text - 14 * 1.3 * 2, (lowest, bottom_of_text)  # at most two lines left empty


def test_every_recommendation_is_indented(context, layout):
    firsts = [line.split()[0] for line in context.recommendations.splitlines()]
    starts = {word.text: word.x0 for page in layout for word in page.words if word.text in firsts}
    assert set(starts) == set(firsts)
    left_margin = 30 * MM
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


@pytest.mark.django_db
@pytest.mark.parametrize("territory", ["municipality", "region"])
def test_a_built_spravka_prints_no_text_over_text_and_whole_header_words(world, territory):
    """The same checks on a справка built from data, with the columns of every real section."""
    from reports.builders import build
    from tests.builders.roadmaps import build_programme
    from tests.reports.test_builders import params

    build_programme(world)
    built = build(params(world, municipality_id=world.mun_a.pk if territory == "municipality" else None))
    layout = pages(render_pdf(built.context))
    assert {page.number: overlaps(page) for page in layout if overlaps(page)} == {}
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
