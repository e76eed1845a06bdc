"""The HTML report's charts for the PDF, drawn with reportlab's vector graphics.

`chart_drawing(chart, font, width)` gives a `Drawing` (a flowable) for a
`reports.document.Chart`: horizontal bars with their amounts, or lines over
time with a legend; None for a chart with nothing to draw.
"""

from __future__ import annotations

from decimal import Decimal

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors

from reports.document import Chart

_PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a50021")


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}"


def chart_drawing(chart: Chart, font: str, width: float) -> Drawing | None:
    if not chart.series or not chart.labels:
        return None
    if chart.kind == "bar":
        return _bars(chart, font, width)
    return _lines(chart, font, width)


def _bars(chart: Chart, font: str, width: float) -> Drawing | None:
    values = list(chart.series[0].values)
    top = max((abs(v) for v in values), default=Decimal(0))
    if top == 0:
        return None
    bar_h, gap, label_w, amount_w = 10.0, 4.0, 170.0, 80.0
    height = len(values) * (bar_h + gap) + gap
    drawing = Drawing(width, height)
    room = width - label_w - amount_w
    for i, (name, value) in enumerate(zip(chart.labels, values, strict=False)):
        y = height - (i + 1) * (bar_h + gap)
        length = float(abs(value) / top) * room
        drawing.add(String(0, y + 2, name[:28], fontName=font, fontSize=7))
        drawing.add(
            Rect(
                label_w, y, length, bar_h, fillColor=colors.HexColor(_PALETTE[0]), strokeColor=None
            )
        )
        drawing.add(String(label_w + length + 4, y + 2, _amount(value), fontName=font, fontSize=7))
    return drawing


def _lines(chart: Chart, font: str, width: float) -> Drawing | None:
    every = [v for s in chart.series for v in s.values]
    if not every:
        return None
    low, high = min(*every, Decimal(0)), max(every)
    if high == low:
        return None
    height, left, bottom, legend_h = 170.0, 70.0, 20.0, 12.0 * ((len(chart.series) + 3) // 4)
    plot_h = height - bottom - legend_h - 6
    plot_w = width - left - 10
    drawing = Drawing(width, height)
    count = max(len(chart.labels) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / count

    def y(v: Decimal) -> float:
        return bottom + plot_h * float((v - low) / (high - low))

    drawing.add(Line(left, bottom, left + plot_w, bottom, strokeColor=colors.grey))
    drawing.add(Line(left, bottom, left, bottom + plot_h, strokeColor=colors.grey))
    for value in (low, (low + high) / 2, high):
        drawing.add(String(2, y(value) - 2, _amount(value), fontName=font, fontSize=6))
    step = max(len(chart.labels) // 8, 1)
    for i in range(0, len(chart.labels), step):
        drawing.add(String(x(i) - 12, bottom - 10, chart.labels[i], fontName=font, fontSize=6))
    for n, series in enumerate(chart.series):
        color = colors.HexColor(_PALETTE[n % len(_PALETTE)])
        points: list[float] = []
        for i, value in enumerate(series.values):
            points += [x(i), y(value)]
        if len(points) >= 4:
            drawing.add(PolyLine(points, strokeColor=color, strokeWidth=1))
        lx = left + (n % 4) * (plot_w / 4)
        ly = height - 10 - 12 * (n // 4)
        drawing.add(Rect(lx, ly, 8, 6, fillColor=color, strokeColor=None))
        drawing.add(String(lx + 11, ly, series.name[:30], fontName=font, fontSize=6))
    return drawing
