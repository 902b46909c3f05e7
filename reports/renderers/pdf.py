"""The справка as PDF: a Django template laid out by WeasyPrint.

Typography follows ГОСТ Р 7.0.97-2016 (A4; 14 pt serif; margins of at least 20 mm left, 10 mm right, 20 mm top
and bottom, which the справка uses exactly; page numbers at the top centre of the upper margin from page 2).
ГОСТ Р 7.0.97-2025, which replaced it on 18.08.2025, is cited where it adds rules (reports/print_copy.py). The
fonts are the Liberation Serif files shipped in ``reports/fonts`` and loaded with ``@font-face``, so the output
does not depend on the server's installed fonts.

A long справка opens with a contents list (оглавление) whose page numbers WeasyPrint fills in
(``target-counter``), and every section is a PDF bookmark.

WeasyPrint may only read those font files: the URL fetcher refuses every other URL, so nothing in a
report (a school's name, the methodologist's text) can make the renderer read a local file or call
out to the network even if it slipped past the template's escaping.
"""

import base64
import datetime
import logging
import math
import re
from collections.abc import Callable
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html

from reports.context import Kind, ReportContext, cell_text, is_numeric, split_paragraphs, split_signer
from reports.renderers.charts import legend_items, line_chart_svg, text_width

logger = logging.getLogger(__name__)

FONTS_DIR = Path(__file__).resolve().parent.parent / "fonts"
TEMPLATE = "reports/pdf/report.html"
PROGRESS_TEXT = "Вёрстка PDF"

FONT_FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bold_italic": "LiberationSerif-BoldItalic.ttf",
}


