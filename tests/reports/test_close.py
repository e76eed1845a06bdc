"""`fundbook close` on a year booked by hand in Fava: statements before and after equal the hand-worked figures.

The book and its figures are those of `tests.reports.test_periods` (FDN:
donation 5,000, office costs 800; MF-ST01C01: donations 10,000, spent 3,000;
net assets at 2025-12-31: 非限定性 4,200, 限定性 7,000), written to
`manual.beancount` as Fava writes it, with the bank's statement balance of
11,200 asserted on 2026-01-01.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from fundbook_cli.main import main
from ledger.chain import verify_chain
from ledger.layout import Layout
from reports.book import load_book
from tests.plugins.book import write_home
from tests.reports.test_periods import RELEASE_AT_SPENDING, YEAR, assert_hand_worked_2025

D = Decimal
ASSERTED = "\n2026-01-01 balance Assets:Bank:ICBC  11200.00 CNY\n"


@pytest.fixture(autouse=True)
def _no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUNDBOOK_DATABASE_URL", raising=False)


def _closes(home: Path) -> list[data.Transaction]:
    path = Layout(home).journal_for_year(2025)
    entries, errors, _ = loader.load_file(str(Layout(home).main))
    assert errors == []
    return [
        e
        for e in entries
        if isinstance(e, data.Transaction) and e.meta.get("filename") == str(path.resolve())
    ]


@pytest.mark.parametrize("release", ["at the close", "at the time of spending"])
def test_fundbook_close_books_what_an_accountant_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], release: str
) -> None:
    manual = YEAR + (RELEASE_AT_SPENDING if release != "at the close" else "") + ASSERTED
    home = write_home(tmp_path / "home", manual=manual)
    before = load_book(home)
    assert before.errors == ()
    assert_hand_worked_2025(before)

    assert main(["close", str(home), "--year", "2025", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert '2025-12-31 * "2025年度结账' in out and "nothing written" in out
    # The statements as they will stand: 非限定性 4,200, 限定性 7,000; 3,000 released once.
    lines = {
        line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  ")
    }
    assert lines["非限定性净资产"] == ["4,200.00"] and lines["限定性净资产"] == ["7,000.00"]
    assert lines["限定性净资产转为非限定性净资产"] == ["3,000.00", "-3,000.00", "0.00"]
    assert not Layout(home).journal_for_year(2025).exists()

    assert main(["close", str(home), "--year", "2025", "--no-seal"]) == 0
    assert "closed 2025" in capsys.readouterr().out
    after = load_book(home)
    assert after.errors == ()
    assert_hand_worked_2025(after)
    closes = _closes(home)
    assert verify_chain(closes) == []
    # By hand: FDN income 5,000 and admin 800 to 3101; MF income 10,000 to 3102
    # and program costs 3,000 to 3101, then 3,000 released 3102 -> 3101 unless
    # it was released at the time of spending.
    postings = {(p.account, p.units.number) for txn in closes for p in txn.postings}
    assert ("Equity:NetAssets:Unrestricted:FDN", D("-4200.00")) in postings
    assert ("Equity:NetAssets:Restricted:MF-ST01C01", D("-10000.00")) in postings
    releases = [t for t in closes if t.meta["fb_id"].endswith("-release")]
    assert len(releases) == (1 if release == "at the close" else 0)
    if releases:
        assert {(p.account, p.units.number) for p in releases[0].postings} == {
            ("Equity:NetAssets:Restricted:MF-ST01C01", D("3000.00")),
            ("Equity:NetAssets:Unrestricted:MF-ST01C01", D("-3000.00")),
        }
    assert main(["check", str(home)]) == 0
    capsys.readouterr()
    # Closing again books nothing; without --no-seal it seals the closed year.
    assert main(["close", str(home), "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "already closed" in out and "sealed 2025: years/2025/main.beancount" in out
    assert _closes(home) == []  # the year left the live book
    assert Layout(home).sealed_main(2025).is_file()
    assert main(["check", str(home), "--all"]) == 0
    capsys.readouterr()
    # The reports read 2025 from its sealed book: the same hand-worked figures.
    sealed = load_book(home)
    assert sealed.errors == ()
    assert_hand_worked_2025(sealed)
    assert main(["close", str(home), "--year", "2025"]) == 0
    out = capsys.readouterr().out
    assert "2025 is already closed: nothing to book" in out and "already sealed" in out
