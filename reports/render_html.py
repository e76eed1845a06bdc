"""HTML rendering: one self-contained page (inline CSS and SVG charts), via Jinja2."""

from __future__ import annotations

from decimal import Decimal

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reports.charts import svg
from reports.document import Cell, Document
from reports.labels import label


def format_cell(value: Cell, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if value == 0:
            value = abs(value)  # never "-0.00"
        if kind == "percent":
            return f"{value * 100:.2f}%"
        return f"{value:,.2f}"
    return str(value)


def render_html(document: Document) -> bytes:
    env = Environment(
        loader=PackageLoader("reports", "templates"), autoescape=select_autoescape(["html"])
    )
    env.filters["cell"] = format_cell
    env.filters["svg"] = lambda chart: Markup(svg(chart, document.lang))  # noqa: S704 - svg() escapes text
    template = env.get_template("report.html")
    text = template.render(doc=document, t=lambda key: label(key, document.lang))
    return text.encode("utf-8")
