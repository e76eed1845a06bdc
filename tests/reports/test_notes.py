"""报表附注 and 银行存款余额调节表 of a small book, against figures worked by hand.

The book is test_recognition's 2025 (pledge P1 50,000 of which 30,000 received by
GP from D01; grant G1 of 120,000 to 长者食堂 for the project 长者助餐, tranche 1 of
40,000 paid; MF-ST01C01 donation 10,000 and interest 35; GP interest 20
stipulated restricted), with the bank statement's balance of 500,055.00 at
2025-12-31 asserted on 2026-01-01, and a subsequent event entered in February 2026.

By hand: cash 500,055 at the end; restricted net assets GP 30,020, MF 10,000,
and MF's interest of 35 unrestricted; commitments 80,000 (G1), pledges
outstanding 20,000 (P1); program costs 40,000, all DCF's, all 长者助餐; D01
contributed 30,000; the bank reconciles (difference 0).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reports.book import Period, load_text
from reports.context import ReportContext
from reports.notes import notes_section, reconciliation_section
from tests.reports.smallbook import book_text
from tests.reports.test_recognition import BOOK

D = Decimal
Y2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
EXTRA = """
2026-01-01 balance Assets:Bank:ICBC  500055.00 CNY

2026-02-10 custom "fundbook-note" "subsequent_event" "2026年2月理事会决议设立助老专项"
"""


def book() -> str:
    body = BOOK.replace('  tranches: "3"\n', '  tranches: "3"\n  project: "长者助餐"\n')
    body = body.replace(
        '"到账: 专项保障资金" ^pledge-P1\n  pledge: "P1"\n',
        '"到账: 专项保障资金" ^pledge-P1\n  pledge: "P1"\n  department: "D01"\n',
    )
    return book_text(body + EXTRA)


def tables(section) -> dict[str, list[tuple]]:
    return {t.key: [r.cells for r in t.rows] for t in section.tables}


def test_notes_by_hand() -> None:
    view = load_text(book())
    assert view.errors == ()
    notes = tables(notes_section(ReportContext(view, Y2025)))
    assert notes["note_cash"][0][2:] == (D("0.00"), D("500055.00"))
    restricted = {row[0]: row[2:] for row in notes["note_restricted"]}
    assert restricted["GP"] == (D("0.00"), D("0.00"), D("30020.00"), D("0.00"), D("0.00"))
    assert restricted["MF-ST01C01"] == (D("0.00"), D("0.00"), D("10000.00"), D("0.00"), D("35.00"))
    assert notes["note_commitments"][0] == (
        "G1",
        "长者食堂",
        "DCF",
        "2025-04-01",
        D("120000.00"),
        D("40000.00"),
        D("0.00"),
        D("80000.00"),
    )
    assert notes["note_pledges"] == [
        ("P1", "区民政局", "GP", "2025-01-05", D("50000.00"), D("30000.00"), D("20000.00"))
    ]
    assert notes["note_program_by_fund"][0] == ("DCF", "区级社区发展基金", D("40000.00"))
    assert notes["note_program_by_project"][0] == ("长者助餐", D("40000.00"))
    related = {row[0]: row[3] for row in notes["note_related"]}
    assert related["D01"] == D("30000.00") and related["D02"] == D("0.00")
    assert notes["note_subsequent"] == [("2026-02-10", "2026年2月理事会决议设立助老专项")]
    policies = [row[0] for row in notes["note_basis"]]
    assert policies[:4] == ["捐赠承诺", "资助费用", "政府购买服务", "限定性基金的利息"]


def test_bank_reconciliation_by_hand() -> None:
    view = load_text(book())
    section = reconciliation_section(ReportContext(view, Y2025))
    (table,) = section.tables
    assert [r.cells for r in table.rows] == [
        ("账面余额", "2025-12-31", D("500055.00")),
        ("银行对账单余额", "2025-12-31", D("500055.00")),
        ("差额（对账单减账面）", "", D("0.00")),
    ]
    assert table.note == "调节相符。"
    late = reconciliation_section(ReportContext(load_text(book_text(BOOK)), Y2025)).tables[0]
    assert late.note.startswith("账簿中没有")
