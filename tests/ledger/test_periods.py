"""Closes and releases recognized by what they do; hand-written closes that do not close are flagged."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from fundbook_cli.main import main
from funds.registry import Registry
from ledger.periods import Movement, check_periods, classify, closed_years, released
from ledger.registry_io import read_registry
from tests.plugins.book import write_home
from tests.reports.smallbook import book_text

D = Decimal
RESTRICTED = frozenset({"MF-ST01C01"})

YEAR = """
2025-01-10 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                       5000.00 CNY
  Income:Donation:Unrestricted:FDN          -5000.00 CNY

2025-02-01 * "居民" "社区捐赠"
  Assets:Bank:ICBC:MF-ST01C01               10000.00 CNY
  Income:Donation:Restricted:MF-ST01C01    -10000.00 CNY

2025-05-01 * "文具店" "办公用品"
  Expenses:Admin:FDN                          800.00 CNY
  Assets:Bank:ICBC:FDN                       -800.00 CNY

2025-06-01 * "老年协会" "重阳节活动"
  Expenses:Program:MF-ST01C01                3000.00 CNY
  Assets:Bank:ICBC:MF-ST01C01               -3000.00 CNY
"""


def txn(text: str) -> data.Transaction:
    entries, errors, _ = loader.load_string(text, dedent=True)
    found = [e for e in entries if isinstance(e, data.Transaction)]
    assert len(found) == 1, errors
    return found[0]


def test_a_close_is_recognized_without_a_tag() -> None:
    close = txn(
        """
        2025-12-31 * "结账"
          Income:Donation:Restricted:MF-ST01C01     10000.00 CNY
          Expenses:Program:MF-ST01C01               -3000.00 CNY
          Equity:NetAssets:Restricted:MF-ST01C01    -7000.00 CNY
        """
    )
    assert classify(close) is Movement.CLOSE
    # The release inside the close: what leaves the restricted column, 10,000 - 7,000.
    assert released(close, RESTRICTED) == {"MF-ST01C01": D("3000.00")}


def test_a_release_is_a_move_between_3102_and_3101_of_one_fund() -> None:
    release = txn(
        """
        2025-06-01 * "解除限定"
          Equity:NetAssets:Restricted:MF-ST01C01     3000.00 CNY
          Equity:NetAssets:Unrestricted:MF-ST01C01  -3000.00 CNY
        """
    )
    assert classify(release) is Movement.RELEASE
    assert released(release, RESTRICTED) == {"MF-ST01C01": D("3000.00")}
    back = txn(
        """
        2025-06-01 * "冲回解除限定"
          Equity:NetAssets:Restricted:MF-ST01C01    -200.00 CNY
          Equity:NetAssets:Unrestricted:MF-ST01C01   200.00 CNY
        """
    )
    assert released(back, RESTRICTED) == {"MF-ST01C01": D("-200.00")}


@pytest.mark.parametrize(
    "text",
    [
        # money: a payment touches the bank
        """
        2025-06-01 * "支付"
          Expenses:Program:MF-ST01C01   3000.00 CNY
          Assets:Bank:ICBC:MF-ST01C01  -3000.00 CNY
        """,
        # net assets of two funds: not a release of one fund
        """
        2025-06-01 * "挪用"
          Equity:NetAssets:Restricted:MF-ST01C01     100.00 CNY
          Equity:NetAssets:Unrestricted:FDN         -100.00 CNY
        """,
        # a correction of net assets against the bank (以前年度净资产调整)
        """
        2026-03-01 * "以前年度净资产调整"
          Assets:Bank:ICBC:FDN                     -50.00 CNY
          Equity:NetAssets:Unrestricted:FDN         50.00 CNY
        """,
    ],
)
def test_ordinary_transactions_are_neither(text: str) -> None:
    assert classify(txn(text)) is None


def _check(body: str) -> list[str]:
    entries, errors, _ = loader.load_string(book_text(body))
    assert errors == []
    book, _ = read_registry(entries)
    registry: Registry = book.registry
    return [error.message for error in check_periods(entries, registry)]


def test_a_correct_close_by_hand_checks_clean() -> None:
    close = """
