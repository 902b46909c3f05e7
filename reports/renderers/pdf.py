"""The справка as PDF: a Django template laid out by WeasyPrint.

Typography follows ГОСТ Р 7.0.97-2016 (A4, 14 pt serif, margins 30/15/20/20 mm, page numbers at the
top centre from page 2). The fonts are the Liberation Serif files shipped in ``reports/fonts`` and
loaded with ``@font-face``, so the output does not depend on the server's installed fonts.

WeasyPrint may only read those font files: the URL fetcher refuses every other URL, so nothing in a
report (a school's name, the methodologist's text) can make the renderer read a local file or call
out to the network even if it slipped past the template's escaping.
"""

import datetime
import logging
import re
from collections.abc import Callable
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from reports.context import Kind, ReportContext, cell_text, is_numeric, split_paragraphs, split_signer
from reports.renderers.charts import line_chart_svg, text_width

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


# The table geometry of report.css: A4 minus the 30 + 15 mm margins, cells with 1.5 mm padding.
PORTRAIT_WIDTH_PT = (210 - 30 - 15) / 25.4 * 72
LANDSCAPE_WIDTH_PT = (297 - 30 - 15) / 25.4 * 72
CELL_PADDING_PT = 2 * 1.5 / 25.4 * 72 + 1.5  # both sides, the border and a little slack
# How a table is set, tried in this order until every column gets the width of its longest unbreakable text:
# 12 pt on a portrait page; 10 pt (ГОСТ Р 7.0.97-2016 recommends sizes 12–14 for documents; a smaller size in
# tables is the usual reading of it, the clause's wording not checked against the standard's text here); then
# the table alone on a landscape page (ГОСТ 2.105-95, 4.4.6: a table may be placed along the long side of the
# sheet).
SETTINGS = ((12, False), (10, False), (12, True), (10, True))
# A text cell's longest word is kept whole up to this share of the width; longer ones are hyphenated.
LONGEST_WORD_SHARE = 0.3
_WORDS = re.compile(r"[ \t\n]+")  # not the no-break space: «31,5 %» is one unit


def _widths(columns, needs: list[float], text_width: float) -> list[str]:
    """Column widths in % of the text width: proportional to ``Column.width``, except that a column gets at
    least ``needs`` (in pt: its longest value or word, its header's longest word), so no word is split and no
    text runs into the next cell; the other columns share what is left."""
    weights = [max(column.width, 1) for column in columns]
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
            longest = min(longest, LONGEST_WORD_SHARE * PORTRAIT_WIDTH_PT)
        needs.append(CELL_PADDING_PT + 1.04 * max(header, longest))
    return needs


def table_setting(columns, kinds, rows) -> tuple[int, bool, list[str]]:
    """(font size, landscape?, column widths in %) of a table: the first of SETTINGS where everything fits.
    When nothing fits (a table with too many columns for any page) the last setting is used with widths in
    proportion to the needs: words may then break, but never run over a neighbour (overflow-wrap in the CSS)."""
    for size, landscape in SETTINGS:
        width = LANDSCAPE_WIDTH_PT if landscape else PORTRAIT_WIDTH_PT
        needs = _needs(columns, kinds, rows, size)
        if sum(needs) <= width:
            return size, landscape, _widths(columns, needs, width)
    logger.warning(
        "Таблица из %s столбцов не помещается на лист A4 даже в альбомной ориентации", len(columns)
    )
    return size, landscape, _widths(columns, [need * width / sum(needs) for need in needs], width)


def _cell_class(kind: str) -> str:
    if is_numeric(kind):
        return "n"
    if kind == Kind.DATE:
        return "d"
    return ""


def template_context(context: ReportContext) -> dict:
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
                [(cell_text(value, kind), css) for value, (kind, css) in zip(row, kinds, strict=False)]
                for row in table.iter_rows()
            ]
            size, landscape, widths = table_setting(table.columns, kinds, rows)
            tables.append(
                {
                    "number": table_number,
                    "title": table.title,
                    "columns": table.columns,
                    "widths": widths,
                    "compact": size < 12,
                    "landscape": landscape,
                    "rows": rows,
                    "note": table.note,
                }
            )
        charts = []
        for chart in section.charts:
            figure_number += 1
            svg = mark_safe(line_chart_svg(chart))  # noqa: S308 -- every text in it is XML-escaped
            charts.append({"number": figure_number, "title": chart.title, "svg": svg, "note": chart.note})
        sections.append(
            {
                "number": number,
                "key": section.key,
                "title": section.title,
                "paragraphs": section.paragraphs,
                "tables": tables,
                "charts": charts,
                "excel_only": excel_only,
                "is_empty": not (section.paragraphs or tables or charts or excel_only),
                # A section that opens with a landscape table starts on its page: its heading stays with it.
                "landscape": not section.paragraphs and bool(tables) and tables[0]["landscape"],
                "empty_text": section.empty_text or "Данные отсутствуют.",
            }
        )
    position, name = split_signer(context.signer)
    return {
        "report": context,
        "as_of": as_of_text(context.as_of),
        "sections": sections,
        "recommendations": split_paragraphs(context.recommendations),
        "recommendations_number": len(context.sections) + 1,
        "signer_position": position,
        "signer_name": name,
        "meta": list(context.meta.items()),
        "fonts": _font_urls(),
    }


def render_html(context: ReportContext) -> str:
    return render_to_string(TEMPLATE, template_context(context))


def _fetcher():
    """A WeasyPrint URL fetcher that serves only the shipped font files."""
    from weasyprint.urls import URLFetcher

    allowed = set(_font_urls().values())

    class FontsOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.split("?")[0].split("#")[0] not in allowed:
                raise ValueError(f"Справка не загружает внешние ресурсы: {url[:100]}")
            return super().fetch(url, headers)

    return FontsOnlyFetcher(allowed_protocols=("file",), allow_redirects=False)


def render_pdf(context: ReportContext, *, on_progress: Callable[[int, str], None] | None = None) -> bytes:
    """The справка as PDF bytes. ``on_progress(percent, text)`` is called before and after the layout."""
    from weasyprint import HTML  # a heavy import (Pango via cffi): only when a PDF is made

    if on_progress:
        on_progress(10, PROGRESS_TEXT)
    html = render_html(context)
    document = HTML(string=html, base_url=FONTS_DIR.as_uri() + "/", url_fetcher=_fetcher()).render()
    if on_progress:
        on_progress(80, PROGRESS_TEXT)
    return document.write_pdf()
