"""Sealing closed years: sealed books that check alone, a live book that opens from them.

The small district books 2024 and 2025 by hand as an accountant would (with
their closes), and Fundbook's writer chains a 2025 payment, a 2026 payment
and then the 2025 close of the micro-fund, so the chain runs across years:

    fb_seq 1  2025-11-02  MF-ST01C01 pays 100.00         (2025)
    fb_seq 2  2026-01-05  MF-ST01C01 pays  50.00         (2026, live)
    fb_seq 3  2025-12-31  close of MF-ST01C01, 2025      (2025)
    fb_seq 4  2025-12-31  release of MF-ST01C01, 2025    (2025)

Worked by hand, MF-ST01C01: 2024 receives 1,000.00 and spends 300.00, so it
ends 2024 with 700.00 in the bank and 700.00 restricted net assets; 2025
spends 100.00: 600.00 and 600.00. MF-ST01C02 receives 500.00 in 2025: 500.00
and 500.00. The live book opens 2026 from exactly these two 期初余额 entries.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import data

from fundbook_cli.main import main
from ledger import entries as builders
from ledger import sealed_books
from ledger.check import check_book, load_book
from ledger.layout import Layout
from ledger.seal import SealRefused, seal_year
from ledger.seals import is_opening, seals_of
from ledger.writer import Writer
from reports.book import load_book as load_report_book
from tests.plugins.book import ICBC, small_registry, write_home

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime.date(2026, 6, 1)

H2024 = """
2024-03-01 * "居民捐赠" "玉林社区微基金捐款"
  fb_id: "H2024-1"
  Assets:Bank:ICBC:MF-ST01C01                  1000.00 CNY
  Income:Donation:Restricted:MF-ST01C01       -1000.00 CNY

2024-06-01 * "玉林社区" "重阳节活动"
  fb_id: "H2024-2"
  Expenses:Program:MF-ST01C01                   300.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                  -300.00 CNY

2024-12-31 * "2024年度结账: 玉林社区微基金" #close
  fb_id: "H2024-close"
  Income:Donation:Restricted:MF-ST01C01        1000.00 CNY
  Expenses:Program:MF-ST01C01                  -300.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01      -1000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01      300.00 CNY

2024-12-31 * "2024年度限定性净资产解除: 玉林社区微基金" #release
  fb_id: "H2024-release"
  Equity:NetAssets:Restricted:MF-ST01C01        300.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01     -300.00 CNY
"""

H2025 = """
2025-01-01 balance Assets:Bank:ICBC                700.00 CNY

2025-02-01 * "居民捐赠" "芳草社区微基金捐款"
  fb_id: "H2025-1"
  Assets:Bank:ICBC:MF-ST01C02                   500.00 CNY
  Income:Donation:Restricted:MF-ST01C02        -500.00 CNY

2025-12-31 * "2025年度结账: 芳草社区微基金"
  fb_id: "H2025-close"
  Income:Donation:Restricted:MF-ST01C02         500.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C02       -500.00 CNY

