"""Charts where a person would rather look than read, as data and as inline SVG.

`fund_balance_chart` gives month-end fund balances (per fund kind for the
whole foundation, the one fund otherwise); `spending_chart` the period's
spending by category. `svg(chart)` draws either without JavaScript, so the
HTML report is one self-contained file.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from html import escape

from reports.book import ZERO, fund_of, posting_number
from reports.context import ReportContext
from reports.document import Chart, Series
from reports.figures import month_ends

PALETTE = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
_KIND_NAMES = {
    "foundation": ("基金会", "Foundation"),
    "district": ("区级基金", "District fund"),
    "micro": ("社区微基金", "Micro-funds"),
    "guarantee_pool": ("保障资金池", "Guarantee pool"),
    "incentive_pool": ("激励资金池", "Incentive pool"),
    "allocation": ("社区分配资金", "Allocations"),
}


def spending_chart(ctx: ReportContext, items: list[tuple[str, Decimal]]) -> Chart:
    return Chart(
        "spending",
        ctx.t("spending_by_category"),
        "bar",
        tuple(name for name, _ in items),
        (Series(ctx.t("amount"), tuple(v for _, v in items)),),
    )


def fund_balance_chart(ctx: ReportContext) -> Chart:
    """Month-end balances (Assets + Liabilities) per fund kind, or of the one fund."""
    view, period = ctx.view, ctx.period
    days = month_ends(period.start, period.end)

    def group(fund: str | None) -> str:
        if ctx.fund is not None:
            return ctx.fund_name(ctx.fund)
        found = view.registry.funds.get(fund or "")
        kind = found.kind.value if found else "other"
        zh, en = _KIND_NAMES.get(kind, (kind, kind))
        return zh if ctx.lang == "zh" else en

    running: dict[str, Decimal] = defaultdict(lambda: ZERO)
    series: dict[str, list[Decimal]] = defaultdict(list)
    index = 0
    postings = list(view.postings(start=None, end=period.end, fund=ctx.fund))
    for day_number, day in enumerate(days):
        while index < len(postings) and postings[index][0].date <= day:
            posting = postings[index][1]
            if posting.account.startswith(("Assets:", "Liabilities:")):
                running[group(fund_of(posting.account))] += posting_number(posting)
            index += 1
        for name, value in running.items():
            values = series[name]
            values.extend([ZERO] * (day_number - len(values)))
            values.append(value)
    for values in series.values():
        values.extend([ZERO] * (len(days) - len(values)))
    return Chart(
        "fund_balances",
        ctx.t("fund_balances_chart"),
        "line",
        tuple(day.strftime("%Y-%m") for day in days),
        tuple(Series(name, tuple(values)) for name, values in sorted(series.items())),
    )


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    low = min([ZERO, *values])
    high = max([ZERO, *values])
    if high == low:
        high = low + 1
    return low, high


def _short(value: Decimal, lang: str = "zh") -> str:
    magnitude = abs(value)
    if lang != "zh":
        if magnitude >= 1_000_000:
            return f"{value / 1_000_000:.2f}M"
        if magnitude >= 10_000:
            return f"{value / 1_000:.0f}k"
        return f"{value:.0f}"
    if magnitude >= 100_000_000:
        return f"{value / 100_000_000:.1f}亿"
    if magnitude >= 10_000:
        return f"{value / 10_000:.1f}万"
    return f"{value:.0f}"


def svg(chart: Chart, lang: str = "zh", width: int = 760) -> str:
    if chart.kind == "bar":
        return _bars(chart, width, lang)
    return _lines(chart, width, lang)


def _text_width(text: str) -> int:
    return sum(13 if ord(c) > 0x2E80 else 7 for c in text)


def _bars(chart: Chart, width: int, lang: str) -> str:
    values = list(chart.series[0].values) if chart.series else []
    row, right = 26, 90
    left = min(max([_text_width(name) for name in chart.labels] + [60]) + 16, 380)
    height = max(row * len(values) + 20, 40)
    _, high = _scale(values)
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f"<title>{escape(chart.title)}</title>",
    ]
    for i, (name, value) in enumerate(zip(chart.labels, values, strict=True)):
        y = 10 + i * row
        bar = int(span * max(value, ZERO) / high)
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" font-size="13">'
            f"{escape(name)}</text>"
        )
        parts.append(
            f'<rect x="{left}" y="{y + 3}" width="{bar}" height="{row - 8}" '
            f'fill="{PALETTE[i % len(PALETTE)]}"/>'
        )
        parts.append(
            f'<text x="{left + bar + 6}" y="{y + 16}" font-size="12">'
            f"{escape(_short(value, lang))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _lines(chart: Chart, width: int, lang: str) -> str:
    height, left, top, bottom, legend = 320, 70, 20, 40, 170
    plot_w, plot_h = width - left - legend - 10, height - top - bottom
    every = [v for s in chart.series for v in s.values]
    low, high = _scale(every)
    n = max(len(chart.labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: Decimal) -> float:
        return top + float(plot_h * (high - v) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
        f"<title>{escape(chart.title)}</title>",
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
    ]
    for step in range(5):
        value = low + (high - low) * step / 4
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{escape(_short(value, lang))}</text>'
        )
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}" stroke="#e5e5e5"/>'
        )
    label_every = max(1, n // 8)
    for i, name in enumerate(chart.labels):
        if i % label_every == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                f'font-size="11">{escape(name)}</text>'
            )
    for k, series in enumerate(chart.series):
        colour = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(series.values))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        ly = top + 14 + k * 18
        parts.append(
            f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{left + plot_w + 30}" y="{ly}" font-size="12">{escape(series.name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
