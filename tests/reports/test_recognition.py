"""Recognition policies: pledges at receipt, grants per tranche, interest of restricted funds.

2025, worked by hand:
- GP is pledged a subsidy of 50,000 (^pledge-P1) and receives 30,000: income 30,000
  (限定性); the 20,000 not received is a 捐赠承诺 disclosed, not a receivable.
- DCF receives a donation of 500,000 (非限定性 in the small district).
- DCF awards grant G1 of 120,000 in three tranches; tranche 1 of 40,000 falls due
  on its accepted milestone and is paid: expense 40,000; 80,000 is 承诺事项, not a
  liability.
- MF-ST01C01 receives a restricted donation of 10,000 and interest of 35: the interest
  is 非限定性 (no stipulation). GP's interest of 20 was stipulated restricted.

Income: 非限定性 500,000 + 35 = 500,035; 限定性 30,000 + 10,000 + 20 = 40,020.
Expenses 40,000. Change: 非限定性 460,035, 限定性 40,020.
Balance sheet at 2025-12-31: cash 500,055; receivables 0; payables 0;
net assets 500,055 = 460,035 + 40,020.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from reports.book import Period, load_text
from reports.context import ReportContext
from reports.recognition import recognize
from reports.statements import activities, balance_sheet
from tests.reports.smallbook import book_text

D = Decimal
Y2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))

BOOK = """
2025-01-05 * "区民政局" "认捐: 专项保障资金" ^pledge-P1
  pledge: "P1"
  Assets:Receivable:GP                     50000.00 CNY
  Income:Subsidy:Restricted:GP            -50000.00 CNY

2025-03-01 * "区民政局" "到账: 专项保障资金" ^pledge-P1
  pledge: "P1"
  Assets:Bank:ICBC:GP                      30000.00 CNY
  Assets:Receivable:GP                    -30000.00 CNY

2025-02-01 * "某企业" "捐赠"
  Assets:Bank:ICBC:DCF                    500000.00 CNY
  Income:Donation:Unrestricted:DCF       -500000.00 CNY

2025-04-01 * "长者食堂" "社会企业项目资助协议" ^grant-G1
  grant: "G1"
  tranches: "3"
  Expenses:Program:DCF                    120000.00 CNY
  Liabilities:Payable:DCF                -120000.00 CNY

2025-06-01 * "长者食堂" "第1/3期资助款(里程碑报告已验收)" ^grant-G1
  grant: "G1"
  tranche: "1/3"
  Liabilities:Payable:DCF                  40000.00 CNY
  Assets:Bank:ICBC:DCF                    -40000.00 CNY

2025-09-01 * "居民" "定向捐赠"
  Assets:Bank:ICBC:MF-ST01C01              10000.00 CNY
  Income:Donation:Restricted:MF-ST01C01   -10000.00 CNY

2025-12-20 * "工商银行" "结息"
  Assets:Bank:ICBC:MF-ST01C01                 35.00 CNY
  Income:Investment:Restricted:MF-ST01C01    -35.00 CNY

2025-12-20 * "工商银行" "结息（出资方约定计入专项资金）"
  stipulated: "restricted"
  Assets:Bank:ICBC:GP                         20.00 CNY
  Income:Investment:Restricted:GP            -20.00 CNY
"""


def test_policies_by_hand() -> None:
    view = load_text(book_text(BOOK))
    assert view.errors == ()
    act = activities(ReportContext(view, Y2025))
    assert (act.income_total.unrestricted, act.income_total.restricted) == (
        D("500035.00"),
        D("40020.00"),
    )
    assert act.expense_total.total == D("40000.00")
    assert (act.change.unrestricted, act.change.restricted) == (D("460035.00"), D("40020.00"))
    bs = balance_sheet(ReportContext(view, Y2025))
    assert bs.balances
    assets = {line.account: line.closing for line in bs.assets}
    assert assets == {"Assets:Bank:ICBC": D("500055.00")}
    assert bs.total_liabilities.closing == D("0.00")
    assert (bs.net_unrestricted.closing, bs.net_restricted.closing) == (
        D("460035.00"),
        D("40020.00"),
    )


def test_what_the_policies_leave_out_is_disclosed() -> None:
    view = load_text(book_text(BOOK))
    result = recognize(view, Y2025.end)
    (pledge,) = result.pledges
    assert (pledge.link, pledge.fund, pledge.amount, pledge.received) == (
        "pledge-P1",
        "GP",
        D("50000.00"),
        D("30000.00"),
    )
    (award,) = result.awards
    assert (award.link, award.amount, award.due, award.outstanding) == (
        "grant-G1",
        D("120000.00"),
        D("40000.00"),
        D("80000.00"),
    )
