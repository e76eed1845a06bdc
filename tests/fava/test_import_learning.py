"""Bank lines that book themselves: funds and counter-accounts learned from the book's history,
and lines Fundbook already booked matched by serial number or by date and amount.

The small book (tests/fava/smallbook.py) has Fundbook's own entries of March
2026 (three donations with receipts JZ2026001-3, the payment of R000001,
800.00 on 03-06, ICBC20260306001). The history below, written by hand in
manual.beancount (after the book's 03-02 statement balance), teaches one rule per key: an account number (锦江区慈善会
pays MF-ST01C02), a counterparty (工商银行's interest goes to FDN) and a memo
(社区活动场地费 is income of MF-ST01C01).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from beancount import loader
from beancount.core import data

from bankstatements.importer import BankStatementImporter
from ledger.text import render
from tests.fava.smallbook import write_small_book
from tests.fava.statements import ICBC_NUMBER, icbc_csv, write_statement

HISTORY = """
2026-03-02 * "锦江区慈善会" "定向捐赠"
  payee_account: "6222000099990001"
  Assets:Bank:ICBC:MF-ST01C02                500.00 CNY
  Income:Donation:Restricted:MF-ST01C02     -500.00 CNY

2026-03-03 * "工商银行" "结息"
  Assets:Bank:ICBC:FDN                        12.30 CNY
  Income:Investment:Unrestricted:FDN         -12.30 CNY

2026-03-04 * "某个体户" "社区活动场地费"
  Assets:Bank:ICBC:MF-ST01C01                300.00 CNY
  Income:Service:Restricted:MF-ST01C01      -300.00 CNY

"""

ROWS = [
    # date, narration, income, expense, balance, payee, payee account, serial
    ("2026-03-01", "捐赠", "50,000.00", "", "50000.00", "爱心企业", "", "JZ2026001"),
    ("2026-03-01", "微基金捐赠", "12,000.00", "", "62000.00", "居民众筹", "", "JZ2026002"),
    ("2026-03-01", "微基金捐赠", "3,000.50", "", "65000.50", "芳草商户", "", "JZ2026003"),
    # Paid through the API; this bank prints no serial number for it.
    ("2026-03-06", "支付", "", "800.00", "64200.50", "玉林社区老年协会", "", ""),
    # Three funds, each known by another key.
    (
        "2026-03-11",
        "捐款",
        "2,000.00",
        "",
        "66200.50",
        "锦江区慈善会（新户名）",
        "6222 0000 9999 0001",
        "S1",
    ),
    ("2026-03-12", "利息", "35.20", "", "66235.70", "工商银行", "", "S2"),
    ("2026-03-13", "社区活动场地费", "450.00", "", "66685.70", "另一个体户", "", "S3"),
    # Nobody in the history: left for the accountant.
    ("2026-03-14", "其他", "9.90", "", "66695.60", "陌生单位", "", "S4"),
]


def _row_of(day: str) -> int:
    """The file row of the statement's line of `day` (three header lines, then the table)."""
    return 5 + [row[0] for row in ROWS].index(day)


