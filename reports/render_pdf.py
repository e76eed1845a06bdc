"""PDF rendering with reportlab, embedding a CJK TrueType font.

The font is WenQuanYi Zen Hei (`fonts-wqy-zenhei`, installed by the project's
`scripts/dev`), subfont 0 of its collection; reportlab embeds the glyphs
used, so the PDF reads the same anywhere. Without the font the renderer
refuses (`FontMissing`) rather than print boxes.

Pages are A4 landscape, numbered “第 N 页 共 M 页”; the audit pack has a cover
page, contents with the page each report starts on (the document is laid out
twice, the second time with the pages the first found) and one PDF bookmark
per report. Text cells are paragraphs that wrap inside their column, money
columns have a fixed width, so no text runs over the next column. Tables
longer than `LONG_TABLE_ROWS` (registers, exception lists) are printed as a
summary naming the XLSX sheet and JSON position of the full list; shorter
ones are split into tables of at most `CHUNK_ROWS` rows. Times are in the
district's zone (`FUNDBOOK_TIMEZONE`, default Asia/Shanghai).
"""

from __future__ import annotations

import datetime
import io
import os
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from reports.book import ZERO
from reports.document import Document
from reports.document import Table as ReportTable
from reports.errors import FontMissing
from reports.labels import label
from reports.pdf_charts import chart_drawing
from reports.render_html import format_cell
from reports.render_xlsx import sheet_name

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
FONT_NAME = "WenQuanYiZenHei"
# A register or exception list longer than this is summarized in the PDF (its
# rows are in the XLSX and JSON of the same pack); other tables are split into
# tables of at most CHUNK_ROWS rows, which reportlab lays out in linear time.
LONG_TABLE_ROWS = 300
CHUNK_ROWS = 200
TIMEZONE_ENV, DEFAULT_TIMEZONE = "FUNDBOOK_TIMEZONE", "Asia/Shanghai"


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
    """An invisible flowable that adds a PDF outline entry where it lands and notes its page."""

    def __init__(self, key: str, title: str, pages: dict[str, int]) -> None:
        super().__init__()
        self.key, self.title, self.pages = key, title, pages

    def wrap(self, *_: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.bookmarkPage(self.key)
        self.canv.addOutlineEntry(self.title, self.key, level=0)
        self.pages[self.key] = self.canv.getPageNumber()


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


def _widths(table: ReportTable, width: float, font: str) -> list[float]:
    """Each column as wide as its widest cell (measured in the font); text wraps if too wide."""
    pad = 14.0  # the cell's left and right padding, and a little air
    natural: list[float] = []
    for i, column in enumerate(table.columns):
        cells = [format_cell(r.cells[i], column.kind) for r in table.rows[:LONG_TABLE_ROWS]]
        widest = max((pdfmetrics.stringWidth(c, font, 7) for c in cells), default=0.0)
        label_width = max(pdfmetrics.stringWidth(w, font, 7) for w in column.label.split() or [""])
        natural.append(min(max(widest, label_width) + pad, 90 * mm))
    total = sum(natural)
    if total <= width:
        extra = width - total
        text = [
            i for i, c in enumerate(table.columns) if c.kind == "text" and natural[i] > 40
        ] or list(range(len(natural)))
        share = sum(natural[i] for i in text) or 1.0
        return [w + (extra * w / share if i in text else 0) for i, w in enumerate(natural)]
    # Too wide: money and short columns keep their width, long text columns
    # share what is left (and wrap).
    keep = [c.kind != "text" or w <= 60 for w, c in zip(natural, table.columns, strict=True)]
    room = width - sum(w for w, k in zip(natural, keep, strict=True) if k)
    long_total = sum(w for w, k in zip(natural, keep, strict=True) if not k)
    if room < 14 * mm * keep.count(False):
        return [w * width / total for w in natural]
    return [w if k else w * room / long_total for w, k in zip(natural, keep, strict=True)]


class _LaidOutTable(Table):
    """A table that is laid out but not drawn: the first pass only needs the pages."""

    def draw(self) -> None:
        return


def _table(
    table: ReportTable,
    font: str,
    styles: dict[str, ParagraphStyle],
    width: float,
    kind: type[Table] = Table,
) -> list[Flowable]:
    """The table as flowables: every cell wraps inside its column; ≤ CHUNK_ROWS rows each."""
    widths = _widths(table, width, font)
    header = [Paragraph(escape(c.label), styles["cell"]) for c in table.columns]
    body: list[list[object]] = []
    shaded: list[int] = []
    for r, row in enumerate(table.rows):
        cells: list[object] = []
        for column, value in zip(table.columns, row.cells, strict=True):
            text = format_cell(value, column.kind)
            if column.kind == "text":
                cells.append(Paragraph(escape(text), styles["cell"]))
            else:
                cells.append(text)
        body.append(cells)
        if row.style in ("total", "subtotal", "heading"):
            shaded.append(r)
    flowables: list[Flowable] = []
    for start in range(0, max(len(body), 1), CHUNK_ROWS):
        chunk = body[start : start + CHUNK_ROWS]
        commands: list[tuple[object, ...]] = [
            ("FONT", (0, 0), (-1, -1), font, 7),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        for r in shaded:
            if start <= r < start + CHUNK_ROWS:
                row = r - start + 1
                commands.append(("BACKGROUND", (0, row), (-1, row), colors.HexColor("#f3f3f3")))
        for i, column in enumerate(table.columns):
            if column.kind != "text":
                commands.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
        result = kind([header, *chunk], colWidths=widths, repeatRows=1)
        result.setStyle(TableStyle(commands))
        flowables.append(result)
    return flowables


def _summary(
    table: ReportTable, sheet: str, position: str, styles: dict[str, ParagraphStyle], lang: str
) -> list[Flowable]:
    """A long register or exception list in the PDF: its size and totals, and where it is."""
    rows = [r for r in table.rows if r.style != "total"]
    totals = []
    for i, column in enumerate(table.columns):
        if column.kind == "money":
            amount = sum((r.cells[i] for r in rows if isinstance(r.cells[i], Decimal)), ZERO)
            totals.append(f"{column.label} {format_cell(amount, 'money')}")
    if lang == "zh":
        text = (
            f"共 {len(rows)} 行，PDF 中只列汇总"
            + (f"（{'；'.join(totals)}）" if totals else "")
            + f"。完整清单见同一审计资料包的 XLSX 工作表“{sheet}”及 JSON 的 {position}。"
        )
    else:
        text = (
            f"{len(rows)} rows; the PDF shows the summary only"
            + (f" ({'; '.join(totals)})" if totals else "")
            + f". The full list is in the same audit pack's XLSX sheet “{sheet}” and JSON {position}."
        )
    return [Paragraph(escape(text), styles["meta"])]


class _NumberedCanvas(canvas.Canvas):
    """Draws “第 N 页 共 M 页” on every page once the number of pages is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._font = kwargs.pop("font_name", FONT_NAME)
        self._lang = kwargs.pop("page_lang", "zh")
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # reportlab names it
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            number = self._pageNumber
            text = (
                f"第 {number} 页 共 {count} 页"
                if self._lang == "zh"
                else f"Page {number} of {count}"
            )
            self.setFont(self._font, 8)
            self.drawCentredString(self._pagesize[0] / 2, 6 * mm, text)
            super().showPage()
        super().save()


def _local(moment: datetime.datetime) -> datetime.datetime:
    zone = ZoneInfo(os.environ.get(TIMEZONE_ENV, DEFAULT_TIMEZONE))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(zone)


def render_pdf(document: Document) -> bytes:
    """Render twice: the first pass (tables laid out, not drawn) finds each section's page."""
    font = register_font()
    pages: dict[str, int] = {}
    _render(document, font, pages, _LaidOutTable)
    return _render(document, font, pages, Table)


def _render(document: Document, font: str, pages: dict[str, int], kind: type[Table]) -> bytes:
    styles = _styles(font)
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=document.title,
        author=document.entity,
    )
    width = page[0] - 24 * mm
    t = lambda key: label(key, document.lang)  # noqa: E731
    local = _local(document.generated_at)
    stamp = f"{local:%Y-%m-%d %H:%M} ({local.tzinfo}, UTC{local:%z})"
    meta = (
        f"{escape(document.entity)} · {t('period')}: {document.period_start} – "
        f"{document.period_end} · {t('generated')}: {escape(stamp)}"
    )
    story: list[Flowable] = []
    if document.cover:
        story += [
            Paragraph(escape(document.title), styles["cover"]),
            Paragraph(meta, ParagraphStyle("c", parent=styles["meta"], alignment=1)),
            PageBreak(),
            Paragraph(t("contents"), styles["h2"]),
        ]
        contents = [
            [
                Paragraph(f"{i}. {escape(s.title)}", styles["meta"]),
                Paragraph(str(pages.get(s.key, "")), styles["meta"]),
            ]
            for i, s in enumerate(document.sections, start=1)
        ]
        toc = Table(contents, colWidths=[width - 30 * mm, 30 * mm])
        toc.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT")]))
        story += [toc, PageBreak()]
    else:
        story += [
            Paragraph(escape(document.title), styles["title"]),
            Paragraph(meta, styles["meta"]),
            Spacer(1, 6),
        ]
    sheet_index = 0
    for number, section in enumerate(document.sections, start=1):
        if document.cover:
            if number > 1:
                story.append(PageBreak())
            story += [
                _Bookmark(section.key, section.title, pages),
                Paragraph(f"{number}. {escape(section.title)}", styles["h2"]),
            ]
        for index, table in enumerate(section.tables):
            sheet_index += 1
            story.append(Paragraph(escape(table.title), styles["h3"]))
            if table.header:
                story.append(Paragraph(_lines(table.header), styles["meta"]))
            if len(table.rows) > LONG_TABLE_ROWS:
                position = f"sections[{number - 1}].tables[{index}]"
                story += _summary(
                    table, sheet_name(sheet_index, table.title), position, styles, document.lang
                )
            elif table.rows:
                story += _table(table, font, styles, width, kind)
            if table.note:
                story.append(Paragraph(escape(table.note), styles["note"]))
            if table.footer:
                story += [Spacer(1, 4), Paragraph(_lines(table.footer), styles["meta"])]
            story.append(Spacer(1, 6))
        for chart in section.charts:
            drawing = chart_drawing(chart, font, width)
            if drawing is not None:
                story += [Paragraph(escape(chart.title), styles["h3"]), drawing, Spacer(1, 6)]
    doc.build(
        story,
        canvasmaker=lambda *a, **k: _NumberedCanvas(
            *a, font_name=font, page_lang=document.lang, **k
        ),
    )
    return out.getvalue()


def _lines(text: str) -> str:
    return "<br/>".join(escape(line) for line in text.split("\n"))
