"""hash_chain: Fundbook-written transactions keep their hash chain."""

from __future__ import annotations

import datetime

from tests.plugins.book import load, messages, render
from tests.plugins.chained import chained_payments

PLUGIN = ["ledger.plugins.hash_chain"]
START = datetime.date(2026, 3, 1)


def chain_text() -> str:
    return render(chained_payments("MF-ST01C01", ["10.00", "20.00", "30.00"], START))


def test_accepts_the_chain_as_written() -> None:
    entries, errors = load(chain_text(), PLUGIN)
    assert errors == []
    assert sum(1 for entry in entries if "fb_seq" in (entry.meta or {})) == 3


def test_rejects_an_amount_edited_by_hand() -> None:
    text = chain_text().replace("  20.00 CNY", "  2.00 CNY").replace("-20.00 CNY", "-2.00 CNY")
    _, errors = load(text, PLUGIN)
    (message,) = messages(errors)
    assert "fb_id R000002-payment" in message
    assert "fb_hash does not match the entry" in message
    assert errors[0].entry.meta["fund"] == "MF-ST01C01"


def test_rejects_a_deleted_entry() -> None:
    blocks = chain_text().split("\n\n")
    text = "\n\n".join(block for block in blocks if "R000001-payment" not in block)
    _, errors = load(text, PLUGIN)
    (message,) = messages(errors)
    assert "fb_id R000002-payment" in message and "gap" in message


def test_ignores_entries_without_chain_metadata() -> None:
    _, errors = load(
        """
2026-03-01 * "手工录入"
  Assets:Bank:ICBC:MF-ST01C01                   100.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -100.00 CNY
""",
        PLUGIN,
    )
    assert errors == []


def test_rejects_an_entry_booked_twice_under_one_fb_id() -> None:
    # A copy of payment 2 typed into another file, without the chain's keys: money paid twice.
    copy = """
2026-03-05 * "社区老年协会" "支付 2"
  fb_id: "R000002-payment"
  fund: "MF-ST01C01"
  Expenses:Program:MF-ST01C01                    20.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                   -20.00 CNY
"""
    _, errors = load(chain_text() + copy, PLUGIN)
    (message,) = messages(errors)
    assert "fb_id R000002-payment" in message
    assert "one movement is booked twice" in message
    assert errors[0].entry.date.isoformat() == "2026-03-05"
