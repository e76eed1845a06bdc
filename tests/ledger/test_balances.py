"""FundBalances: balances kept current from appends and edits equal a full load of the book."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal
from pathlib import Path

from ledger.balances import FundBalances, full_balances
from ledger.writer import Writer
from tests.ledger.balances_book import (
    append_in_another_process,
    donation,
    make_home,
    spending,
)

D = datetime.date


def test_load_equals_a_full_load(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    tracker = FundBalances.load(layout)
    expected = {"MF-ST01C01": Decimal("500.00"), "GP": Decimal("2000.00"), "FDN": Decimal("12.34")}
    assert tracker.balances() == expected == full_balances(layout)
    assert tracker.balance("MF-ST01C02") == 0


def test_appends_by_another_process_are_read_incrementally(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    Writer(layout).append([donation("W1", "MF-ST01C02", "40.00", D(2026, 1, 5))])
    tracker = FundBalances.load(layout)
    assert tracker.balance("MF-ST01C02") == Decimal("40.00")
    append_in_another_process(
        layout,
        [("P1", "MF-ST01C02", "10.00", "2026-02-01"), ("P2", "MF-ST01C01", "5.50", "2026-02-02")],
    )
    report = tracker.refresh()
    assert (report.appended, report.reparsed, report.reloaded) == (2, (), False)
    assert tracker.balance("MF-ST01C02") == Decimal("50.00")
    assert tracker.balances() == full_balances(layout)
    assert tracker.refresh().appended == 0  # nothing new: nothing parsed


def test_a_block_still_being_written_waits_for_its_end(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    Writer(layout).append([donation("W1", "MF-ST01C02", "40.00", D(2026, 1, 5))])
    tracker = FundBalances.load(layout)
    journal = layout.journal_for_year(2026)
    block = journal.read_bytes().split(b"\n\n")[-2] + b"\n\n"
    block = block.replace(b'"W1"', b'"W2"').replace(b"40.00", b"60.00")
    with journal.open("ab") as stream:
        stream.write(block[:-20])
    assert tracker.refresh().appended == 0
    assert tracker.balance("MF-ST01C02") == Decimal("40.00")
    with journal.open("ab") as stream:
        stream.write(block[-20:])
    assert tracker.refresh().appended == 1
    assert tracker.balance("MF-ST01C02") == Decimal("100.00")


def test_an_edit_of_manual_beancount_is_parsed_alone(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    tracker = FundBalances.load(layout)
    text = layout.manual.read_text(encoding="utf-8")
    layout.manual.write_text(text.replace("12.34", "98.76"), encoding="utf-8")  # same size
    report = tracker.refresh()
    assert report.reparsed == (str(layout.manual),)
    assert tracker.balance("FDN") == Decimal("98.76")
    layout.manual.write_text(
        text
        + """
2025-07-01 * "会计" "手工录入: 付款"
  Expenses:Admin:FDN                             50.00 CNY
  Assets:Bank:ICBC:FDN                          -50.00 CNY
""",
        encoding="utf-8",
    )
    tracker.refresh()
    assert tracker.balance("FDN") == Decimal("-37.66")
    assert tracker.balances() == full_balances(layout)


def test_a_new_year_journal_and_a_new_history_file_are_included(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    writer = Writer(layout)
    writer.append([donation("W1", "MF-ST01C02", "40.00", D(2026, 1, 5))])
    tracker = FundBalances.load(layout)
    writer.append([donation("W2", "MF-ST01C02", "7.00", D(2027, 1, 5))])
    report = tracker.refresh()
    assert report.added == (str(layout.journal_for_year(2027)),)
    assert tracker.balance("MF-ST01C02") == Decimal("47.00")
    (layout.history_dir / "2024.beancount").write_text(
        """
2024-03-01 * "捐赠"
  Assets:Bank:ICBC:DCF                          300.00 CNY
  Income:Donation:Unrestricted:DCF             -300.00 CNY
""",
        encoding="utf-8",
    )
    with layout.main.open("a", encoding="utf-8") as stream:
        stream.write('include "history/2024.beancount"\n')
    report = tracker.refresh()
    assert report.reparsed == (str(layout.main),)
    assert report.added == (str(layout.history_dir / "2024.beancount"),)
    assert tracker.balance("DCF") == Decimal("300.00")
    assert tracker.balances() == full_balances(layout)
    main = layout.main.read_text(encoding="utf-8")
    layout.main.write_text(main.replace('include "history/2025.beancount"\n', ""), "utf-8")
    report = tracker.refresh()
    assert report.removed == (str(layout.history_dir / "2025.beancount"),)
    assert tracker.balances() == full_balances(layout)
    assert tracker.balance("GP") == 0


def test_postings_without_amount_interpolate_or_fall_back_to_a_full_load(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    tracker = FundBalances.load(layout)
    with layout.manual.open("a", encoding="utf-8") as stream:
        stream.write("""
2025-08-01 * "会计" "付款, 金额自动"
  Expenses:Admin:FDN                              2.34 CNY
  Assets:Bank:ICBC:FDN
""")
    report = tracker.refresh()
    assert not report.reloaded and tracker.balance("FDN") == Decimal("10.00")
    with layout.manual.open("a", encoding="utf-8") as stream:
        stream.write("""
2025-08-02 * "会计" "精度不同: 由 Beancount 记账"
  Expenses:Admin:FDN                              1.5 CNY
  Expenses:Program:FDN                            0.25 CNY
  Assets:Bank:ICBC:FDN
""")
    report = tracker.refresh()
    assert report.reloaded
    assert tracker.balances() == full_balances(layout)


def test_apply_counts_each_written_entry_once(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    writer = Writer(layout)
    tracker = FundBalances.load(layout)
    first = [spending("S1", "MF-ST01C01", "100.00", D(2026, 3, 1))]
    writer.append(first)
    tracker.apply(first)  # before the refresh sees it
    assert tracker.balance("MF-ST01C01") == Decimal("400.00")
    tracker.refresh()
    tracker.apply(first)  # again, after: still once
    assert tracker.balance("MF-ST01C01") == Decimal("400.00")
    second = [spending("S2", "MF-ST01C01", "1.00", D(2026, 3, 2))]
    writer.append(second)
    tracker.refresh()
    tracker.apply(second)  # refresh saw it first
    assert tracker.balance("MF-ST01C01") == Decimal("399.00")
    assert tracker.balances() == full_balances(layout)


def test_a_rewritten_journal_is_read_again_whole(tmp_path: Path) -> None:
    layout = make_home(tmp_path / "home")
    Writer(layout).append(
        [
            donation("W1", "MF-ST01C02", "40.00", D(2026, 1, 5)),
            donation("W2", "MF-ST01C02", "2.00", D(2026, 1, 6)),
        ]
    )
    tracker = FundBalances.load(layout)
    journal = layout.journal_for_year(2026)
    text = journal.read_text(encoding="utf-8")
    replacement = journal.with_suffix(".new")
    replacement.write_text(text.replace("40.00", "45.00") + "\n", encoding="utf-8")
    os.replace(replacement, journal)  # a foreign hand: new inode
    tracker.refresh()
    assert tracker.balance("MF-ST01C02") == Decimal("47.00")
    assert tracker.balances() == full_balances(layout)
