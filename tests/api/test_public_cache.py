"""The public payments cache: a changed book is reloaded at most once per interval."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from api.service.public import BookCache

BOOK = """\
option "operating_currency" "CNY"
2026-01-01 open Assets:Bank:ICBC:MF-A CNY
2026-01-01 open Liabilities:Payable:MF-A CNY
2026-01-01 open Income:Donation:Restricted:MF-A CNY
2026-01-01 open Expenses:Program:MF-A CNY
2026-01-02 * "捐赠人" "捐赠"
  Assets:Bank:ICBC:MF-A  1000.00 CNY
  Income:Donation:Restricted:MF-A
"""


def payment(day: int, amount: str) -> str:
    return (
        f'2026-02-{day:02d} * "玉林社区老年协会" "支付: 敬老活动"\n'
        f"  Expenses:Program:MF-A  {amount} CNY\n"
        f"  Assets:Bank:ICBC:MF-A  -{amount} CNY\n"
    )


def test_a_changed_book_is_reloaded_at_most_once_per_interval(tmp_path: Path) -> None:
    main = tmp_path / "book" / "main.beancount"
    main.parent.mkdir()
    main.write_text(BOOK + payment(1, "100.00"), encoding="utf-8")
    cache = BookCache(main, min_interval=3600.0)
    assert [p.amount for p in cache.payments()] == [Decimal("100.00")]
    with main.open("a", encoding="utf-8") as stream:
        stream.write(payment(2, "250.00"))
    assert [p.amount for p in cache.payments()] == [Decimal("100.00")], "within the interval"
    cache.min_interval = 0.0
    assert [p.amount for p in cache.payments()] == [Decimal("100.00"), Decimal("250.00")]
    assert {p.payee for p in cache.payments()} == {"玉林社区老年协会"}
