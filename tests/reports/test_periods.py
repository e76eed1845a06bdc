"""Statements of one year booked by hand, before and after its close, against hand-worked figures.

The year 2025 of the small district, as an accountant books it in Fava (no
tags anywhere):

- FDN (unrestricted) receives a donation of 5,000 and pays 800 of office costs;
- MF-ST01C01 (restricted) receives donations of 10,000 and spends 3,000 on a
  community event.

Worked by hand:

- cash at 2025-12-31: FDN 5,000 - 800 = 4,200; MF 10,000 - 3,000 = 7,000;
  total 11,200, no liabilities;
- 业务活动表: income 5,000 unrestricted + 10,000 restricted = 15,000; expenses
  800 + 3,000 = 3,800 (all unrestricted); the restriction of the 3,000 MF spent
  is met, so 3,000 is released from 限定性 to 非限定性 (once); change in net
  assets: unrestricted 5,000 - 3,800 + 3,000 = 4,200, restricted
  10,000 - 3,000 = 7,000, total 11,200;
- 资产负债表 at 2025-12-31: 非限定性 4,200, 限定性 7,000;
- 现金流量表: donations received 15,000, program costs paid 3,000, admin paid
  800, net increase 11,200.

The same figures hold before the close, after a close written by hand without
tags (release at the close, or inside the close), and with the release booked
at the time of spending; 2026 opens with 4,200 / 7,000.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from reports.book import BookView, Period, load_text
from reports.cashflow import cash_flow
from reports.context import ReportContext
from reports.statements import activities, balance_sheet
from tests.reports.smallbook import book_text

D = Decimal
Y2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
Y2026 = Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))

YEAR = """
2025-01-10 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                       5000.00 CNY
  Income:Donation:Unrestricted:FDN          -5000.00 CNY

2025-02-01 * "居民" "社区捐赠"
  Assets:Bank:ICBC:MF-ST01C01               10000.00 CNY
  Income:Donation:Restricted:MF-ST01C01    -10000.00 CNY

2025-05-01 * "文具店" "办公用品"
  Expenses:Admin:FDN                          800.00 CNY
  Assets:Bank:ICBC:FDN                       -800.00 CNY

2025-06-01 * "老年协会" "重阳节活动"
  Expenses:Program:MF-ST01C01                3000.00 CNY
  Assets:Bank:ICBC:MF-ST01C01               -3000.00 CNY
"""

RELEASE_AT_SPENDING = """
2025-06-01 * "重阳节活动: 限定性净资产解除限定"
  Equity:NetAssets:Restricted:MF-ST01C01     3000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01  -3000.00 CNY
"""

CLOSE_BY_HAND = """
2025-12-31 * "2025年度结账"
  Income:Donation:Unrestricted:FDN           5000.00 CNY
  Expenses:Admin:FDN                         -800.00 CNY
  Equity:NetAssets:Unrestricted:FDN         -4200.00 CNY
  Income:Donation:Restricted:MF-ST01C01     10000.00 CNY
  Expenses:Program:MF-ST01C01               -3000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01   3000.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01   -10000.00 CNY
"""

RELEASE_AT_CLOSE = """
2025-12-31 * "2025年度限定性净资产解除限定"
  Equity:NetAssets:Restricted:MF-ST01C01     3000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01  -3000.00 CNY
"""

# The close and the release in one entry, as some accountants write it.
CLOSE_WITH_RELEASE = """
2025-12-31 * "2025年度结账(含解除限定)"
  Income:Donation:Unrestricted:FDN           5000.00 CNY
  Expenses:Admin:FDN                         -800.00 CNY
  Equity:NetAssets:Unrestricted:FDN         -4200.00 CNY
  Income:Donation:Restricted:MF-ST01C01     10000.00 CNY
  Expenses:Program:MF-ST01C01               -3000.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01    -7000.00 CNY
