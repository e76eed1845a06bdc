"""PDF rendering with reportlab, embedding a CJK TrueType font.

The font is WenQuanYi Zen Hei (`fonts-wqy-zenhei`, installed by the project's
`scripts/dev`), subfont 0 of its collection; reportlab embeds the glyphs
used, so the PDF reads the same anywhere. Without the font the renderer
refuses (`FontMissing`) rather than print boxes.

Pages are A4 landscape; the audit pack has a cover page, contents and one
PDF bookmark per report.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reports.document import Document
from reports.document import Table as ReportTable
from reports.errors import FontMissing
from reports.labels import label
from reports.render_html import format_cell

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_NAME = "WenQuanYiZenHei"
_LONG_TEXT = 18


def register_font(path: Path = FONT_PATH) -> str:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    if not path.is_file():
        raise FontMissing(
            f"the CJK font {path} is missing: install fonts-wqy-zenhei (bash scripts/dev setup)"
        )
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


class _Bookmark(Flowable):
    """An invisible flowable that adds a PDF outline entry where it lands."""

    def __init__(self, key: str, title: str) -> None:
        super().__init__()
        self.key, self.title = key, title

    def wrap(self, *_: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=20, leading=26, spaceAfter=8),
        "cover": ParagraphStyle(
            "cover",
            fontName=font,
            fontSize=26,
            leading=34,
            alignment=1,
            spaceBefore=120,
            spaceAfter=24,
        ),
        "meta": ParagraphStyle("meta", fontName=font, fontSize=10, leading=14, alignment=0),
        "h2": ParagraphStyle(
            "h2",
            fontName=font,
            fontSize=15,
            leading=20,
            spaceBefore=6,
            spaceAfter=6,
            textColor=colors.HexColor("#1f4e79"),
        ),
        "h3": ParagraphStyle(
            "h3", fontName=font, fontSize=11, leading=15, spaceBefore=6, spaceAfter=3
        ),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=7, leading=9),
        "note": ParagraphStyle(
            "note", fontName=font, fontSize=8, leading=11, textColor=colors.grey
        ),
    }


def _table(table: ReportTable, font: str, styles: dict[str, ParagraphStyle], width: float) -> Table:
    weights = [1.0 if c.kind != "text" else 1.4 for c in table.columns]
    for i, column in enumerate(table.columns):
        longest = max((len(str(r.cells[i] or "")) for r in table.rows), default=0)
        if column.kind == "text" and longest > 30:
            weights[i] = 3.0
    scale = width / sum(weights)
    header = [Paragraph(escape(c.label), styles["cell"]) for c in table.columns]
    body: list[list[object]] = [header]
    commands: list[tuple[object, ...]] = [
        ("FONT", (0, 0), (-1, -1), font, 7),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for r, row in enumerate(table.rows, start=1):
        cells: list[object] = []
        for column, value in zip(table.columns, row.cells, strict=True):
            text = format_cell(value, column.kind)
            long = column.kind == "text" and len(text) > _LONG_TEXT
            cells.append(Paragraph(escape(text), styles["cell"]) if long else text)
        body.append(cells)
        if row.style in ("total", "subtotal", "heading"):
            commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f3f3f3")))
    for i, column in enumerate(table.columns):
        if column.kind != "text":
            commands.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    result = Table(body, colWidths=[w * scale for w in weights], repeatRows=1)
    result.setStyle(TableStyle(commands))
    return result


def render_pdf(document: Document) -> bytes:
    font = register_font()
    styles = _styles(font)
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=document.title,
        author=document.entity,
    )
    width = page[0] - 24 * mm
    t = lambda key: label(key, document.lang)  # noqa: E731
    stamp = document.generated_at.strftime("%Y-%m-%d %H:%M %Z")
    meta = (
        f"{escape(document.entity)} · {t('period')}: {document.period_start} – "
        f"{document.period_end} · {t('generated')}: {stamp}"
    )
    story: list[Flowable] = []
    if document.cover:
        story += [
            Paragraph(escape(document.title), styles["cover"]),
            Paragraph(meta, ParagraphStyle("c", parent=styles["meta"], alignment=1)),
            PageBreak(),
            Paragraph(t("contents"), styles["h2"]),
        ]
        story += [
            Paragraph(f"{i}. {escape(s.title)}", styles["meta"])
            for i, s in enumerate(document.sections, start=1)
        ]
        story.append(PageBreak())
    else:
        story += [
            Paragraph(escape(document.title), styles["title"]),
            Paragraph(meta, styles["meta"]),
            Spacer(1, 6),
        ]
    for number, section in enumerate(document.sections, start=1):
        if document.cover:
            if number > 1:
                story.append(PageBreak())
            story += [
                _Bookmark(section.key, section.title),
                Paragraph(f"{number}. {escape(section.title)}", styles["h2"]),
            ]
        for table in section.tables:
            story.append(Paragraph(escape(table.title), styles["h3"]))
            if table.rows:
                story.append(_table(table, font, styles, width))
            if table.note:
                story.append(Paragraph(escape(table.note), styles["note"]))
            story.append(Spacer(1, 6))
    doc.build(story)
    return out.getvalue()
