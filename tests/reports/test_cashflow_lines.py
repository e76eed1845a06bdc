"""会民非03表 on the statute's lines, by nature, with no plug: figures worked by hand.

2025:
- a purchase-of-services pledge of 200,000 to FDN, received 2025-02-01: 提供服务收到的现金 (3);
- a subsidy pledge of 50,000 to GP, 30,000 received: 政府补助收到的现金 (5);
- a donation of 8,000 to MF-ST01C01: 接受捐赠收到的现金 (1);
- GP allocates 20,000 to AL-ST01C01-GP: an internal transfer, no cash flow;
- a request of 3,000 approved and paid: 提供捐赠或者资助支付的现金 (14);
- rent 9,600: 购买商品、接受服务支付的现金 (16); salaries 40,000 marked cash_line 15:
  支付给员工以及为员工支付的现金 (15);
- interest 120: 取得投资收益所收到的现金 (26).

Operating: inflows 200,000 + 30,000 + 8,000 = 238,000 (13); outflows 3,000 +
40,000 + 9,600 = 52,600 (23); net 185,400 (24). Investing: 120 (34, 44).
Financing: 0 (59). Net increase 185,520 (61) = closing cash 185,520.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reports.book import Period, load_text
from reports.cashflow import cash_flow, cash_flow_section
from reports.context import ReportContext
from tests.reports.smallbook import book_text

D = Decimal
Y2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))

BOOK = """
2025-01-05 * "区委社治委" "政府购买服务协议" ^pledge-P1
  Assets:Receivable:FDN                   200000.00 CNY
  Income:Service:Unrestricted:FDN        -200000.00 CNY

2025-02-01 * "区委社治委" "政府购买服务款到账" ^pledge-P1
  Assets:Bank:ICBC:FDN                    200000.00 CNY
  Assets:Receivable:FDN                  -200000.00 CNY

2025-01-10 * "区民政局" "专项资金认缴" ^pledge-P2
  Assets:Receivable:GP                     50000.00 CNY
  Income:Subsidy:Restricted:GP            -50000.00 CNY

2025-03-01 * "区民政局" "专项资金到账" ^pledge-P2
  Assets:Bank:ICBC:GP                      30000.00 CNY
  Assets:Receivable:GP                    -30000.00 CNY

2025-01-20 * "居民" "定向捐赠"
  Assets:Bank:ICBC:MF-ST01C01               8000.00 CNY
  Income:Donation:Restricted:MF-ST01C01    -8000.00 CNY

2025-03-05 * "保障资金下达" #interfund
  Assets:Bank:ICBC:GP                     -20000.00 CNY
  Equity:Interfund:GP                      20000.00 CNY
  Assets:Bank:ICBC:AL-ST01C01-GP           20000.00 CNY
  Equity:Interfund:AL-ST01C01-GP          -20000.00 CNY

2025-04-01 * "老年协会" "审批通过" ^req-R000001
  Expenses:Program:MF-ST01C01               3000.00 CNY
  Liabilities:Payable:MF-ST01C01           -3000.00 CNY

2025-04-10 * "老年协会" "支付" ^req-R000001
  Liabilities:Payable:MF-ST01C01            3000.00 CNY
  Assets:Bank:ICBC:MF-ST01C01              -3000.00 CNY

2025-05-01 * "物业公司" "办公场所租金"
  Expenses:Admin:FDN                        9600.00 CNY
  Assets:Bank:ICBC:FDN                     -9600.00 CNY

2025-05-02 * "秘书处" "人员工资"
  cash_line: "15"
  Expenses:Admin:FDN                       40000.00 CNY
  Assets:Bank:ICBC:FDN                    -40000.00 CNY

2025-06-30 * "工商银行" "结息"
  Assets:Bank:ICBC:FDN                       120.00 CNY
  Income:Investment:Unrestricted:FDN        -120.00 CNY
"""


def test_lines_by_nature_by_hand() -> None:
    view = load_text(book_text(BOOK))
    assert view.errors == ()
    cf = cash_flow(ReportContext(view, Y2025))
    assert cf.lines == {
        "cf_service": D("200000.00"),
        "cf_subsidy": D("30000.00"),
        "cf_donation": D("8000.00"),
        "cf_grants": D("3000.00"),
        "cf_purchases": D("9600.00"),
        "cf_staff": D("40000.00"),
        "cf_investment": D("120.00"),
    }
    assert cf.nets == {
        "operating": D("185400.00"),
        "investing": D("120.00"),
        "financing": D("0.00"),
    }
    assert (cf.opening_cash, cf.net_increase, cf.closing_cash) == (
        D("0.00"),
        D("185520.00"),
        D("185520.00"),
    )
    assert cf.residuals == ()
    rows = {
        row.cells[1]: row.cells[2]
        for row in cash_flow_section(ReportContext(view, Y2025)).tables[0].rows
    }
    assert rows["3"] == D("200000.00") and rows["5"] == D("30000.00")
    assert rows["13"] == D("238000.00") and rows["14"] == D("3000.00")
    assert rows["23"] == D("52600.00") and rows["24"] == D("185400.00")
    assert rows["34"] == D("120.00") and rows["44"] == D("120.00")
    assert rows["59"] == D("0.00") and rows["61"] == D("185520.00")
    assert all(
        amount is None or amount >= 0 for line, amount in rows.items() if line not in ("", "61")
    )


def test_a_residual_is_an_error_not_a_plug() -> None:
    # 500 of cash booked straight to net assets fits no line of the form.
    body = (
        BOOK
        + """
2025-07-01 * "手工调整" "未说明的现金"
  Assets:Bank:ICBC:FDN                       500.00 CNY
  Equity:NetAssets:Unrestricted:FDN         -500.00 CNY
"""
    )
    view = load_text(book_text(body))
    cf = cash_flow(ReportContext(view, Y2025))
    assert cf.net_increase == D("185520.00")
    assert cf.closing_cash == D("186020.00")
    assert cf.residual == D("500.00") and len(cf.residuals) == 1
    assert cf.residuals[0].accounts == "Equity:NetAssets:Unrestricted:FDN"
    section = cash_flow_section(ReportContext(view, Y2025))
    assert section.tables[0].note.startswith("错误")
    assert [t.key for t in section.tables] == ["cash_flow", "cash_by_account", "cash_residuals"]
