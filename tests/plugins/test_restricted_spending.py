"""restricted_spending: money leaves a fund through Interfund only to a permitted target."""

from __future__ import annotations

import pytest

from tests.plugins.book import load, messages

PLUGIN = ["ledger.plugins.restricted_spending"]


def transfer(source: str, target: str, *, tags: str = "#interfund") -> str:
    return f"""
2026-03-01 * "划拨 {source} -> {target}" {tags}
  Assets:Bank:ICBC:{source}                  -100.00 CNY
  Equity:Interfund:{source}                   100.00 CNY
  Assets:Bank:ICBC:{target}                   100.00 CNY
  Equity:Interfund:{target}                  -100.00 CNY
"""


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("GP", "AL-ST01C01-GP"),
        ("IP", "AL-ST01C02-IP"),
        ("FDN", "MF-ST01C01"),
        ("DCF", "GP"),
        ("FDN", "DCF"),
    ],
)
def test_accepts_permitted_transfers(source: str, target: str) -> None:
    _, errors = load(transfer(source, target), PLUGIN)
    assert errors == []


def test_accepts_a_year_end_close_and_ordinary_spending() -> None:
    _, errors = load(
        """
2026-06-01 * "活动支出"
  Expenses:Program:MF-ST01C01                   100.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
2026-12-31 * "2026年度结账" #close
  Equity:Interfund:AL-ST01C01-GP                100.00 CNY
  Equity:NetAssets:Restricted:AL-ST01C01-GP    -100.00 CNY
""",
        PLUGIN,
    )
    assert errors == []


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        (
            "MF-ST01C01",
            "MF-ST01C02",
            "fund MF-ST01C01 (micro, restricted) never transfers out, so its money cannot go to MF-ST01C02",
        ),
        (
            "AL-ST01C01-GP",
            "GP",
            "fund AL-ST01C01-GP (allocation, restricted) never transfers out, so its money cannot go to GP",
        ),
        (
            "GP",
            "AL-ST01C02-IP",
            "pool GP gives only to allocation funds fed from it, and AL-ST01C02-IP (allocation of pool IP) is not one",
        ),
        (
            "GP",
            "MF-ST01C01",
            "pool GP gives only to allocation funds fed from it, and MF-ST01C01 (micro) is not one",
        ),
    ],
)
def test_rejects_transfers_to_targets_the_source_may_not_pay(
    source: str, target: str, expected: str
) -> None:
    _, errors = load(transfer(source, target), PLUGIN)
    (message,) = messages(errors)
    assert message == f'{expected}, in 2026-03-01 "划拨 {source} -> {target}"'


def test_rejects_interfund_postings_outside_an_interfund_transaction() -> None:
    _, errors = load(transfer("FDN", "MF-ST01C01", tags=""), PLUGIN)
    (message,) = messages(errors)
    assert message.startswith(
        "postings to Equity:Interfund of fund FDN, MF-ST01C01 outside an #interfund transaction"
    )


def test_rejects_a_close_that_moves_money() -> None:
    _, errors = load(
        """
2026-12-31 * "假结账" #close
  Equity:Interfund:MF-ST01C01                   100.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
""",
        PLUGIN,
    )
    assert len(errors) == 1
    assert "MF-ST01C01 outside an #interfund transaction" in errors[0].message


@pytest.mark.parametrize(
    "postings",
    [
        # through net assets instead of Equity:Interfund
        """
  Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01        100.00 CNY
  Assets:Bank:ICBC:MF-ST01C02                   100.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C02       -100.00 CNY""",
        # as an expense of one fund and income of the other
        """
  Expenses:Program:MF-ST01C01                   100.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
  Assets:Bank:ICBC:MF-ST01C02                   100.00 CNY
  Income:Donation:Restricted:MF-ST01C02        -100.00 CNY""",
    ],
)
def test_rejects_money_moved_between_funds_without_interfund_postings(postings: str) -> None:
    untagged = f'2026-03-01 * "挪用"{postings}\n'
    _, errors = load(untagged, PLUGIN)
    (message,) = messages(errors)
    assert message == (
        "money moves from fund MF-ST01C01 to fund MF-ST01C02 outside an #interfund "
        'transaction, in 2026-03-01 "挪用"'
    )
    tagged = f'2026-03-01 * "挪用" #interfund{postings}\n'
    _, errors = load(tagged, PLUGIN)
    (message,) = messages(errors)
    assert message.startswith("fund MF-ST01C01 (micro, restricted) never transfers out")


def test_accepts_one_transaction_paying_from_several_funds() -> None:
    _, errors = load(
        """
2026-06-01 * "银行手续费"
  Expenses:Admin:FDN                              1.00 CNY
  Assets:Bank:ICBC:FDN                           -1.00 CNY
  Expenses:Admin:MF-ST01C01                       1.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                    -1.00 CNY
""",
        PLUGIN,
    )
    assert errors == []
