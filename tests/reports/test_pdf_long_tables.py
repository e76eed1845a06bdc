"""A register longer than a few hundred rows is a summary in the PDF, in full in the XLSX.

The book: MF-ST01C01 receives 400,000 and pays 320 approved requests of 100.00
each in 2024 (32,000.00 in all). The PDF's disbursement register says 320 rows
and 32,000.00 and names the XLSX sheet and the JSON position of the full list;
that sheet holds the 320 rows; the JSON holds them too.
"""

from __future__ import annotations

import datetime
import io
import json
import subprocess
from decimal import Decimal

from openpyxl import load_workbook

from reports.book import load_text
from reports.render_xlsx import HEADER_ROW
from reports.service import build_document, render_document
from tests.reports.smallbook import book_text

COUNT = 320


def body() -> str:
    lines = [
        """
2024-01-05 * "居民" "定向捐赠"
  Assets:Bank:ICBC:MF-ST01C01            400000.00 CNY
  Income:Donation:Restricted:MF-ST01C01 -400000.00 CNY
"""
    ]
    for n in range(1, COUNT + 1):
        day = datetime.date(2024, 2, 1) + datetime.timedelta(days=n % 300)
        lines.append(
            f"""
{day.isoformat()} * "老年协会第{n}小组" "审批通过" ^req-R{n:06d}
  request: "R{n:06d}"
  approval_1_role: "community_party"
  approval_1_org: "ST01C01"
  approval_1_by: "李强"
  approval_1_at: "{day.isoformat()}T10:00:00+08:00"
  Expenses:Program:MF-ST01C01          100.00 CNY
  Liabilities:Payable:MF-ST01C01      -100.00 CNY

{day.isoformat()} * "老年协会第{n}小组" "支付" ^req-R{n:06d}
  request: "R{n:06d}"
  Liabilities:Payable:MF-ST01C01       100.00 CNY
  Assets:Bank:ICBC:MF-ST01C01         -100.00 CNY
"""
        )
    return "".join(lines)


def test_a_long_register_is_summarized_in_the_pdf_and_whole_in_the_xlsx() -> None:
    view = load_text(book_text(body()))
    assert view.errors == ()
    document = build_document(
        view=view,
        name="audit-pack",
        date_from=datetime.date(2024, 1, 1),
        date_to=datetime.date(2024, 12, 31),
    )
    (section_index, section) = next(
        (i, s) for i, s in enumerate(document.sections) if s.key == "disbursements"
    )
    register = section.tables[0]
    assert len([r for r in register.rows if r.style != "total"]) == COUNT
    pdf, _ = render_document(document, "pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")
    flat = "".join(text.split())
    assert f"共{COUNT}行" in flat and "32,000.00" in flat
    assert f"sections[{section_index}].tables[0]" in flat
    assert "老年协会第17小组" not in flat  # the rows themselves are not printed
    sheet_index = sum(len(s.tables) for s in document.sections[:section_index]) + 1
    sheet = f"{sheet_index:02d} {register.title}"
    assert "".join(sheet.split()) in flat
    xlsx, _ = render_document(document, "xlsx")
    book = load_workbook(io.BytesIO(xlsx), read_only=True)
    rows = list(book[sheet].iter_rows(min_row=HEADER_ROW + 1, values_only=True))
    payees = [r for r in rows if r and isinstance(r[3], str) and r[3].startswith("老年协会第")]
    assert len(payees) == COUNT
    report = json.loads(render_document(document, "json")[0])
    assert len(report["sections"][section_index]["tables"][0]["rows"]) == COUNT + 1
    total = sum(Decimal(str(r[5])) for r in payees)
    assert total == Decimal("32000.00")
