"""The public payments follow the book without a load: appends, edits and new files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from api.service.public_book import PublicPayments
from ledger import loading
from ledger.balances import FundBalances
from ledger.layout import Layout

BOOK = """\
option "operating_currency" "CNY"
2026-01-01 open Assets:Bank:ICBC:MF-A CNY
2026-01-01 open Liabilities:Payable:MF-A CNY
2026-01-01 open Income:Donation:Restricted:MF-A CNY
2026-01-01 open Expenses:Program:MF-A CNY
2026-01-02 * "捐赠人" "捐赠"
  Assets:Bank:ICBC:MF-A  1000.00 CNY
  Income:Donation:Restricted:MF-A
include "manual.beancount"
"""


def payment(day: int, amount: str) -> str:
    return (
        f'\n2026-02-{day:02d} * "玉林社区老年协会" "支付: 敬老活动"\n'
        f"  Expenses:Program:MF-A  {amount} CNY\n"
        f"  Assets:Bank:ICBC:MF-A  -{amount} CNY\n"
    )


def test_payments_follow_edits_of_the_book_without_loading_it(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    layout.book_dir.mkdir()
    layout.main.write_text(BOOK + payment(1, "100.00"), encoding="utf-8")
    manual = layout.book_dir / "manual.beancount"
    manual.write_text("", encoding="utf-8")
    followed = PublicPayments()
    balances = FundBalances.load(layout, follow=followed.follow)
    loads = loading.loads()
    assert [p.amount for p in followed.payments()] == [Decimal("100.00")]
    assert {p.payee for p in followed.payments()} == {"玉林社区老年协会"}
    # a donation is no payment; a payment of 250.00 entered in Fava is
    manual.write_text(payment(2, "250.00"), encoding="utf-8")
    balances.refresh()
    assert sorted(p.amount for p in followed.payments()) == [Decimal("100.00"), Decimal("250.00")]
    # the entry is corrected to 200.00: the file's payments are replaced, not added
    manual.write_text(payment(2, "200.00") + "\n", encoding="utf-8")
    balances.refresh()
    assert sorted(p.amount for p in followed.payments()) == [Decimal("100.00"), Decimal("200.00")]
    manual.write_text("", encoding="utf-8")
    balances.refresh()
    assert [p.amount for p in followed.payments()] == [Decimal("100.00")]
    assert loading.loads() == loads, "no load after the first"


def test_a_payment_entered_with_its_bank_amount_elided_is_a_payment(tmp_path: Path) -> None:
    """Fava users leave the last posting's amount out; the payment is still 80.00 out of MF-A."""
    layout = Layout(tmp_path)
    layout.book_dir.mkdir()
    layout.main.write_text(BOOK, encoding="utf-8")
    (layout.book_dir / "manual.beancount").write_text(
        '\n2026-02-03 * "玉林社区老年协会" "支付: 重阳节慰问"\n'
        "  Expenses:Program:MF-A  80.00 CNY\n"
        "  Assets:Bank:ICBC:MF-A\n",
        encoding="utf-8",
    )
    followed = PublicPayments()
    FundBalances.load(layout, follow=followed.follow)
    assert [(p.fund, p.amount) for p in followed.payments()] == [("MF-A", Decimal("80.00"))]
