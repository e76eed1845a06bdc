"""Compliance: the Charity Law ratios on a hand-worked book, and each exception seeded."""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import printer

from ledger.chain import GENESIS, entry_hash
from reports.book import Period, load_text
from reports.compliance import compliance, compliance_section
from reports.context import ReportContext
from tests.reports.smallbook import book_text

D = Decimal

# Income: 2024 150,000 (100,000 FDN + 50,000 DCF), 2025 60,000, 2026 90,000
# (its close to net assets must not count), 2027 10,000.
# 2027 spending: program 63,000 (40,000 FDN + 23,000 DCF), admin 8,000.
# The registry does not set the status: 第七条 (public fundraising) applies.
#   charitable / prior year      = 63,000 / 90,000                      = 70.00%  met
#   charitable / 3-year average  = 63,000 / ((150+60+90)/3 = 100,000)   = 63.00%  not met
#   -> charitable spending met (either suffices)
#   admin / total spending       = 8,000 / 71,000 = 0.112676...         = 11.27%, but
#   management costs below 200,000 are not held to the ratio (第十一条)
RATIO_BOOK = """
2024-02-01 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                  100000.00 CNY
  Income:Donation:Unrestricted:FDN     -100000.00 CNY

2024-03-01 * "区财政局" "补助"
  Assets:Bank:ICBC:DCF                   50000.00 CNY
  Income:Subsidy:Unrestricted:DCF       -50000.00 CNY

2025-02-01 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                   60000.00 CNY
  Income:Donation:Unrestricted:FDN      -60000.00 CNY

2026-02-01 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                   90000.00 CNY
  Income:Donation:Unrestricted:FDN      -90000.00 CNY

2026-12-31 * "2026年度结账" #close
  Income:Donation:Unrestricted:FDN       90000.00 CNY
  Equity:NetAssets:Unrestricted:FDN     -90000.00 CNY

2027-01-05 * "居民" "捐赠"
  Assets:Bank:ICBC:FDN                   10000.00 CNY
  Income:Donation:Unrestricted:FDN      -10000.00 CNY

2027-03-01 * "长者食堂" "资助" ^grant-G000001
  Expenses:Program:FDN                   40000.00 CNY
  Assets:Bank:ICBC:FDN                  -40000.00 CNY

2027-04-01 * "社工中心" "资助" ^grant-G000002
  Expenses:Program:DCF                   23000.00 CNY
  Assets:Bank:ICBC:DCF                  -23000.00 CNY

2027-05-01 * "物业" "办公"
  Expenses:Admin:FDN                      8000.00 CNY
  Assets:Bank:ICBC:FDN                   -8000.00 CNY
"""


def year(y: int) -> Period:
    return Period(datetime.date(y, 1, 1), datetime.date(y, 12, 31))


def test_ratios_by_hand() -> None:
    view = load_text(book_text(RATIO_BOOK))
    assert view.errors == ()
    result = compliance(ReportContext(view, year(2027)))
    assert result.rule.article == "第七条" and result.rule.public is None
    sp = result.spending
    assert (sp.charitable, sp.admin, sp.total) == (D("63000.00"), D("8000.00"), D("71000.00"))
    assert [y.adjusted for y in result.years] == [D("150000.00"), D("60000.00"), D("90000.00")]
    assert result.charitable_prior.denominator == D("90000.00")
    assert result.charitable_prior.value == D("0.7000") and result.charitable_prior.met
    assert result.average_years == (2024, 2025, 2026)
    assert result.average == D("100000.00")
    assert result.charitable_average.value == D("0.6300")
    assert result.charitable_average.met is False
    assert result.charitable_met is True
    assert result.admin.value == D("0.1127") and result.admin_exempt and result.admin.met is None
    section = compliance_section(ReportContext(view, year(2027)))
    assert "第七条" in section.tables[0].note and "第十一条" in section.tables[0].note
    assert section.tables[2].note == "前三年平均数: 100000.00 (2024, 2025, 2026)"


def test_average_needs_three_years_in_the_book() -> None:
    view = load_text(book_text(RATIO_BOOK))
    result = compliance(ReportContext(view, year(2025)))
    # Prior year 2024: 150,000; no program spending in 2025; only one prior year.
    assert [y.year for y in result.years] == [2024]
    assert result.average is None and result.charitable_average.met is None
    assert result.charitable_prior.value == D("0.0000")
    assert result.charitable_met is False
    early = compliance(ReportContext(view, year(2024)))
    assert early.charitable_prior.met is None and early.charitable_met is None


