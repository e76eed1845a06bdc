"""no_overdraft: no fund's net assets below zero at the end of any day."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.plugins.no_overdraft import no_overdraft
from tests.plugins.book import load, messages

PLUGIN = ["ledger.plugins.no_overdraft"]

DONATION = """
2026-03-01 * "捐赠"
  Assets:Bank:ICBC:MF-ST01C01                   100.00 CNY
  Income:Donation:Restricted:MF-ST01C01        -100.00 CNY
"""


def test_accepts_spending_down_to_zero_and_a_dip_within_a_day() -> None:
    _, errors = load(
        DONATION
        + """
2026-03-02 * "付款"
  Expenses:Program:MF-ST01C01                   150.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                  -150.00 CNY
2026-03-02 * "当日到账捐款"
  Assets:Bank:ICBC:MF-ST01C01                    50.00 CNY
  Income:Donation:Restricted:MF-ST01C01         -50.00 CNY
""",
        PLUGIN,
    )
    assert errors == []


def test_rejects_a_commitment_beyond_the_balance() -> None:
    _, errors = load(
        DONATION
        + """
2026-03-02 * "审批通过" ^req-R000042
  fb_id: "R000042-commitment"
  Expenses:Program:MF-ST01C01                   150.00 CNY
  Liabilities:Payable:MF-ST01C01               -150.00 CNY
""",
        PLUGIN,
    )
    assert messages(errors) == [
        "fund MF-ST01C01 is below zero at the end of 2026-03-02: balance -50.00 CNY, "
        'taken below zero by 2026-03-02 "审批通过" (fb_id R000042-commitment)'
    ]
    assert errors[0].entry.meta["fb_id"] == "R000042-commitment"


def test_reports_each_episode_below_zero_once() -> None:
    _, errors = load(
        """
2026-03-01 * "超支一"
  Expenses:Program:MF-ST01C01                    10.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                   -10.00 CNY
2026-03-02 * "仍超支"
  Expenses:Program:MF-ST01C01                    10.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                   -10.00 CNY
2026-03-03 * "补足"
  Assets:Bank:ICBC:MF-ST01C01                    30.00 CNY
  Income:Donation:Restricted:MF-ST01C01         -30.00 CNY
2026-03-04 * "超支二"
  Expenses:Program:MF-ST01C01                    20.00 CNY
  Assets:Bank:ICBC:MF-ST01C01                   -20.00 CNY
""",
        PLUGIN,
    )
    found = messages(errors)
    assert len(found) == 2
    assert "end of 2026-03-01: balance -10.00 CNY" in found[0] and '"超支一"' in found[0]
    assert "end of 2026-03-04: balance -10.00 CNY" in found[1] and '"超支二"' in found[1]


def _txn(date: datetime.date, fund: str, number: Decimal, lineno: int) -> data.Transaction:
    postings = [
        data.Posting(f"Assets:Bank:ICBC:{fund}", Amount(number, "CNY"), None, None, None, None),
        data.Posting(f"Expenses:Program:{fund}", Amount(-number, "CNY"), None, None, None, None),
    ]
    meta = {"filename": "<test>", "lineno": lineno}
    return data.Transaction(meta, date, "*", None, f"t{lineno}", frozenset(), frozenset(), postings)


movements = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5),
        st.sampled_from(["MF-ST01C01", "MF-ST01C02"]),
        st.integers(min_value=-300, max_value=300),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(movements)
def test_reports_exactly_the_days_a_fund_ends_below_zero(
    moves: list[tuple[int, str, int]],
) -> None:
    start = datetime.date(2026, 1, 1)
    entries = [
        _txn(start + datetime.timedelta(days=day), fund, Decimal(amount), i)
        for i, (day, fund, amount) in enumerate(sorted(moves, key=lambda move: move[0]))
    ]
    _, errors = no_overdraft(list(entries), {})
    expected = []
    for fund in ("MF-ST01C01", "MF-ST01C02"):
        balance, was_below = Decimal(0), False
        for day in range(6):
            balance += sum((Decimal(a) for d, f, a in moves if d == day and f == fund), Decimal(0))
            below = balance < 0
            if below and not was_below:
                expected.append((fund, start + datetime.timedelta(days=day), balance))
            was_below = below
    found = [
        (
            error.message.split()[1],
            error.entry.date,
            Decimal(error.message.split("balance ")[1].split()[0]),
        )
        for error in errors
    ]
    assert sorted(found) == sorted(expected)
