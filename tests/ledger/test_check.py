"""`fundbook check HOME`: hand-edited books fail with errors naming the fund and the entry."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from fundbook_cli.main import main
from ledger import entries as builders
from ledger.layout import Layout
from ledger.writer import Writer
from tests.plugins.book import ICBC, render, small_registry, write_home
from tests.plugins.chained import chained_payments

ROOT = Path(__file__).resolve().parents[2]

HISTORY = """
2025-01-10 * "居民捐赠" "玉林社区微基金捐款"
  Assets:Bank:ICBC:MF-ST01C01                   500.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -500.00 CNY
2025-01-10 * "居民捐赠" "芳草社区微基金捐款"
  Assets:Bank:ICBC:MF-ST01C02                   500.00 CNY
  Income:Donation:Restricted:MF-ST01C02        -500.00 CNY
"""


def journal() -> str:
    return render(
        chained_payments("MF-ST01C01", ["10.00", "20.00", "30.00"], datetime.date(2026, 3, 1))
    )


def clean_home(home: Path, manual: str = "") -> Path:
    return write_home(home, history={2025: HISTORY}, manual=manual, journal={2026: journal()})


def run_check(home: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["check", str(home)])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_clean_book_checks_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run_check(clean_home(tmp_path / "home"), capsys)
    assert code == 0, output
    (line,) = output.splitlines()
    assert line.startswith("ok: ") and "8 funds, no errors" in line


def test_plain_bean_check_applies_the_plugins(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bean_check = str(Path(sys.executable).parent / "bean-check")
    home = clean_home(tmp_path / "clean")
    result = subprocess.run(
        [bean_check, str(home / "book/main.beancount")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")
    broken = clean_home(tmp_path / "broken", manual=OVERDRAFT)
    result = subprocess.run(
        [bean_check, str(broken / "book/main.beancount")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "fund MF-ST01C02 is below zero at the end of 2026-05-04" in result.stdout + result.stderr


INTERFUND_HINT = "; money moves between funds only through Equity:Interfund:<fund> on both sides"
OVERDRAFT = """
2026-05-04 * "芳草社区老年协会" "重阳节活动(超支)" ^req-R000099
  fb_id: "R000099-commitment"
  fund: "MF-ST01C02"
  Expenses:Program:MF-ST01C02                   650.00 CNY
  Liabilities:Payable:MF-ST01C02               -650.00 CNY
"""


def test_an_overdrawn_fund_fails_check_in_a_real_process(tmp_path: Path) -> None:
    home = clean_home(tmp_path / "home", manual=OVERDRAFT)
    result = subprocess.run(
        [sys.executable, "-m", "fundbook_cli.main", "check", str(home)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(
        "manual.beancount:2: fund MF-ST01C02 is below zero at the end of 2026-05-04"
    )
    assert "balance -150.00 CNY" in line
    assert '"重阳节活动(超支)" (fb_id R000099-commitment)' in line
    assert "1 error in" in result.stderr


@pytest.mark.parametrize(
    ("manual", "expected"),
    [
        (
            """
2026-06-01 * "芳草社区" "用玉林社区的钱支付芳草社区活动"
  fb_id: "M1"
  Expenses:Program:MF-ST01C02                   100.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
""",
            [
                "fund MF-ST01C01 does not balance: its postings sum to -100.00 CNY in 2026-06-01 "
                '"用玉林社区的钱支付芳草社区活动" (fb_id M1)' + INTERFUND_HINT,
                "fund MF-ST01C02 does not balance: its postings sum to 100.00 CNY in 2026-06-01 "
                '"用玉林社区的钱支付芳草社区活动" (fb_id M1)' + INTERFUND_HINT,
            ],
        ),
        (
            """
2026-06-01 * "挪用玉林社区微基金" #interfund
  fb_id: "M2"
  Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
  Equity:Interfund:MF-ST01C01                   100.00 CNY
  Assets:Bank:ICBC:MF-ST01C02                   100.00 CNY
  Equity:Interfund:MF-ST01C02                  -100.00 CNY
