"""Line charts as inline SVG, drawn on the server: no JavaScript, no plotting library.

The output is deterministic (same chart → same string), so the PDF of one context is reproducible
and the SVG can be compared in tests. Every series gets a colour *and* a dash pattern and a marker
shape, so the lines stay distinguishable when the справка is printed in black and white.
"""

import functools
import math
from pathlib import Path
from xml.sax.saxutils import escape

from reports.context import Chart

FONT_FAMILY = "Liberation Serif"
FONT_FILE = Path(__file__).resolve().parent.parent / "fonts" / "LiberationSerif-Regular.ttf"
FONT_SIZE = 15  # user units; at the PDF's text width (≈ 624 px for 640) that reads as ≈ 11 pt

PALETTE = ("#1f4e79", "#c0504d", "#4f7f2a", "#7a5195", "#d07c12", "#1b8a99", "#8c5a3c", "#555555")
DASHES = ("", "7 3", "2 3", "9 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")

THRESHOLD_COLOUR = "#b22222"
AXIS_COLOUR = "#333333"
GRID_COLOUR = "#cccccc"

_LEGEND_ROW = 22
_LEGEND_SWATCH = 26


def _n(value: float) -> str:
    """A coordinate: one decimal, no «-0.0»."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _number(value: float) -> str:
    """3 → «3», 2.5 → «2,5», 0.25 → «0,25» (a Russian decimal comma)."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _with_unit(value: float, unit: str) -> str:
    if not unit:
        return _number(value)
    return f"{_number(value)}\u00a0{unit}"


@functools.cache
def _advances(bold: bool) -> dict[int, float]:
    """Advance widths (in em) of the shipped Liberation Serif, by code point."""
    from fontTools.ttLib import TTFont

    path = FONT_FILE.with_name("LiberationSerif-Bold.ttf") if bold else FONT_FILE
    with TTFont(path, lazy=True) as font:
        units = font["head"].unitsPerEm
        metrics = font["hmtx"]
        return {code: metrics[glyph][0] / units for code, glyph in font.getBestCmap().items()}


def text_width(text: str, size: float = FONT_SIZE, *, bold: bool = False) -> float:
    """The width of ``text`` set in Liberation Serif at ``size`` (in the same unit as ``size``): the
    chart's legend wraps by it, the PDF's tables size their number columns by it."""
    widths = _advances(bold)
    return sum(widths.get(ord(char), 0.5) for char in text) * size


def _scale(chart: Chart) -> tuple[float, float, float]:
    """(low, high, step) of the y axis: 0–100 by 20 for percentages, else a «nice» scale."""
    values = [v for s in chart.series for v in s.values if v is not None]
    if chart.threshold is not None:
        values.append(chart.threshold)
    low = min(values, default=0.0)
    high = max(values, default=0.0)
    if chart.unit == "%" and low >= 0 and high <= 100:
        return 0.0, 100.0, 20.0
    low = min(low, 0.0)
    high = max(high, 0.0)
    span = high - low or 1.0
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw - 1e-12)
    low = step * math.floor(low / step + 1e-9)
    high = step * math.ceil(high / step - 1e-9)
    if high <= low:
        high = low + step
    return low, high, step


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7.0" height="7.0" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y + 3.5)} {_n(x - 4.5)},{_n(y + 3.5)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{_n(x)},{_n(y - 5)} {_n(x + 5)},{_n(y)} {_n(x)},{_n(y + 5)} {_n(x - 5)},{_n(y)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4.0" fill="{colour}"/>'


def _text(
    x: float, y: float, text: str, *, anchor: str = "start", size: float = FONT_SIZE, extra: str = ""
) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-family="{FONT_FAMILY}" font-size="{_number(size)}" '
        f'text-anchor="{anchor}" fill="{AXIS_COLOUR}"{extra}>{escape(text)}</text>'
    )


