"""A small book on disk for the fund-balance tracker tests, and entries to write into it."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from beancount.core import data

from ledger import entries as builders
from ledger.accounts import IncomeKind
from ledger.layout import Layout
from tests.plugins.book import ICBC, small_registry, write_home

ROOT = Path(__file__).resolve().parents[2]

HISTORY = """
2025-01-10 * "居民捐赠" "玉林社区微基金捐款"
  Assets:Bank:ICBC:MF-ST01C01                   500.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -500.00 CNY

2025-02-10 * "区民政局" "保障资金"
  Assets:Bank:ICBC:GP                          2000.00 CNY
  Income:Subsidy:Restricted:GP                -2000.00 CNY

"""

MANUAL = """
2025-06-01 * "会计" "手工录入: 利息"
  Assets:Bank:ICBC:FDN                           12.34 CNY
  Income:Investment:Unrestricted:FDN

"""


def make_home(home: Path) -> Layout:
    write_home(home, history={2025: HISTORY}, manual=MANUAL)
    return Layout(home)


def donation(fb_id: str, fund: str, amount: str, date: datetime.date) -> data.Transaction:
    return builders.contribution(
        fb_id=fb_id,
        date=date,
        fund=small_registry().fund(fund),
        amount=Decimal(amount),
        bank=ICBC,
        income=IncomeKind.DONATION,
        source="居民",
        narration=f"捐赠 {fb_id}",
    )


def spending(fb_id: str, fund: str, amount: str, date: datetime.date) -> data.Transaction:
    return builders.expense(
        fb_id=fb_id,
        date=date,
        fund=small_registry().fund(fund),
        amount=Decimal(amount),
        payee="供应商",
        bank=ICBC,
        narration=f"支出 {fb_id}",
    )


_APPEND = """
import datetime, json, sys
from pathlib import Path
from ledger.layout import Layout
from ledger.writer import Writer
from tests.ledger.balances_book import donation
home, items = sys.argv[1], json.loads(sys.argv[2])
Writer(Layout(Path(home))).append([
    donation(fb_id, fund, amount, datetime.date.fromisoformat(day))
    for fb_id, fund, amount, day in items
])
"""


def append_in_another_process(layout: Layout, items: list[tuple[str, str, str, str]]) -> None:
    """Donations (fb_id, fund, amount, ISO date) appended by the writer of another process."""
    subprocess.run(
        [sys.executable, "-c", _APPEND, str(layout.home), json.dumps(items)],
        cwd=ROOT,
        check=True,
        timeout=60,
    )