2025-12-31 * "2025年度结账"
  Income:Donation:Unrestricted:FDN           5000.00 CNY
  Expenses:Admin:FDN                         -800.00 CNY
  Equity:NetAssets:Unrestricted:FDN         -4200.00 CNY
  Income:Donation:Restricted:MF-ST01C01     10000.00 CNY
  Expenses:Program:MF-ST01C01               -3000.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01    -7000.00 CNY
"""
    assert _check(YEAR + close) == []
    entries, _, _ = loader.load_string(book_text(YEAR + close))
    assert closed_years(entries) == [2025]


def test_a_close_that_leaves_expenses_open_names_the_fund_and_the_entry() -> None:
    close = """
2025-12-31 * "2025年度结账"
  Income:Donation:Unrestricted:FDN           5000.00 CNY
  Equity:NetAssets:Unrestricted:FDN         -5000.00 CNY
"""
    [message] = _check(YEAR + close)
    assert message.startswith('fund FDN: the close 2025-12-31 "2025年度结账"')
    assert "Expenses:Admin:FDN 800.00 CNY" in message


def test_a_close_without_the_release_is_flagged() -> None:
    close = """
2025-12-31 * "2025年度结账"
  Income:Donation:Restricted:MF-ST01C01     10000.00 CNY
  Expenses:Program:MF-ST01C01               -3000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01   3000.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01   -10000.00 CNY
"""
    messages = _check(YEAR + close)
    assert messages == [
        "fund MF-ST01C01: restricted spending of 3,000.00 CNY is not released from 3102 "
        '''to 3101 at the close 2025-12-31 "2025年度结账"'''
    ]


def test_a_release_booked_twice_is_flagged_at_the_close() -> None:
    release = """
2025-06-01 * "解除限定"
  Equity:NetAssets:Restricted:MF-ST01C01     3000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01  -3000.00 CNY
"""
    close = """
2025-12-31 * "2025年度结账: 玉林社区微基金"
  Income:Donation:Restricted:MF-ST01C01     10000.00 CNY
  Expenses:Program:MF-ST01C01               -3000.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01    -7000.00 CNY
"""
    [message] = _check(YEAR + release + close)
    assert message.startswith(
        "fund MF-ST01C01: restricted spending of 3,000.00 CNY is released beyond its spending"
    )


def test_fundbook_check_fails_on_a_hand_written_close_that_does_not_close(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = """
2025-01-10 * "居民捐赠" "玉林社区微基金捐款"
  Assets:Bank:ICBC:MF-ST01C01                   500.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -500.00 CNY
2025-03-10 * "老年协会" "活动"
  Expenses:Program:MF-ST01C01                   200.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                  -200.00 CNY
"""
    manual = """
2025-12-31 * "2025年度结账"
  Income:Donation:Restricted:MF-ST01C01         500.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01       -500.00 CNY
"""
    home = write_home(tmp_path / "home", history={2025: history}, manual=manual)
    assert main(["check", str(home)]) == 1
    out = capsys.readouterr().out
    assert "manual.beancount:" in out
    assert "fund MF-ST01C01: the close 2025-12-31" in out
    assert "Expenses:Program:MF-ST01C01 200.00 CNY" in out


def test_an_entry_saved_in_fava_into_a_closed_year_fails_check() -> None:
    close = """
2025-12-31 * "2025年度结账"
  Income:Donation:Unrestricted:FDN           5000.00 CNY
  Expenses:Admin:FDN                         -800.00 CNY
  Equity:NetAssets:Unrestricted:FDN         -4200.00 CNY
"""
    late = """
2025-06-15 * "文具店" "补记办公用品"
  Expenses:Admin:FDN                           60.00 CNY
  Assets:Bank:ICBC:FDN                        -60.00 CNY
"""
    assert _check(YEAR + close) == []
    [message] = _check(YEAR + close + late)
    assert message.startswith("fund FDN: the close 2025-12-31")
    assert "Expenses:Admin:FDN 60.00 CNY" in message