def _legend_rows(chart: Chart, available: float) -> list[list[tuple[int, float]]]:
    """The legend's items (series index, item width) wrapped into rows that fit ``available``."""
    rows: list[list[tuple[int, float]]] = []
    row: list[tuple[int, float]] = []
    used = 0.0
    for index, series in enumerate(chart.series):
        item = _LEGEND_SWATCH + 6 + text_width(series.name) + 18
        if row and used + item > available:
            rows.append(row)
            row, used = [], 0.0
        row.append((index, item))
        used += item
    if row:
        rows.append(row)
    return rows


# The legend's marks when it is printed as text beside the chart (``legend_items``): the markers' glyphs in Liberation
# Serif and the dash patterns as CSS border styles (the dash-dot one has no CSS form: its marker tells it apart).
_MARKER_GLYPHS = {"circle": "\u25cf", "square": "\u25a0", "triangle": "\u25b2", "diamond": "\u2666"}
_DASH_STYLES = {"": "solid", "7 3": "dashed", "2 3": "dotted", "9 3 2 3": "dashed"}


def legend_items(chart: Chart) -> list[dict[str, str]]:
    """The legend as data for an HTML legend under ``line_chart_svg(chart, legend=False)``: per series its name,
    colour, line style (a CSS border style) and marker glyph. WeasyPrint lays SVG text out letter by letter (a
    Pango layout per character): the legend's names were ~3/4 of a municipality's chart text and ~1/3 of its charts'
    cost; as HTML text they are laid out per line (bench/reports.py, docs/performance.md)."""
    items = []
    for index, series in enumerate(chart.series):
        items.append(
            {
                "name": series.name,
                "colour": PALETTE[index % len(PALETTE)],
                "style": _DASH_STYLES[DASHES[(index // len(PALETTE) + index) % len(DASHES)]],
                "glyph": _MARKER_GLYPHS[MARKERS[index % len(MARKERS)]],
            }
        )
    return items


def line_chart_svg(chart: Chart, *, width: int = 640, height: int = 260, legend: bool = True) -> str:
    """An inline ``<svg>`` of ``chart``: y grid with labels, years along x, one line per series
    (broken where a value is None), markers, a legend under the plot and the dashed threshold line.

    ``height`` is the height with a one-row legend; a legend that wraps adds its extra rows below. Without
    ``legend`` the plot keeps its size and the SVG ends under the x labels (the caller prints ``legend_items``).
    """
    categories = chart.categories
    left = 16 + max(
        (text_width(_with_unit(v, "%" if chart.unit == "%" else "")) for v in _scale(chart)[:2]),
        default=24,
    )
    left = max(left, 40.0)
    right = 16.0 + (54.0 if chart.threshold is not None else 0.0)
    top = 14.0 if chart.unit == "%" or not chart.unit else 24.0
    plot_width = width - left - right
    legend_rows = _legend_rows(chart, plot_width) if legend else []
    legend_height = _LEGEND_ROW * len(legend_rows)
    total_height = height + _LEGEND_ROW * max(0, len(legend_rows) - 1) - (0 if legend else _LEGEND_ROW + 10)
    bottom = 28.0 + (legend_height + 10 if legend_rows else 0)
    plot_bottom = total_height - bottom
    plot_height = plot_bottom - top
    plot_right = left + plot_width

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{total_height}" '
        f'viewBox="0 0 {width} {total_height}" font-family="{FONT_FAMILY}" font-size="{FONT_SIZE}" '
        f'role="img" aria-label="{_attr(chart.title)}">'
    ]

    low, high, step = _scale(chart)

    def y_of(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * plot_height

    # The y grid and its labels.
    ticks = int(round((high - low) / step))
    out.append(f'<g class="grid" stroke="{GRID_COLOUR}" stroke-width="0.8">')
    for i in range(ticks + 1):
        y = y_of(low + i * step)
        out.append(f'<line x1="{_n(left)}" y1="{_n(y)}" x2="{_n(plot_right)}" y2="{_n(y)}"/>')
    out.append("</g>")
    for i in range(ticks + 1):
        value = round(low + i * step, 10)
        label = _with_unit(value, "%" if chart.unit == "%" else "")
        out.append(_text(left - 6, y_of(value) + 5, label, anchor="end"))
    if chart.unit and chart.unit != "%":
        out.append(_text(left - 6, top - 9, chart.unit, anchor="end"))

    # The axes.
    out.append(
        f'<g class="axes" stroke="{AXIS_COLOUR}" stroke-width="1.2">'
        f'<line x1="{_n(left)}" y1="{_n(top)}" x2="{_n(left)}" y2="{_n(plot_bottom)}"/>'
        f'<line x1="{_n(left)}" y1="{_n(plot_bottom)}" x2="{_n(plot_right)}" y2="{_n(plot_bottom)}"/>'
        "</g>"
    )

    if not categories or not chart.series:
        out.append(
            _text(
                left + plot_width / 2,
                top + plot_height / 2,
                "Нет данных",
                anchor="middle",
                extra=' class="empty"',
            )
        )
        out.append("</svg>")
        return "".join(out)

    band = plot_width / len(categories)

    def x_of(index: int) -> float:
        return left + band * (index + 0.5)

    # The x labels (every k-th one when they would collide).
    widest = max(text_width(c) for c in categories) + 8
    every = max(1, math.ceil(widest / band))
    for index, category in enumerate(categories):
        x = x_of(index)
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(plot_bottom)}" x2="{_n(x)}" y2="{_n(plot_bottom + 4)}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
        if index % every == 0:
            out.append(_text(x, plot_bottom + 21, category, anchor="middle"))

    # The threshold: a dashed line across the plot, its value in the right margin.
    if chart.threshold is not None:
        y = y_of(chart.threshold)
        label = _with_unit(chart.threshold, chart.unit)
        out.append(
            f'<line class="threshold" x1="{_n(left)}" y1="{_n(y)}" x2="{_n(plot_right)}" y2="{_n(y)}" '
            f'stroke="{THRESHOLD_COLOUR}" stroke-width="1.6" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text x="{_n(plot_right + 5)}" y="{_n(y + 5)}" font-family="{FONT_FAMILY}" '
            f'font-size="{FONT_SIZE}" text-anchor="start" fill="{THRESHOLD_COLOUR}">{escape(label)}</text>'
        )

    # The series: one <path> each, a new «M» after every gap, markers on every known value.
    for index, series in enumerate(chart.series):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[(index // len(PALETTE) + index) % len(DASHES)]
        shape = MARKERS[index % len(MARKERS)]
        commands: list[str] = []
        points: list[tuple[float, float]] = []
        pen_down = False
        for position, value in enumerate(series.values[: len(categories)]):
            if value is None:
                pen_down = False
                continue
            x, y = x_of(position), y_of(value)
            commands.append(f"{'L' if pen_down else 'M'}{_n(x)} {_n(y)}")
            points.append((x, y))
            pen_down = True
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<g class="series" data-series="{index}">')
        if commands:
            out.append(
                f'<path d="{" ".join(commands)}" fill="none" stroke="{colour}" stroke-width="2.2" '
                f'stroke-linejoin="round" stroke-linecap="round"{dash_attr}/>'
            )
        out.extend(_marker(shape, x, y, colour) for x, y in points)
        out.append("</g>")

    # The legend, each row centred under the plot.
    for row_index, row in enumerate(legend_rows):
        row_width = sum(item for _, item in row) - 18
        x = left + max(0.0, (plot_width - row_width) / 2)
        y = plot_bottom + 28 + 10 + _LEGEND_ROW / 2 + row_index * _LEGEND_ROW
        for index, item in row:
            colour = PALETTE[index % len(PALETTE)]
            dash = DASHES[(index // len(PALETTE) + index) % len(DASHES)]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<g class="legend-item"><line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + _LEGEND_SWATCH)}" '
                f'y2="{_n(y)}" stroke="{colour}" stroke-width="2.2"{dash_attr}/>'
            )
            out.append(_marker(MARKERS[index % len(MARKERS)], x + _LEGEND_SWATCH / 2, y, colour))
            out.append(_text(x + _LEGEND_SWATCH + 6, y + 5, chart.series[index].name))
            out.append("</g>")
            x += item

    out.append("</svg>")
    return "".join(out)