# January-June 2025 against July-December: the report of the first half uses
# the first half only. H1: program 30,000, admin 3,000 (total 33,000);
# H2: program 50,000, admin 250,000. Prior year 2024 income 100,000.
#   H1: charitable 30,000 / 100,000 = 30.00%; admin 3,000 / 33,000 = 9.09% (exempt)
#   year: charitable 80,000 / 100,000 = 80.00%; admin 253,000 / 333,000 = 75.98%
HALVES = """
2024-01-10 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                  400000.00 CNY
  Income:Donation:Unrestricted:FDN     -100000.00 CNY
  Income:Other:Unrestricted:FDN        -300000.00 CNY

2025-03-01 * "长者食堂" "资助"
  Expenses:Program:FDN                   30000.00 CNY
  Assets:Bank:ICBC:FDN                  -30000.00 CNY

2025-04-01 * "物业" "办公"
  Expenses:Admin:FDN                      3000.00 CNY
  Assets:Bank:ICBC:FDN                   -3000.00 CNY

2025-07-01 * "长者食堂" "资助"
  Expenses:Program:FDN                   50000.00 CNY
  Assets:Bank:ICBC:FDN                  -50000.00 CNY

2025-08-01 * "秘书处" "人员"
  Expenses:Admin:FDN                    250000.00 CNY
  Assets:Bank:ICBC:FDN                 -250000.00 CNY
"""


def test_the_period_is_the_report_period() -> None:
    view = load_text(book_text(HALVES))
    assert view.errors == ()
    h1 = compliance(
        ReportContext(view, Period(datetime.date(2025, 1, 1), datetime.date(2025, 6, 30)))
    )
    assert (h1.spending.charitable, h1.spending.admin, h1.spending.total) == (
        D("30000.00"),
        D("3000.00"),
        D("33000.00"),
    )
    assert h1.charitable_prior.denominator == D("400000.00")
    assert h1.charitable_prior.value == D("0.0750")
    assert not h1.whole_year and h1.admin_exempt
    whole = compliance(ReportContext(view, year(2025)))
    assert whole.whole_year and not whole.admin_exempt
    assert whole.admin.value == D("0.7598") and whole.admin.met is False
    assert whole.charitable_prior.value == D("0.2000")


# Without public fundraising status (第八条), the basis is 上年末净资产, tiered.
# Net assets at 2024-12-31: 5,000,000 (400万-800万: spending >= 7%, admin <= 15%).
# 2025: charitable 300,000 (+ 100,000 marked other), admin 250,000, total 650,000:
#   charitable 300,000 / 5,000,000 = 6.00% < 7%: not met;
#   admin 250,000 / 650,000 = 38.46% > 15%: not met.
NONPUBLIC = """
2024-01-10 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                 5000000.00 CNY
  Income:Donation:Unrestricted:FDN    -5000000.00 CNY

2025-03-01 * "长者食堂" "资助"
  Expenses:Program:FDN                  300000.00 CNY
  Assets:Bank:ICBC:FDN                 -300000.00 CNY

2025-03-02 * "培训中心" "非慈善的其他业务"
  activity: "other"
  Expenses:Program:FDN                  100000.00 CNY
  Assets:Bank:ICBC:FDN                 -100000.00 CNY

2025-04-01 * "秘书处" "人员"
  Expenses:Admin:FDN                    250000.00 CNY
  Assets:Bank:ICBC:FDN                 -250000.00 CNY
"""


def test_without_public_fundraising_the_tier_follows_prior_net_assets() -> None:
    text = book_text(NONPUBLIC).replace(
        'custom "fundbook-org" "WHCDF"', 'custom "fundbook-org" "WHCDF"\n  public_fundraising: "no"'
    )
    view = load_text(text)
    assert view.errors == ()
    result = compliance(ReportContext(view, year(2025)))
    assert result.rule.public is False and result.rule.article == "第八条"
    assert (result.rule.spending_min, result.rule.admin_max) == (D("0.07"), D("0.15"))
    assert result.spending.charitable == D("300000.00")
    assert result.spending.other_program == D("100000.00")
    assert result.charitable_prior.denominator == D("5000000.00")
    assert result.charitable_prior.value == D("0.0600") and result.charitable_prior.met is False
    assert result.admin.value == D("0.3846") and result.admin.met is False
    note = compliance_section(ReportContext(view, year(2025))).tables[0].note
    assert "第八条" in note and "不具有公开募捐资格" in note and "上年末净资产" in note


