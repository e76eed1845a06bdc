"""Board designations stay 非限定性; a permitted restricted -> unrestricted transfer is a release.

The book (2025), worked by hand:

DCF is restricted here (as in the demo district), and may give to any fund.

- FDN receives an unrestricted donation of 50,000; MF-ST01C01 a restricted
  donation of 5,000; DCF a restricted subsidy of 20,000.
- The board designates 10,000 of FDN's money to MF-ST01C01 (#interfund FDN -> MF).
- MF-ST01C01 spends 7,000: restricted first, so 5,000 releases the donor's
  restriction and 2,000 is spent from the designated money (8,000 left).
- DCF moves 3,000 to FDN (unrestricted), as its contributors permitted: a release.

Income: 非限定性 50,000, 限定性 25,000. Expenses 7,000 (非限定性).
Release: 5,000 + 3,000 = 8,000 (非限定性 +8,000, 限定性 -8,000). No interfund line.
Change: 非限定性 50,000 - 7,000 + 8,000 = 51,000; 限定性 25,000 - 8,000 = 17,000.
Closing: 限定性 = DCF 17,000 + MF 0 = 17,000; 非限定性 = FDN 43,000
+ MF designated 8,000 = 51,000; assets 75,000 - 7,000 = 68,000.
The 2025 close (booked the way `year_end_close` books it) changes none of it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from funds.model import Fund, FundKind, Restriction
from funds.registry import Registry
from reports.book import Period, load_text
from reports.context import ReportContext
from reports.netassets import designated_by_fund
from reports.statements import activities, balance_sheet
from tests.reports.smallbook import book_text, small_registry

D = Decimal

BOOK = """
2025-01-05 * "某企业" "非限定性捐赠"
  Assets:Bank:ICBC:FDN                     50000.00 CNY
  Income:Donation:Unrestricted:FDN        -50000.00 CNY

2025-01-10 * "居民" "定向捐赠"
  Assets:Bank:ICBC:MF-ST01C01               5000.00 CNY
  Income:Donation:Restricted:MF-ST01C01    -5000.00 CNY

2025-01-20 * "区财政局" "区级社区发展基金注资"
  Assets:Bank:ICBC:DCF                     20000.00 CNY
  Income:Subsidy:Restricted:DCF           -20000.00 CNY

2025-02-01 * "理事会决议" "指定用途: 玉林社区微基金" #interfund
  Assets:Bank:ICBC:FDN                    -10000.00 CNY
  Equity:Interfund:FDN                     10000.00 CNY
  Assets:Bank:ICBC:MF-ST01C01              10000.00 CNY
  Equity:Interfund:MF-ST01C01             -10000.00 CNY

2025-03-01 * "老年协会" "社区活动"
  Expenses:Program:MF-ST01C01               7000.00 CNY
  Assets:Bank:ICBC:MF-ST01C01              -7000.00 CNY

2025-04-01 * "区委社治委" "经出资方同意调回基金会" #interfund
  Assets:Bank:ICBC:DCF                     -3000.00 CNY
  Equity:Interfund:DCF                      3000.00 CNY
  Assets:Bank:ICBC:FDN                      3000.00 CNY
  Equity:Interfund:FDN                     -3000.00 CNY
"""

CLOSE_2025 = """
2025-12-31 * "2025年度结账: 玉林社区微基金" #close
  Income:Donation:Restricted:MF-ST01C01     5000.00 CNY
  Expenses:Program:MF-ST01C01              -7000.00 CNY
  Equity:Interfund:MF-ST01C01              10000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01  7000.00 CNY
  Equity:NetAssets:Restricted:MF-ST01C01  -15000.00 CNY

2025-12-31 * "2025年度限定性净资产解除限定: 玉林社区微基金" #release
  Equity:NetAssets:Restricted:MF-ST01C01    7000.00 CNY
  Equity:NetAssets:Unrestricted:MF-ST01C01 -7000.00 CNY
"""


def registry() -> Registry:
    small = small_registry()
    dcf = Fund(
        "DCF",
        FundKind.DISTRICT,
        "District fund",
        "区级社区发展基金",
        "WUHOU",
        Restriction.RESTRICTED,
    )
    return Registry.build(small.orgs.values(), [*small.funds.values(), dcf])


def book(body: str) -> str:
    return book_text(body, registry=registry())


Y2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
Y2026 = Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))


def test_designation_stays_unrestricted_and_transfer_out_is_a_release() -> None:
    view = load_text(book(BOOK))
    assert view.errors == ()
    act = activities(ReportContext(view, Y2025))
    assert (act.income_total.unrestricted, act.income_total.restricted) == (
        D("50000.00"),
        D("25000.00"),
    )
    assert act.expense_total.unrestricted == D("7000.00")
    assert (act.release.unrestricted, act.release.restricted) == (D("8000.00"), D("-8000.00"))
    assert (act.interfund.unrestricted, act.interfund.restricted) == (D("0.00"), D("0.00"))
    assert (act.change.unrestricted, act.change.restricted) == (D("51000.00"), D("17000.00"))
    bs = balance_sheet(ReportContext(view, Y2025))
    assert bs.balances
    assert bs.total_assets.closing == D("68000.00")
    assert bs.net_restricted.closing == D("17000.00")
    assert bs.net_unrestricted.closing == D("51000.00")
    assert designated_by_fund(view, Y2025.end) == {"MF-ST01C01": D("8000.00")}


def test_the_close_changes_no_column() -> None:
    view = load_text(book(BOOK + CLOSE_2025))
    assert view.errors == ()
    act = activities(ReportContext(view, Y2025))
    assert (act.release.unrestricted, act.release.restricted) == (D("8000.00"), D("-8000.00"))
    bs = balance_sheet(ReportContext(view, Y2026))
    assert (bs.net_unrestricted.opening, bs.net_restricted.opening) == (
        D("51000.00"),
        D("17000.00"),
    )


def test_one_fund_shows_its_designated_money_unrestricted() -> None:
    view = load_text(book(BOOK))
    mf = balance_sheet(ReportContext(view, Y2025, fund="MF-ST01C01"))
    assert (mf.net_unrestricted.closing, mf.net_restricted.closing) == (D("8000.00"), D("0.00"))
    act = activities(ReportContext(view, Y2025, fund="MF-ST01C01"))
    # In the fund's own statement the designation arrives as an interfund transfer.
    assert (act.interfund.unrestricted, act.interfund.restricted) == (D("10000.00"), D("0.00"))
    assert (act.release.unrestricted, act.release.restricted) == (D("5000.00"), D("-5000.00"))
    assert (act.change.unrestricted, act.change.restricted) == (D("8000.00"), D("0.00"))