def as_of_text(moment: datetime.datetime) -> str:
    """«22.11.2026 14:05» in the project's time zone."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%d.%m.%Y %H:%M")


def _font_urls() -> dict[str, str]:
    return {key: (FONTS_DIR / name).as_uri() for key, name in FONT_FILES.items()}


# The page geometry of report.css (@page): A4 with the margins of ГОСТ Р 7.0.97-2016 (п. 6.1 as quoted in reviews;
# the 2025 edition is said not to change them) — left 20 mm, right 10 mm, top and bottom 20 mm; cells with 1.5 mm
# padding. The standard asks 30 mm on the left for documents kept over 10 years (README, «Оформление по ГОСТ Р
# 7.0.97-2025»); the справка uses 20 mm — a department that files its справки for longer sets 30 here.
MARGIN_LEFT_MM, MARGIN_RIGHT_MM, MARGIN_TOP_MM, MARGIN_BOTTOM_MM = 20, 10, 20, 20
# Page 1's lower margin is wider: the print copy's QR code and its caption go there (reports/print_copy.py).
FIRST_PAGE_MARGIN_BOTTOM_MM = 30
PORTRAIT_WIDTH_PT = (210 - MARGIN_LEFT_MM - MARGIN_RIGHT_MM) / 25.4 * 72
LANDSCAPE_WIDTH_PT = (297 - MARGIN_LEFT_MM - MARGIN_RIGHT_MM) / 25.4 * 72
CELL_PADDING_PT = 2 * 1.5 / 25.4 * 72 + 1.5  # both sides, the border and a little slack
# How a table is set, tried in this order until every column gets the width of its longest unbreakable text:
# 12 pt on a portrait page; 10 pt (ГОСТ Р 7.0.97-2016 recommends sizes 12–14 for documents; a smaller size in
# tables is the usual reading of it, the clause's wording not checked against the standard's text here); then
# the table alone on a landscape page (ГОСТ 2.105-95, 4.4.6: a table may be placed along the long side of the
# sheet).
SETTINGS = ((12, False), (10, False), (12, True), (10, True))
# In a column of long texts (reasons, measures) a word is kept whole up to this share of the width (22 mm); longer
# ones are hyphenated by the dictionary, so that one long word does not take the room of the other columns.
LONGEST_WORD_SHARE = 0.12
# In a column of short texts (a school's name, a decision) a word is kept whole up to this share (36 mm):
# «МБОУ «Каштанов-ская СОШ»» hyphenated in a narrow column reads badly.
NAME_WORD_SHARE = 0.2
# A column of long texts (the list's reasons: 300 characters a school) must keep this share of the width; a setting
# that leaves it less (a region's list has six columns) gives way to the next one — rows of ten lines in a column
# of thirty characters make a list of 70 schools run to 40 pages.
LONG_TEXT_CHARS = 60
LONG_TEXT_SHARE = 0.4
_WORDS = re.compile(r"[ \t\n]+")  # not the no-break space: «31,5 %» is one unit


def _weights(columns, kinds, rows) -> list[float]:
    """How the free width is shared: a text column by the mean length of its texts (at least its ``Column.width``).
    A row is as high as its tallest cell, about (text length / column width) lines: widths in proportion to the
    lengths make the rows lowest — the list's reasons of 300 characters get the room, not the «Решение» column
    of one word. Numbers and dates keep their ``Column.width``."""
    weights = []
    for index, (column, (_kind, css)) in enumerate(zip(columns, kinds, strict=True)):
        if css:
            weights.append(float(max(column.width, 1)))
            continue
        lengths = [len(row[index][0]) for row in rows if index < len(row)]
        mean = sum(lengths) / len(lengths) if lengths else 0
        weights.append(float(max(column.width, mean, 1)))
    return weights


def _widths(weights: list[float], needs: list[float], text_width: float) -> list[str]:
    """Column widths in % of the text width: proportional to ``weights``, except that a column gets at least
    ``needs`` (in pt: its longest value or word, its header's longest word), so no word is split and no text
    runs into the next cell; the other columns share what is left."""
    fixed: dict[int, float] = {}
    while True:
        free = text_width - sum(fixed.values())
        share = sum(w for i, w in enumerate(weights) if i not in fixed)
        grown = {
            i: needs[i]
            for i, w in enumerate(weights)
            if i not in fixed and share and free * w / share < needs[i]
        }
        if not grown:
            break
        fixed.update(grown)
    free = max(text_width - sum(fixed.values()), 0.0)
    share = sum(w for i, w in enumerate(weights) if i not in fixed) or 1
    points = [fixed[i] if i in fixed else free * w / share for i, w in enumerate(weights)]
    total = sum(points) or 1.0
    return [f"{width * 100 / total:.2f}" for width in points]


def _needs(columns, kinds, rows, size: int) -> list[float]:
    """The narrowest each column may be at ``size`` pt: a number or a date on one line, the longest word of a
    text (up to LONGEST_WORD_SHARE of the page), the longest word of the bold header."""
    needs = []
    for index, (column, (_kind, css)) in enumerate(zip(columns, kinds, strict=True)):
        header = max(
            (text_width(word, size, bold=True) for word in _WORDS.split(column.title) if word), default=0
        )
        values = (row[index][0] for row in rows if index < len(row))
        if css:  # numbers and dates never break
            longest = max((text_width(value, size) for value in values), default=0.0)
        else:
            longest = max(
                (text_width(word, size) for value in values for word in _WORDS.split(value) if word),
                default=0.0,
            )
            lengths = [len(row[index][0]) for row in rows if index < len(row)]
            long_text = bool(lengths) and sum(lengths) / len(lengths) >= LONG_TEXT_CHARS
            share = LONGEST_WORD_SHARE if long_text else NAME_WORD_SHARE
            longest = min(longest, share * PORTRAIT_WIDTH_PT)
        needs.append(CELL_PADDING_PT + 1.04 * max(header, longest))
    return needs


def table_setting(columns, kinds, rows) -> tuple[int, bool, list[str]]:
    """(font size, landscape?, column widths in %) of a table: the first of SETTINGS where everything fits.
    When nothing fits (a table with too many columns for any page) the last setting is used with widths in
    proportion to the needs: words may then break, but never run over a neighbour (overflow-wrap in the CSS)."""
    weights = _weights(columns, kinds, rows)
    long_text = max(range(len(columns)), key=lambda i: weights[i]) if columns else None
    if long_text is not None and (kinds[long_text][1] or weights[long_text] < LONG_TEXT_CHARS):
        long_text = None
    for size, landscape in SETTINGS:
        width = LANDSCAPE_WIDTH_PT if landscape else PORTRAIT_WIDTH_PT
        needs = _needs(columns, kinds, rows, size)
        room = width - sum(need for i, need in enumerate(needs) if i != long_text)
        if sum(needs) <= width and (long_text is None or room >= LONG_TEXT_SHARE * width):
            return size, landscape, _widths(weights, needs, width)
    logger.warning(
        "Таблица из %s столбцов не помещается на лист A4 даже в альбомной ориентации", len(columns)
    )
    return (
        size,
        landscape,
        _widths([1.0] * len(columns), [need * width / sum(needs) for need in needs], width),
    )


# A row of up to this many lines is kept on one page (report.css: tbody tr { break-inside: avoid }); a longer one
# may break across pages, its cells keeping two lines together, so that a list of long reasons does not leave half
# a page empty (issue #17). Split at 3 lines, a manual decision's last two lines stood alone atop the next page.
KEEP_ROW_LINES = 6


def row_lines(row, columns_pt: list[float], size: int) -> int:
    """How many lines the row's tallest cell takes, roughly: each cell's text width over its column's."""
    lines = 1
    for (text, _css), width in zip(row, columns_pt, strict=False):
        if width > 0:
            lines = max(lines, math.ceil(text_width(text, size) / width))
    return lines


def bind(text: str) -> str:
    """«№ 12» never breaks after the sign: a no-break space joins it to its number («МБОУ «Алексеевская ООШ №» on
    one line and «1»» on the next)."""
    return text.replace("№ ", "№\u00a0")


def _cell_class(kind: str) -> str:
    if is_numeric(kind):
        return "n"
    if kind == Kind.DATE:
        return "d"
    return ""


def template_context(context: ReportContext, *, with_contents: bool = False) -> dict:
    """What the template needs, with everything computed in Python (cell texts, numbering, SVG)."""
    sections = []
    table_number = 0
    figure_number = 0
    for number, section in enumerate(context.sections, start=1):
        tables = []
        excel_only = []
        for table in section.tables:
            if not table.in_pdf:
                excel_only.append(table.title)
                continue
            table_number += 1
            kinds = [(column.kind, _cell_class(column.kind)) for column in table.columns]
            rows = [
                [(bind(cell_text(value, kind)), css) for value, (kind, css) in zip(row, kinds, strict=False)]
                for row in table.iter_rows()
            ]
            size, landscape, widths = table_setting(table.columns, kinds, rows)
            page_width = LANDSCAPE_WIDTH_PT if landscape else PORTRAIT_WIDTH_PT
            columns_pt = [float(width) * page_width / 100 - CELL_PADDING_PT for width in widths]
            tables.append(
                {
                    "number": table_number,
                    "title": table.title,
                    "columns": table.columns,
                    "widths": widths,
                    "compact": size < 12,
                    "landscape": landscape,
                    "rows": [
                        {"cells": row, "breakable": row_lines(row, columns_pt, size) > KEEP_ROW_LINES}
                        for row in rows
                    ],
                    "note": table.note,
                }
            )
        charts = []
        for chart in section.charts:
            figure_number += 1
            # The legend under the SVG as HTML text: WeasyPrint lays SVG text out a letter at a time (charts.py).
            # As an image, not inline: WeasyPrint then parses the SVG with ElementTree instead of the HTML parser and
            # leaves its elements out of the CSS cascade (−0.15 s CPU of a municipality's PDF, docs/performance.md).
            data = base64.b64encode(line_chart_svg(chart, legend=False).encode()).decode("ascii")
            svg = format_html(
                '<img class="chart-image" alt="{}" src="{}{}">', chart.title, SVG_DATA_URL, data
            )
            charts.append(
                {
                    "number": figure_number,
                    "title": chart.title,
                    "svg": svg,
                    "legend": legend_items(chart),
                    "note": chart.note,
                }
            )
        sections.append(
            {
                "number": number,
                "key": section.key,
                "title": section.title,
                "paragraphs": tuple(bind(paragraph) for paragraph in section.paragraphs),
                "tables": tables,
                "charts": charts,
                "excel_only": excel_only,
                "is_empty": not (section.paragraphs or tables or charts or excel_only),
                # A section whose first table is landscape starts on its page: its heading and its paragraphs stay
                # with it (on a portrait page of their own they left a region's page 2 nearly empty).
                "landscape": bool(tables) and tables[0]["landscape"],
                "empty_text": section.empty_text or "Нет данных.",
                # The section's last paragraph introduces its first table or chart: it keeps with it.
                "lead_keeps": bool(tables or charts),
            }
        )
    position, name = split_signer(context.signer)
    contents = [{"anchor": f"section-{s['key']}", "title": f"{s['number']}. {s['title']}"} for s in sections]
    recommendations = split_paragraphs(context.recommendations)
    if recommendations:
        contents.append(
            {"anchor": "section-recommendations", "title": f"{len(context.sections) + 1}. Рекомендации"}
        )
    if context.meta:
        contents.append({"anchor": "section-appendix", "title": "Приложение. Параметры"})
    return {
        "contents": contents if with_contents else [],
        "report": context,
        "as_of": as_of_text(context.as_of),
        "sections": sections,
        "recommendations": recommendations,
        "recommendations_number": len(context.sections) + 1,
        "signer_position": position,
        "signer_name": name,
        "meta": list(context.meta.items()),
        "fonts": _font_urls(),
    }


def render_html(context: ReportContext, *, with_contents: bool = False) -> str:
    return render_to_string(TEMPLATE, template_context(context, with_contents=with_contents))


# A справка of more than this many pages opens with a contents list. Its eight sections, the recommendations and
# the appendix take a third of a page as a list; up to five pages the reader sees every heading by leafing through,
# beyond that (a municipality's справка with its charts runs to 15–30 pages, a region's to 60) the list and its page
# numbers are how one finds «Наставничество» before signing.
CONTENTS_MIN_PAGES = 5
# Rows of print per page and charts per page, to guess before the layout whether a справка will be long.
ROWS_PER_PAGE = 25
CHARTS_PER_PAGE = 2


def looks_long(context: ReportContext) -> bool:
    """A guess before the layout: more than CONTENTS_MIN_PAGES pages of rows and charts. A справка guessed short
    that comes out long is laid out again with the contents (cheap: it is short); one guessed long keeps them."""
    rows = sum(len(table.rows) for section in context.sections for table in section.tables if table.in_pdf)
    charts = sum(len(section.charts) for section in context.sections)
    return rows / ROWS_PER_PAGE + charts / CHARTS_PER_PAGE > CONTENTS_MIN_PAGES


SVG_DATA_URL = "data:image/svg+xml;base64,"


def _fetcher():
    """A WeasyPrint URL fetcher that serves only the shipped font files."""
    from weasyprint.urls import URLFetcher

    allowed = set(_font_urls().values())

    class FontsOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(SVG_DATA_URL):  # a chart (template_context): the справка's own SVG, inline data
                return super().fetch(url, headers)
            if url.split("?")[0].split("#")[0] not in allowed:
                raise ValueError(f"Справка не загружает внешние ресурсы: {url[:100]}")
            return super().fetch(url, headers)

    return FontsOnlyFetcher(allowed_protocols=("file", "data"), allow_redirects=False)


def render_pdf(context: ReportContext, *, on_progress: Callable[[int, str], None] | None = None) -> bytes:
    """The справка as PDF bytes. ``on_progress(percent, text)`` is called before and after the layout."""

    if on_progress:
        on_progress(10, PROGRESS_TEXT)
    document = render_document(context)
    if on_progress:
        on_progress(80, PROGRESS_TEXT)
    return document.write_pdf()


def _layout(context: ReportContext, *, with_contents: bool):
    from weasyprint import HTML  # a heavy import (Pango via cffi): only when a PDF is made

    html = render_html(context, with_contents=with_contents)
    return HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=_fetcher()).render()


def render_document(context: ReportContext):
    """The laid-out WeasyPrint document (its pages and boxes: the layout tests read them), with the contents list
    when the справка runs to more than CONTENTS_MIN_PAGES pages."""
    guessed_long = looks_long(context)
    document = _layout(context, with_contents=guessed_long)
    if not guessed_long and len(document.pages) > CONTENTS_MIN_PAGES:
        document = _layout(context, with_contents=True)
    return document