# 上年总收入 (第十条): 2025 income 500,000, of which 200,000 restricted to be used
# from 2026 on; 2024's 80,000 restricted income usable from 2025 is added:
#   500,000 - 200,000 + 80,000 = 380,000. 2026 charitable spending 266,000 = 70.00%.
ADJUSTED = """
2024-06-01 * "某企业" "定向捐赠（2025年起使用）"
  usable_from: "2025-01-01"
  Assets:Bank:ICBC:MF-ST01C01             80000.00 CNY
  Income:Donation:Restricted:MF-ST01C01  -80000.00 CNY

2025-02-01 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                   300000.00 CNY
  Income:Donation:Unrestricted:FDN      -300000.00 CNY

2025-03-01 * "某企业" "定向捐赠（2026年起使用）"
  Assets:Bank:ICBC:MF-ST01C01            200000.00 CNY
  Income:Donation:Restricted:MF-ST01C01 -200000.00 CNY
    usable_from: "2026-01-01"

2026-03-01 * "长者食堂" "资助"
  Expenses:Program:FDN                   266000.00 CNY
  Assets:Bank:ICBC:FDN                  -266000.00 CNY
"""


def test_prior_year_income_carries_the_time_restriction_adjustments() -> None:
    view = load_text(book_text(ADJUSTED))
    assert view.errors == ()
    result = compliance(ReportContext(view, year(2026)))
    prior = result.years[-1]
    assert (prior.year, prior.actual, prior.deferred, prior.released) == (
        2025,
        D("500000.00"),
        D("200000.00"),
        D("80000.00"),
    )
    assert prior.adjusted == D("380000.00")
    assert result.charitable_prior.value == D("0.7000") and result.charitable_prior.met


APPROVAL = """  request: "R000001"
  requested_by: "王芳"
  approval_1_role: "community_party"
  approval_1_org: "ST01C01"
  approval_1_by: "李强"
  approval_1_at: "2024-02-25T10:00:00+08:00"
"""

CLEAN = f"""
2024-01-10 * "居民" "捐赠"
  Assets:Bank:ICBC:MF-ST01C01             1000.00 CNY
  Income:Donation:Restricted:MF-ST01C01  -1000.00 CNY

2024-03-01 * "老年协会" "审批通过" ^req-R000001
{APPROVAL}  Expenses:Program:MF-ST01C01              300.00 CNY
  Liabilities:Payable:MF-ST01C01          -300.00 CNY

2024-03-05 * "老年协会" "支付" ^req-R000001
  request: "R000001"
  Liabilities:Payable:MF-ST01C01           300.00 CNY
  Assets:Bank:ICBC:MF-ST01C01             -300.00 CNY
"""
ASSERTION = "\n2025-01-01 balance Assets:Bank:ICBC  700.00 CNY\n"


def findings(body: str) -> list[tuple[str, str]]:
    view = load_text(book_text(body))
    return [(f.kind, f.fund) for f in compliance(ReportContext(view, year(2024))).findings]


def test_a_clean_book_has_no_exceptions() -> None:
    assert findings(CLEAN + ASSERTION) == []


