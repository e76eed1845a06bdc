"""fund_balance: each transaction balances fund by fund, interfund postings net to zero."""

from __future__ import annotations

from tests.plugins.book import load, messages

PLUGIN = ["ledger.plugins.fund_balance"]


def test_accepts_a_transfer_through_interfund_on_both_sides() -> None:
    _, errors = load(
        """
2026-03-01 * "保障资金划拨" #interfund
  Assets:Bank:ICBC:GP                          -100.00 CNY
  Equity:Interfund:GP                           100.00 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP                100.00 CNY
  Equity:Interfund:AL-ST01C01-GP               -100.00 CNY
""",
        PLUGIN,
    )
    assert errors == []


def test_accepts_a_single_fund_year_end_close_of_its_interfund_balance() -> None:
    _, errors = load(
        """
2026-12-31 * "2026年度结账: 玉林社区保障资金" #close
  Equity:Interfund:AL-ST01C01-GP                100.00 CNY
  Equity:NetAssets:Restricted:AL-ST01C01-GP    -100.00 CNY
""",
        PLUGIN,
    )
    assert errors == []


def test_rejects_money_moved_between_funds_without_interfund() -> None:
    _, errors = load(
        """
2026-03-01 * "直接划拨"
  fb_id: "T1"
  Assets:Bank:ICBC:GP                          -100.00 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP                100.00 CNY
""",
        PLUGIN,
    )
    found = sorted(messages(errors))
    assert len(found) == 2
    assert found[0].startswith(
        "fund AL-ST01C01-GP does not balance: its postings sum to 100.00 CNY"
    )
    assert found[1].startswith("fund GP does not balance: its postings sum to -100.00 CNY")
    assert all('2026-03-01 "直接划拨" (fb_id T1)' in message for message in found)


def test_rejects_interfund_postings_that_do_not_net_to_zero() -> None:
    _, errors = load(
        """
2026-03-01 * "单边划拨" #interfund
  Assets:Bank:ICBC:GP                          -100.00 CNY
  Equity:Interfund:GP                           100.00 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP                100.00 CNY
  Equity:NetAssets:Restricted:AL-ST01C01-GP    -100.00 CNY
""",
        PLUGIN,
    )
    (message,) = messages(errors)
    assert message.startswith("interfund postings sum to 100.00 CNY, not zero")
    assert "AL-ST01C01-GP, GP" in message and '"单边划拨"' in message


def test_a_close_tag_does_not_excuse_a_transfer_between_funds() -> None:
    _, errors = load(
        """
2026-12-31 * "假结账" #close
  Equity:Interfund:GP                           100.00 CNY
  Equity:NetAssets:Restricted:GP               -100.00 CNY
  Equity:Interfund:MF-ST01C01                   100.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01       -100.00 CNY
""",
        PLUGIN,
    )
    assert messages(errors) == [
        'interfund postings sum to 200.00 CNY, not zero, in 2026-12-31 "假结账" (funds GP, MF-ST01C01)'
    ]
