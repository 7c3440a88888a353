"""Charts drawn on the server as inline SVG: horizontal bars and a series of stacked columns. Widths are
percentages of the chart's own width and text keeps its size, so a chart reads the same on a phone as on a
desktop. Each chart is an image with a title and a description; the page lists its numbers as well."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_ROW = 34
BAR_HEIGHT = 10
COLUMNS_HEIGHT = 140
AXIS_SPACE = 22
LABEL_CHARACTERS = 48
# Fewer columns than this keep the width of this many, from the left, so that one day is not one wide block.
MIN_COLUMN_SLOTS = 12


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Column:
    label: str
    # One value per series, stacked from the bottom in the order of the series.
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[:LABEL_CHARACTERS - 1] + "…"


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "0%"


def _open(kind: str, chart_id: str, height: int, title: str, description: str) -> str:
    return (f'<svg class="chart {kind}" id="{escape(chart_id)}" role="img" width="100%" height="{height}" '
            f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
            f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>')


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str, description: str) -> Markup:
    """Bars longest first as given, each with its label above and its value at the right."""
    largest = max((bar.value for bar in bars), default=0)
    parts = [_open("bars", chart_id, max(len(bars), 1) * BAR_ROW, title, description)]
    for index, bar in enumerate(bars):
        top = index * BAR_ROW
        parts.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{bar.value}">'
            f'<text x="0" y="{top + 13}" class="label">{escape(_short(bar.label))}</text>'
            f'<text x="100%" y="{top + 13}" text-anchor="end" class="value">{bar.value:,}</text>'
            f'<rect x="0" y="{top + 19}" width="100%" height="{BAR_HEIGHT}" rx="2" class="track"/>'
            f'<rect x="0" y="{top + 19}" width="{_percent(bar.value, largest)}" height="{BAR_HEIGHT}" rx="2" '
            f'class="fill"/></g>')
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(columns: Sequence[Column], *, chart_id: str, title: str, description: str) -> Markup:
    """Columns left to right (oldest first), stacked by series (classes series-0, series-1, …), with the largest
    total marked on a guide line and the first and last labels under the axis."""
    largest = max((column.total for column in columns), default=0)
    parts = [_open("columns", chart_id, COLUMNS_HEIGHT + AXIS_SPACE, title, description)]
    parts.append(f'<line x1="0" x2="100%" y1="{COLUMNS_HEIGHT}" y2="{COLUMNS_HEIGHT}" class="axis"/>')
    if largest:
        parts.append(f'<line x1="0" x2="100%" y1="12" y2="12" class="guide"/>'
                     f'<text x="0" y="9" class="guide-label">{largest:,}</text>')
    slots = max(len(columns), MIN_COLUMN_SLOTS)
    for index, column in enumerate(columns):
        left = _percent(index + 0.15, slots)
        width = _percent(0.7, slots)
        bottom = float(COLUMNS_HEIGHT)
        parts.append(f'<g class="column" data-label="{escape(column.label)}" data-total="{column.total}">')
        for series, value in enumerate(column.values):
            if not value:
                continue
            height = (COLUMNS_HEIGHT - 12) * value / largest
            bottom -= height
            parts.append(f'<rect x="{left}" y="{bottom:.1f}" width="{width}" height="{height:.1f}" '
                         f'class="series-{series}"/>')
        parts.append("</g>")
    if columns:
        baseline = COLUMNS_HEIGHT + AXIS_SPACE - 5
        parts.append(f'<text x="0" y="{baseline}" class="tick">{escape(columns[0].label)}</text>')
        if len(columns) > 1:
            parts.append(f'<text x="{_percent(len(columns), slots)}" y="{baseline}" text-anchor="end" '
                         f'class="tick">{escape(columns[-1].label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