def test_program_postings_without_an_approved_request() -> None:
    seeded = (
        CLEAN
        + ASSERTION
        + """
2024-06-01 * "某人" "直接支出, 无请款"
  Expenses:Program:MF-ST01C01              100.00 CNY
  Assets:Bank:ICBC:MF-ST01C01             -100.00 CNY

2024-06-02 * "某人" "请款未经审批" ^req-R000009
  Expenses:Program:MF-ST01C01               50.00 CNY
  Assets:Bank:ICBC:MF-ST01C01              -50.00 CNY

2024-06-03 * "某人" "退款冲减, 不是支出"
  Assets:Bank:ICBC:MF-ST01C01               20.00 CNY
  Expenses:Program:MF-ST01C01              -20.00 CNY

2024-06-04 * "某企业" "资助, 协议未经审批" ^grant-G000009
  grant: "G000009"
  Expenses:Program:MF-ST01C01               30.00 CNY
  Liabilities:Payable:MF-ST01C01           -30.00 CNY

2024-06-05 * "某企业" "资助协议" ^grant-G000002
  grant: "G000002"
  approval_1_role: "foundation"
  approval_1_org: "WHCDF"
  approval_1_by: "陈静"
  approval_1_at: "2024-06-01T10:00:00+08:00"
  Expenses:Program:MF-ST01C01               40.00 CNY
  Liabilities:Payable:MF-ST01C01           -40.00 CNY

2024-06-06 * "某企业" "资助协议的追加" ^grant-G000002
  Expenses:Program:MF-ST01C01                5.00 CNY
  Liabilities:Payable:MF-ST01C01            -5.00 CNY
"""
    )
    view = load_text(book_text(seeded))
    found = list(compliance(ReportContext(view, year(2024))).findings)
    assert [(f.kind, f.date) for f in found] == [
        ("unapproved_posting", "2024-06-01"),
        ("unapproved_posting", "2024-06-02"),
        ("unapproved_posting", "2024-06-04"),
    ]
    assert found[0].fund == "MF-ST01C01" and ":" in found[0].location


def test_negative_fund() -> None:
    seeded = (
        CLEAN
        + """
2024-07-01 * "工程队" "超额支付" ^req-R000001
  Expenses:Program:MF-ST01C01             2000.00 CNY
  Assets:Bank:ICBC:MF-ST01C01            -2000.00 CNY

2025-01-01 balance Assets:Bank:ICBC  -1300.00 CNY
"""
    )
    view = load_text(book_text(seeded))
    found = compliance(ReportContext(view, year(2024))).findings
    assert [(f.kind, f.fund, f.date, f.detail) for f in found] == [
        ("negative_fund", "MF-ST01C01", "2024-07-01", "-1300.00")
    ]


def test_stale_bank_assertion() -> None:
    assert findings(CLEAN) == [("stale_bank", "")]
    old = "\n2024-11-20 balance Assets:Bank:ICBC  700.00 CNY\n"  # 42 days before the end
    assert findings(CLEAN + old) == [("stale_bank", "")]
    recent = "\n2024-11-27 balance Assets:Bank:ICBC  700.00 CNY\n"  # day 35 counting back
    assert findings(CLEAN + recent) == []
    view = load_text(book_text(CLEAN + old))
    for lang, words in (
        ("zh", "最近一次余额核对 2024-11-20"),
        ("en", "last balance assertion 2024-11-20"),
    ):
        (stale,) = compliance(ReportContext(view, year(2024), lang=lang)).findings
        assert stale.detail == f"Assets:Bank:ICBC: {words}"


def _chained(amounts: list[str]) -> list[data.Transaction]:
    entries, previous = [], GENESIS
    for seq, amount in enumerate(amounts, start=1):
        number = D(amount)
        meta = {"fb_id": f"CT{seq}", "fund": "FDN", "fb_seq": str(seq), "fb_prev": previous}
        entry = data.Transaction(
            meta,
            datetime.date(2024, 2, seq),
            "*",
            "捐赠人",
            f"捐赠 {seq}",
            frozenset(),
            frozenset(),
            [
                data.Posting("Assets:Bank:ICBC:FDN", Amount(number, "CNY"), None, None, None, None),
                data.Posting(
                    "Income:Donation:Unrestricted:FDN",
                    Amount(-number, "CNY"),
                    None,
                    None,
                    None,
                    None,
                ),
            ],
        )
        meta["fb_hash"] = previous = entry_hash(entry, previous)
        entries.append(entry)
    return entries


def test_broken_hash_chain() -> None:
    text = "\n".join(printer.format_entry(e) for e in _chained(["10.00", "20.00", "30.00"]))
    assert findings(CLEAN + ASSERTION.replace("700.00", "760.00") + text) == []
    tampered = text.replace("20.00 CNY", "25.00 CNY")
    found = findings(CLEAN + ASSERTION.replace("700.00", "765.00") + tampered)
    assert found == [("broken_chain", "FDN")]
