"""Chained transactions as the writer writes them, for hash-chain tests."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from ledger.chain import GENESIS, entry_hash


def chained_payments(fund: str, amounts: list[str], start: datetime.date) -> list[data.Transaction]:
    """One donation-funded payment per amount, chained by fb_seq/fb_prev/fb_hash from GENESIS."""
    entries = []
    previous = GENESIS
    for seq, amount in enumerate(amounts, start=1):
        number = Decimal(amount)
        meta = {
            "fb_id": f"R{seq:06d}-payment",
            "fund": fund,
            "fb_seq": str(seq),
            "fb_prev": previous,
        }
        postings = [
            data.Posting(f"Expenses:Program:{fund}", Amount(number, "CNY"), None, None, None, None),
            data.Posting(
                f"Assets:Bank:ICBC:{fund}", Amount(-number, "CNY"), None, None, None, None
            ),
        ]
        entry = data.Transaction(
            meta,
            start + datetime.timedelta(days=seq),
            "*",
            "社区老年协会",
            f"支付 {seq}",
            frozenset(),
            frozenset({f"req-R{seq:06d}"}),
            postings,
        )
        meta["fb_hash"] = previous = entry_hash(entry, previous)
        entries.append(entry)
    return entries
