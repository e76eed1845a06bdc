"""Balances never come from a half-saved file: Fava saves by truncating and rewriting.

A real process rewrites `manual.beancount` in a loop the way Fava saves it
(`open(path, "w")` then `writelines`), while balances are refreshed. The file
holds 400 lines of comments, then a payment of 900.00 from the micro-fund,
which was given 1,000.00: worked by hand, its balance is 100.00, and any
prefix of the file would say 1,000.00.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

from ledger.balances import FundBalances
from ledger.layout import Layout
from tests.api.serving import ROOT, small_book

FUND = "MF-ST01C01"
PAYMENT = """
2026-02-01 * "供应商" "手工支出：活动物资"
  fund: "MF-ST01C01"
  Expenses:Program:MF-ST01C01  900.00 CNY
  Assets:Bank:ICBC:MF-ST01C01  -900.00 CNY
"""

FAVA_SAVES = textwrap.dedent(
    """
    import random, sys, time
    path, seconds = sys.argv[1], float(sys.argv[2])
    lines = open(path, encoding="utf-8").read().splitlines(keepends=True)
    rng = random.Random(7)
    end = time.monotonic() + seconds
    saves = 0
    while time.monotonic() < end:
        with open(path, "w", encoding="utf-8") as file:  # as fava.core.file saves
            file.writelines(lines)
        saves += 1
        time.sleep(rng.uniform(0, 0.06))
    print(saves)
    """
)


def manual_text() -> str:
    padding = "".join(
        f"; 手工分录说明第 {n} 行：凭证已归档，见档案盒 {n % 40}\n" for n in range(400)
    )
    return padding + PAYMENT


def test_refresh_never_counts_a_prefix_of_a_file_being_saved(tmp_path: Path) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    layout = Layout(home)
    layout.manual.write_text(manual_text(), encoding="utf-8")
    time.sleep(0.1)
    balances = FundBalances.load(layout)
    assert balances.balance(FUND) == Decimal("100.00")
    saver = subprocess.Popen(
        [sys.executable, "-c", FAVA_SAVES, str(layout.manual), "4"],
        stdout=subprocess.PIPE,
        cwd=ROOT,
    )
    seen: list[Decimal] = []
    try:
        while saver.poll() is None:
            balances.refresh()
            seen.append(balances.balance(FUND))
    finally:
        saver.kill()
        out, _ = saver.communicate()
    wrong = [value for value in seen if value != Decimal("100.00")]
    assert len(seen) > 50 and int(out or 0) > 50, (len(seen), out)
    assert wrong == [], f"{len(wrong)} of {len(seen)} refreshes saw a half-saved file: {set(wrong)}"