""",
            [
                "fund MF-ST01C01 (micro, restricted) never transfers out, so its money cannot go "
                'to MF-ST01C02, in 2026-06-01 "挪用玉林社区微基金" (fb_id M2)'
            ],
        ),
        (
            """
2026-06-01 * "挪用玉林社区微基金(经净资产)"
  fb_id: "M3"
  Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01        100.00 CNY
  Assets:Bank:ICBC:MF-ST01C02                   100.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C02       -100.00 CNY
""",
            [
                "money moves from fund MF-ST01C01 to fund MF-ST01C02 outside an #interfund "
                'transaction, in 2026-06-01 "挪用玉林社区微基金(经净资产)" (fb_id M3)'
            ],
        ),
    ],
    ids=["paid-from-another-fund", "interfund-out-of-a-micro-fund", "moved-through-net-assets"],
)
def test_spending_restricted_money_of_another_fund_fails_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], manual: str, expected: list[str]
) -> None:
    code, output = run_check(clean_home(tmp_path / "home", manual=manual), capsys)
    assert code == 1
    found = [line.split(": ", 1)[1] for line in output.splitlines() if line.startswith("manual")]
    assert sorted(found) == sorted(expected)


def test_a_broken_hash_chain_fails_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = clean_home(tmp_path / "home")
    path = home / "book/fundbook/2026.beancount"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  20.00 CNY", "  2.00 CNY").replace("-20.00 CNY", "-2.00 CNY"),
        encoding="utf-8",
    )
    code, output = run_check(home, capsys)
    assert code == 1
    (line, summary) = output.splitlines()
    assert line.startswith("fundbook/2026.beancount:")
    assert "fb_id R000002-payment" in line and "fb_hash does not match" in line
    assert "[fund MF-ST01C01; entry 2026-03-03" in line
    assert summary.startswith("fundbook check: 1 error in")


def test_an_entry_of_the_writer_edited_by_hand_fails_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = write_home(tmp_path / "home", history={2025: HISTORY})
    fund = small_registry().fund("MF-ST01C02")
    Writer(Layout(home)).append(
        [
            builders.expense(
                fb_id=f"E{i}",
                date=datetime.date(2026, 4, i),
                fund=fund,
                amount=Decimal("30.00"),
                payee="供应商",
                bank=ICBC,
                narration=f"活动支出 {i}",
            )
            for i in (1, 2)
        ]
    )
    assert run_check(home, capsys)[0] == 0
    path = Layout(home).journal_for_year(2026)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"活动支出 1"', '"活动支出 1 (改)"'), encoding="utf-8")
    code, output = run_check(home, capsys)
    assert code == 1
    (line,) = [line for line in output.splitlines() if line.startswith("fundbook/2026")]
    assert "fb_id E1" in line and "fb_hash does not match" in line
    assert "fund MF-ST01C02" in line


def test_a_home_without_a_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, output = run_check(tmp_path, capsys)
    assert code == 2 and "no book at" in output


@pytest.mark.slow
def test_the_demo_district_checks_clean(
    demo_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run_check(demo_home, capsys)
    assert code == 0, output[:5000]
    assert output.startswith("ok: ")


class _Planted:
    """A pickle that creates a file when it is loaded: what a planted cache could run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def test_a_pickle_cache_in_the_book_is_ignored_and_warned_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pickle

    home = clean_home(tmp_path / "home")
    marker = tmp_path / "the-pickle-ran"
    cache = Layout(home).book_dir / ".main.beancount.picklecache"
    cache.write_bytes(pickle.dumps(_Planted(marker)))
    code, output = run_check(home, capsys)
    assert code == 0, output
    assert not marker.exists()
    assert "note: ignored .main.beancount.picklecache: a Beancount pickle cache" in output
    assert "--no-cache" in output