def test_three_funds_assigned_the_paid_line_matched_the_book_still_loads(tmp_path: Path) -> None:
    layout = write_small_book(tmp_path / "home")
    manual = layout.manual.read_text(encoding="utf-8")
    layout.manual.write_text(HISTORY + manual, encoding="utf-8")
    existing, errors, _ = loader.load_file(str(layout.main))
    assert errors == []
    path = write_statement(layout.imports_dir / "icbc-2026-03.csv", icbc_csv(rows=ROWS), "gbk")
    importer = BankStatementImporter(key="ICBC", number=ICBC_NUMBER)

    entries = importer.extract(str(path), existing)
    transactions = {
        t.meta.get("bank_reference"): t for t in entries if isinstance(t, data.Transaction)
    }
    # Matched, not proposed again: the three receipts and the payment without a serial number.
    assert sorted(transactions) == ["S1", "S2", "S3", "S4"]

    def booked(reference: str) -> tuple[str, list[tuple[str, Decimal]]]:
        entry = transactions[reference]
        return entry.flag, [(p.account, p.units.number) for p in entry.postings]

    assert booked("S1") == (
        "*",
        [
            ("Assets:Bank:ICBC:MF-ST01C02", Decimal("2000.00")),
            ("Income:Donation:Restricted:MF-ST01C02", Decimal("-2000.00")),
        ],
    )
    assert transactions["S1"].meta["assigned_from"] == "payee_account"
    assert booked("S2") == (
        "*",
        [
            ("Assets:Bank:ICBC:FDN", Decimal("35.20")),
            ("Income:Investment:Unrestricted:FDN", Decimal("-35.20")),
        ],
    )
    assert transactions["S2"].meta["assigned_from"] == "payee"
    assert booked("S3") == (
        "*",
        [
            ("Assets:Bank:ICBC:MF-ST01C01", Decimal("450.00")),
            ("Income:Service:Restricted:MF-ST01C01", Decimal("-450.00")),
        ],
    )
    assert transactions["S3"].meta["assigned_from"] == "memo"
    assert transactions["S4"].flag == "!" and transactions["S4"].meta["needs_fund"] == "TRUE"

    # The desk's reconciliation of the account shows the same, line by line.
    from fava_fundbook.server import make_app

    fava = make_app(layout.home).test_client()
    slug = urlsplit(fava.get("/").headers["Location"]).path.strip("/").split("/")[0]
    page = fava.get(f"/{slug}/extension/FundbookDesk/?bank=ICBC").get_data(as_text=True)
    status = dict(re.findall(r'<tr data-line="([^"]+)" data-status="(\w+)">', page))
    assert status == {
        "JZ2026001": "matched",
        "JZ2026002": "matched",
        "JZ2026003": "matched",
        str(_row_of("2026-03-06")): "matched",
        "S1": "suggested",
        "S2": "suggested",
        "S3": "suggested",
        "S4": "unmatched",
    }
    assert re.search(r'data-line="S1".*?data-field="fund">MF-ST01C02 ', page, re.S)
    assert "已入账 4" in page and "建议入账 3" in page and "未匹配 1" in page

    # Saved as Fava saves them (without the line left for the accountant), the
    # book loads with every plugin and no error.
    saved = [e for e in entries if not (isinstance(e, data.Transaction) and e.flag == "!")]
    saved = [e for e in saved if not isinstance(e, data.Balance)]
    layout.manual.write_text(
        "".join(
            render(
                e._replace(
                    meta={k: v for k, v in e.meta.items() if k not in ("filename", "lineno")}
                )
            )
            + "\n"
            for e in saved
        )
        + layout.manual.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    after, errors, _ = loader.load_file(str(layout.main))
    assert errors == []
    fdn = sum(
        p.units.number
        for e in after
        if isinstance(e, data.Transaction)
        for p in e.postings
        if p.account == "Assets:Bank:ICBC:FDN"
    )
    assert fdn == Decimal("50000.00") + Decimal("12.30") + Decimal("35.20")


def test_the_sealed_years_teach_too(tmp_path: Path) -> None:
    """Fava hands the importer only the live book; a sealed year's history still teaches."""
    layout = write_small_book(tmp_path / "home")
    sealed = layout.book_dir / "years" / "2025" / "main.beancount"
    sealed.parent.mkdir(parents=True)
    sealed.write_text(
        '2025-06-01 * "成都望江楼文化传媒有限公司" "企业捐赠: 芳草社区微基金"\n'
        "  Assets:Bank:ICBC:MF-ST01C02             5000.00 CNY\n"
        "  Income:Donation:Restricted:MF-ST01C02  -5000.00 CNY\n",
        encoding="utf-8",
    )
    existing, errors, _ = loader.load_file(str(layout.main))
    assert errors == []
    rows = [("2026-03-15", "企业捐赠", "6,000.00", "", "", "成都望江楼文化传媒有限公司", "", "S9")]
    path = write_statement(layout.imports_dir / "icbc-s9.csv", icbc_csv(rows=rows), "gbk")
    live_only = BankStatementImporter(key="ICBC", number=ICBC_NUMBER)
    assert [c.status for c in live_only.classify(str(path), existing)] == ["unmatched"]
    with_years = BankStatementImporter(key="ICBC", number=ICBC_NUMBER, book_dir=layout.book_dir)
    (line,) = with_years.classify(str(path), existing)
    assert line.status == "suggested" and line.assignment is not None
    assert line.assignment.bank_account == "Assets:Bank:ICBC:MF-ST01C02"