"""

BOOKS = {
    "before the close": YEAR,
    "closed by hand, released at the close": YEAR + CLOSE_BY_HAND + RELEASE_AT_CLOSE,
    "closed by hand, release inside the close": YEAR + CLOSE_WITH_RELEASE,
    "released at spending, not closed": YEAR + RELEASE_AT_SPENDING,
    "released at spending, closed by hand": YEAR + RELEASE_AT_SPENDING + CLOSE_BY_HAND,
}


@pytest.fixture(params=sorted(BOOKS))
def view(request: pytest.FixtureRequest) -> BookView:
    loaded = load_text(book_text(BOOKS[request.param]))
    assert loaded.errors == ()
    return loaded


def assert_hand_worked_2025(view: BookView) -> None:
    """Every figure of the module docstring, on any book of the year (closed or not)."""
    test_activities_of_the_year_by_hand(view)
    test_balance_sheet_of_the_year_by_hand(view)
    test_one_fund_alone_by_hand(view)
    test_cash_flow_of_the_year_by_hand(view)
    test_the_next_year_opens_with_the_closing_net_assets(view)


def test_activities_of_the_year_by_hand(view: BookView) -> None:
    act = activities(ReportContext(view, Y2025))
    income = {line.code: (line.unrestricted, line.restricted) for line in act.income if line.total}
    assert income == {"4101": (D("5000.00"), D("10000.00"))}
    assert (act.income_total.unrestricted, act.income_total.restricted) == (
        D("5000.00"),
        D("10000.00"),
    )
    expenses = {line.code: line.total for line in act.expenses}
    assert expenses == {"5101": D("3000.00"), "5201": D("800.00")}
    assert act.expense_total.restricted == D("0.00")
    # Released once: 3,000 (not 6,000 when the release was booked at the time of spending).
    assert (act.release.unrestricted, act.release.restricted) == (D("3000.00"), D("-3000.00"))
    assert (act.other.total, act.interfund.total) == (D("0.00"), D("0.00"))
    assert (act.change.unrestricted, act.change.restricted) == (D("4200.00"), D("7000.00"))
    assert act.change.total == D("11200.00")
    assert (act.closing.unrestricted, act.closing.restricted) == (D("4200.00"), D("7000.00"))


def test_balance_sheet_of_the_year_by_hand(view: BookView) -> None:
    bs = balance_sheet(ReportContext(view, Y2025))
    assert bs.balances
    assert bs.total_assets.opening == D("0.00")
    assert bs.total_assets.closing == D("11200.00")
    assert bs.total_liabilities.closing == D("0.00")
    # 限定性 7,000 (not 4,000 when the release was booked at the time of spending).
    assert bs.net_unrestricted.closing == D("4200.00")
    assert bs.net_restricted.closing == D("7000.00")


def test_one_fund_alone_by_hand(view: BookView) -> None:
    micro = balance_sheet(ReportContext(view, Y2025, fund="MF-ST01C01"))
    assert (micro.net_unrestricted.closing, micro.net_restricted.closing) == (
        D("0.00"),
        D("7000.00"),
    )
    act = activities(ReportContext(view, Y2025, fund="MF-ST01C01"))
    assert (act.release.unrestricted, act.release.restricted) == (D("3000.00"), D("-3000.00"))
    assert (act.change.unrestricted, act.change.restricted) == (D("0.00"), D("7000.00"))
    foundation = balance_sheet(ReportContext(view, Y2025, fund="FDN"))
    assert (foundation.net_unrestricted.closing, foundation.net_restricted.closing) == (
        D("4200.00"),
        D("0.00"),
    )


def test_cash_flow_of_the_year_by_hand(view: BookView) -> None:
    cf = cash_flow(ReportContext(view, Y2025))
    assert cf.lines == {
        "cf_donation": D("15000.00"),
        "cf_grants": D("3000.00"),
        "cf_purchases": D("800.00"),
    }
    assert cf.nets == {"operating": D("11200.00"), "investing": D("0.00"), "financing": D("0.00")}
    assert cf.residuals == ()
    assert (cf.opening_cash, cf.net_increase, cf.closing_cash) == (
        D("0.00"),
        D("11200.00"),
        D("11200.00"),
    )


def test_the_next_year_opens_with_the_closing_net_assets(view: BookView) -> None:
    bs = balance_sheet(ReportContext(view, Y2026))
    assert (bs.net_unrestricted.opening, bs.net_restricted.opening) == (
        D("4200.00"),
        D("7000.00"),
    )
    act = activities(ReportContext(view, Y2026))
    assert act.change.total == D("0.00") and act.release.total == D("0.00")
    assert act.release.restricted == D("0.00")