2026-01-01 balance Assets:Bank:ICBC               1100.00 CNY
"""


def _pay(fb_id: str, day: datetime.date, amount: str) -> object:
    return builders.expense(
        fb_id=fb_id,
        date=day,
        fund=small_registry().fund("MF-ST01C01"),
        amount=Decimal(amount),
        payee="社区老年协会",
        bank=ICBC,
        narration=f"支付 {fb_id}",
    )


def district(home: Path, *, close_2025: bool = True) -> Path:
    write_home(home, history={2024: H2024, 2025: H2025})
    writer = Writer(Layout(home))
    writer.append([_pay("P1", datetime.date(2025, 11, 2), "100.00")])  # type: ignore[list-item]
    writer.append([_pay("P2", datetime.date(2026, 1, 5), "50.00")])  # type: ignore[list-item]
    if close_2025:
        fund = small_registry().fund("MF-ST01C01")
        close = builders.year_end_close(
            fb_id="CLOSE-2025-MF-ST01C01",
            date=datetime.date(2025, 12, 31),
            fund=fund,
            balances={"Expenses:Admin:MF-ST01C01": Decimal("100.00")},
        )
        writer.append(close)
    return home


def sealed_district(home: Path) -> Path:
    district(home)
    seal_year(home, 2024, today=TODAY)
    seal_year(home, 2025, today=TODAY)
    return home


def _bean_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "bean-check"), "--no-cache", str(path)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_live_book_opens_2026_from_the_balances_worked_by_hand(tmp_path: Path) -> None:
    home = sealed_district(tmp_path / "home")
    layout = Layout(home)
    entries, errors, _ = load_book(layout)
    assert errors == []
    openings = sorted(
        (entry.meta["fund"], sorted((p.account, p.units.number) for p in entry.postings))
        for entry in entries
        if is_opening(entry)
    )
    assert openings == [
        (
            "MF-ST01C01",
            [
                ("Assets:Bank:ICBC:MF-ST01C01", Decimal("600.00")),
                ("Equity:NetAssets:Restricted:MF-ST01C01", Decimal("-600.00")),
            ],
        ),
        (
            "MF-ST01C02",
            [
                ("Assets:Bank:ICBC:MF-ST01C02", Decimal("500.00")),
                ("Equity:NetAssets:Restricted:MF-ST01C02", Decimal("-500.00")),
            ],
        ),
    ]
    # The year-end statement balance (asserted for 2026-01-01, so sealed with
    # 2025) is asserted again on the morning of 2 January in the live book.
    carried = [(e.date, e.account, e.amount.number) for e in entries if isinstance(e, data.Balance)]
    assert carried == [(datetime.date(2026, 1, 2), "Assets:Bank:ICBC", Decimal("1100.00"))]
    seals = seals_of(entries)
    assert [seal.year for seal in seals] == [2024, 2025]
    assert seals[1].prev_seal == seals[0].seal
    assert {entry.meta["fb_seal"] for entry in entries if is_opening(entry)} == {seals[1].seal}
    # Only 2026 is left, with its one payment (fb_seq 2) of the writer.
    dated = {entry.date.year for entry in entries if hasattr(entry, "postings")}
    assert dated == {2026}
    assert "history/" not in layout.main.read_text(encoding="utf-8")
    assert not layout.journal_for_year(2025).exists()


def test_plain_bean_check_accepts_the_live_book_and_each_sealed_year(tmp_path: Path) -> None:
    home = sealed_district(tmp_path / "home")
    layout = Layout(home)
    for path in (layout.main, layout.sealed_main(2024), layout.sealed_main(2025)):
        result = _bean_check(path)
        assert (result.returncode, result.stdout + result.stderr) == (0, ""), path


def test_the_hash_chain_continues_across_the_split(tmp_path: Path) -> None:
    home = sealed_district(tmp_path / "home")
    layout = Layout(home)
    sealed_2025 = layout.sealed_main(2025).read_text(encoding="utf-8")
    assert sealed_2025.count('fb_seq: "') == 3  # 1, 3 and 4
    # The writer goes on from the head the seal recorded: fb_seq 5.
    (written,) = Writer(layout).append([_pay("P5", datetime.date(2026, 2, 1), "10.00")])  # type: ignore[list-item]
    assert written.seq == 5
    assert check_book(layout, sealed=True).problems == []


def test_check_all_passes_and_an_edited_sealed_year_fails_naming_year_and_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = sealed_district(tmp_path / "home")
    assert main(["check", str(home), "--all"]) == 0
    assert "every sealed year" in capsys.readouterr().out
    path = Layout(home).sealed_main(2024)
    text = path.read_text(encoding="utf-8")
    # The donation of 2024 edited by hand, still balancing: only the seal can tell.
    edited = text.replace("1000.00 CNY", "1001.00 CNY", 2).replace(
        "-1000.00 CNY", "-1001.00 CNY", 1
    )
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    assert main(["check", str(home)]) == 0  # the live book alone is untouched
    capsys.readouterr()
    assert main(["check", str(home), "--all"]) == 1
    output = capsys.readouterr()
    lines = output.out.splitlines()
    changed = [line for line in lines if "entry changed after sealing" in line]
    assert changed and all(line.startswith("years/2024/main.beancount:") for line in changed)
    assert any("sealed year 2024" in line and "(fb_id H2024-1)" in line for line in changed)


def test_closed_years_are_read_once_per_seal_then_from_the_cache(tmp_path: Path) -> None:
    home = sealed_district(tmp_path / "home")
    seals = seals_of(load_book(Layout(home))[0])
    sealed_books.forget()
    before = {seal.seal: sealed_books.LOADS[seal.seal] for seal in seals}
    view = load_report_book(home, years=(2023, 2026))
    assert {seal.seal: sealed_books.LOADS[seal.seal] - before[seal.seal] for seal in seals} == {
        seals[0].seal: 1,
        seals[1].seal: 1,
    }
    # Figures worked by hand, from one view over 2024-2026: 2024's donation and
    # 2025's, and the balances each year ended with.
    income_2024 = view.balances(
        start=datetime.date(2024, 1, 1), end=datetime.date(2024, 12, 31), fund=None, closes=False
    )
    assert income_2024["Income:Donation:Restricted:MF-ST01C01"] == Decimal("-1000.00")
    end_2025 = view.balances(end=datetime.date(2025, 12, 31), fund="MF-ST01C01")
    assert end_2025["Assets:Bank:ICBC:MF-ST01C01"] == Decimal("600.00")
    end_2026 = view.balances(end=datetime.date(2026, 12, 31), fund="MF-ST01C01")
    assert end_2026["Assets:Bank:ICBC:MF-ST01C01"] == Decimal("550.00")
    # Another process (memory forgotten) is served from HOME/cache: no load.
    sealed_books.forget()
    load_report_book(home, years=(2023, 2026))
    assert {seal.seal: sealed_books.LOADS[seal.seal] - before[seal.seal] for seal in seals} == {
        seals[0].seal: 1,
        seals[1].seal: 1,
    }
    assert len(list((home / "cache").glob("sealed-*.pickle"))) == 2


def test_sealing_refuses_an_unfinished_an_unclosed_or_an_out_of_order_year(
    tmp_path: Path,
) -> None:
    home = district(tmp_path / "home", close_2025=False)
    with pytest.raises(SealRefused, match="2024 is not sealed yet"):
        seal_year(home, 2025, today=TODAY)
    with pytest.raises(SealRefused, match="has not ended"):
        seal_year(home, 2026, today=TODAY)
    seal_year(home, 2024, today=TODAY)
    with pytest.raises(SealRefused) as refused:
        seal_year(home, 2025, today=TODAY)
    (reason,) = refused.value.reasons
    assert "the year 2025 is not closed" in reason
    assert "Expenses:Admin:MF-ST01C01 100.00" in reason
    assert not Layout(home).sealed_main(2025).exists()


def test_fundbook_seal_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = district(tmp_path / "home")
    assert main(["seal", str(home), "--year", "2024"]) == 0
    assert capsys.readouterr().out.startswith("sealed 2024: years/2024/main.beancount")
    assert main(["seal", str(home), "--year", "2024"]) == 1
    assert "the next year to seal is 2025" in capsys.readouterr().err


def test_an_entry_saved_into_a_sealed_year_fails_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = sealed_district(tmp_path / "home")
    manual = Layout(home).manual
    manual.write_text(
        manual.read_text(encoding="utf-8")
        + """
2025-07-01 * "居民捐赠" "补记的捐款"
  fb_id: "LATE-1"
  Assets:Bank:ICBC:MF-ST01C02                    20.00 CNY
  Income:Donation:Restricted:MF-ST01C02         -20.00 CNY
""",
        encoding="utf-8",
    )
    assert main(["check", str(home)]) == 1
    (line,) = [line for line in capsys.readouterr().out.splitlines() if "LATE-1" in line]
    assert line.startswith("manual.beancount:")
    assert "dated in the sealed year 2025" in line
