"""Template helpers of the ШНОР pages: Russian number formatting, status labels and an inline SVG sparkline.

The sparkline is drawn on the server as plain SVG (no JavaScript, no inline styles: the look lives in
portal.css), so it prints and works with scripts disabled.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from schools.criteria import MOVEMENT_LABELS
from schools.models import FlagStatus

register = template.Library()

MOVEMENT_SHORT = {"entered": "вошла", "stayed": "осталась", "left": "вышла"}


def percent_text(value: float | None, digits: int = 1) -> str:
    """54.0 → «54,0»: the Russian decimal comma, a fixed number of digits."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",")


@register.filter
def percent(value, digits=1):
    return percent_text(value, int(digits))


@register.filter
def criteria_label(criteria: str) -> str:
    """«1», «2», «1;2» → «1», «2», «1 и 2»; empty stays empty."""
    parts = [part for part in (criteria or "").split(";") if part]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " и " + parts[-1]


@register.filter
def status_label(status: str) -> str:
    try:
        return FlagStatus(status).label
    except ValueError:
        return "не рассчитан"


@register.filter
def movement_short(movement: str) -> str:
    return MOVEMENT_SHORT.get(movement, "")


@register.filter
def movement_long(movement: str) -> str:
    return MOVEMENT_LABELS.get(movement, "")


# The sparkline's drawing box in px: small enough for a table cell, wide enough for six years.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 26, 3


@register.simple_tag
def sparkline(points, top: float = 50.0):
    """An inline SVG line of shares over years; years without data break the line. ``top`` is the % at the top.

    ``points`` have ``year`` and ``share`` (None: no data that year). Every row of a page gets the same ``top``
    so that the lines can be compared by eye.
    """
    known = [p for p in points if p.share is not None]
    if not known:
        return mark_safe('<span class="muted small">нет результатов</span>')  # noqa: S308 — a constant
    top = max(float(top), 1.0)
    inner_w = SPARK_WIDTH - 2 * SPARK_PAD
    inner_h = SPARK_HEIGHT - 2 * SPARK_PAD
    step = inner_w / (len(points) - 1) if len(points) > 1 else 0

    def xy(index: int, share: float) -> tuple[float, float]:
        x = SPARK_PAD + (index * step if len(points) > 1 else inner_w / 2)
        y = SPARK_PAD + inner_h * (1 - min(share, top) / top)
        return round(x, 1), round(y, 1)

    segments: list[list[tuple[float, float]]] = [[]]
    dots = []
    for index, point in enumerate(points):
        if point.share is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(xy(index, point.share))
        dots.append(xy(index, point.share))
    description = "Доля неудовлетворительных результатов по годам: " + "; ".join(
        f"{p.year} — {percent_text(p.share)}%" if p.share is not None else f"{p.year} — нет данных"
        for p in points
    )
    lines = format_html_join(
        "",
        '<polyline class="sparkline__line" points="{}"/>',
        ((" ".join(f"{x},{y}" for x, y in segment),) for segment in segments if len(segment) > 1),
    )
    last_x, last_y = dots[-1]
    circles = format_html_join(
        "", '<circle class="sparkline__dot" cx="{}" cy="{}" r="1.6"/>', ((x, y) for x, y in dots[:-1])
    )
    baseline = SPARK_HEIGHT - SPARK_PAD
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{d}">'
        "<title>{d}</title>"
        '<line class="sparkline__base" x1="{p}" y1="{b}" x2="{r}" y2="{b}"/>'
        "{lines}{circles}"
        '<circle class="sparkline__last" cx="{lx}" cy="{ly}" r="2.4"/>'
        "</svg>",
        w=SPARK_WIDTH,
        h=SPARK_HEIGHT,
        d=description,
        p=SPARK_PAD,
        r=SPARK_WIDTH - SPARK_PAD,
        b=baseline,
        lines=lines,
        circles=circles,
        lx=last_x,
        ly=last_y,
    )


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when missing)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
