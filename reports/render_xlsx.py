"""XLSX rendering: one sheet per table, money and ratios as numeric cells.

Money cells are numbers with the format `#,##0.00`, ratios numbers with
`0.00%`; text stays text. A sheet holds the report title, the table title,
the header row and then the rows, so the numbers read back with openpyxl
equal the JSON report's.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font

from reports.document import Document

HEADER_ROW = 3
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(index: int, title: str) -> str:
    return f"{index:02d} {_SHEET_BAD.sub(' ', title)}"[:31]


def render_xlsx(document: Document) -> bytes:
    book = Workbook()
    book.remove(book.active)
    index = 0
    for section in document.sections:
        for table in section.tables:
            index += 1
            sheet = book.create_sheet(sheet_name(index, table.title))
            sheet.cell(1, 1, f"{document.title} · {section.title}").font = Font(bold=True)
            sheet.cell(2, 1, table.title)
            sheet.cell(2, 3, f"{document.entity} {document.period_start}..{document.period_end}")
            for col, column in enumerate(table.columns, start=1):
                sheet.cell(HEADER_ROW, col, column.label).font = Font(bold=True)
                sheet.column_dimensions[sheet.cell(HEADER_ROW, col).column_letter].width = (
                    16 if column.kind != "text" else 22
                )
            for r, row in enumerate(table.rows, start=HEADER_ROW + 1):
                bold = row.style in ("total", "heading", "subtotal")
                for col, (column, value) in enumerate(
                    zip(table.columns, row.cells, strict=True), start=1
                ):
                    cell = sheet.cell(r, col, value)
                    if column.kind == "money" and value is not None:
                        cell.number_format = "#,##0.00"
                    elif column.kind == "percent" and value is not None:
                        cell.number_format = "0.00%"
                    if bold:
                        cell.font = Font(bold=True)
            if table.header:
                sheet.cell(2, 6, table.header)
            if table.note:
                sheet.cell(HEADER_ROW + len(table.rows) + 2, 1, table.note)
            if table.footer:
                sheet.cell(HEADER_ROW + len(table.rows) + 3, 1, table.footer)
    if index == 0:
        book.create_sheet("empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
