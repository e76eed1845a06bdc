"""The Charity Law ratios, after the 2016 rule on charitable spending and management costs.

《关于慈善组织开展慈善活动年度支出和管理费用的规定》(民政部、财政部、国家税务总局,
2016) sets, for a foundation (基金会):

- 具有公开募捐资格 (第七条): 年度慈善活动支出 ≥ 70% of 上年总收入; 年度管理费用
  ≤ 10% of 当年总支出;
- 不具有公开募捐资格 (第八条), by 上年末净资产:
  ≥ 6,000万: spending ≥ 6% of 上年末净资产, management ≤ 12%;
  800万–6,000万: 6%, 13%; 400万–800万: 7%, 15%; below 400万: 8%, 20%;
- 第十条: the average of the prior three years (收入, or 年末净资产) may replace
  the prior year's figure; 上年总收入 = 上年实际收入 − 上年收入中时间限定为上年
  不得使用的限定性收入 + 于上年解除时间限定的净资产;
- 第十一条: management expenses below 200,000 are not held to the ratio.

How the book says it:

- the status is a registry setting, on the foundation's organization:
  `custom "fundbook-org" "WHCDF"` with `public_fundraising: "yes"` (or "no");
  absent, the report says so and applies 第七条;
- 慈善活动支出 is the `Expenses:Program` spending of the period except what is
  marked `activity: "other"` (其他业务活动成本) on the posting, its transaction,
  or the fund's `custom "fundbook-fund"` directive;
- a time restriction is `usable_from: "YYYY-MM-DD"` on a restricted income
  posting or its transaction: income of year Y usable only after Y is taken
  out of Y's 上年总收入 and added to the year it becomes usable in.

The numerator and 当年总支出 are the report period's own figures (a period
shorter than a year gives the period's ratios, and the report says so); the
denominators are of the calendar years before the period's last day.
Year-end closes and booked releases are left out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import data

from funds.model import OrgKind
from ledger import accounts as chart
from reports.book import ZERO, BookView, fund_of, posting_number
from reports.context import ReportContext
from reports.figures import net_assets
from reports.netassets import is_reclassification
from reports.recognition import statement_context

RATIO_PLACES = Decimal("0.0001")
WAN = Decimal("10000")
ADMIN_EXEMPT_BELOW = Decimal("200000.00")
PUBLIC_SPENDING, PUBLIC_ADMIN = Decimal("0.70"), Decimal("0.10")
# 第八条: (上年末净资产 at least, spending at least, management at most)
NONPUBLIC_TIERS = (
    (6000 * WAN, Decimal("0.06"), Decimal("0.12")),
    (800 * WAN, Decimal("0.06"), Decimal("0.13")),
    (400 * WAN, Decimal("0.07"), Decimal("0.15")),
    (ZERO, Decimal("0.08"), Decimal("0.20")),
)


@dataclass(frozen=True, slots=True)
class YearIncome:
    """上年总收入 of one year and its 第十条 adjustments.

    Attributes:
      actual: the year's income (业务活动表 收入合计).
      deferred: restricted income of the year not usable until a later year.
      released: earlier years' income whose time restriction ended in the year.
      net_assets: net assets at the year's end.
    """

    year: int
    actual: Decimal
    deferred: Decimal
    released: Decimal
    net_assets: Decimal

    @property
    def adjusted(self) -> Decimal:
        return self.actual - self.deferred + self.released


@dataclass(frozen=True, slots=True)
class Spending:
    """The period's spending: 慈善活动支出, other program costs, management, total."""

    charitable: Decimal
    other_program: Decimal
    admin: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Rule:
    """Which article applies and its thresholds."""

    public: bool | None  # None: the registry does not say (第七条 applied)
    article: str
    basis: str  # "income" (上年总收入) or "net_assets" (上年末净资产)
    spending_min: Decimal
    admin_max: Decimal


def public_fundraising(view: BookView) -> bool | None:
    """The foundation's `public_fundraising` setting in the registry, if any."""
    foundations = {org.code for org in view.registry.of_kind(OrgKind.FOUNDATION)}
    for entry in view.entries:
        if isinstance(entry, data.Custom) and entry.type == "fundbook-org":
            code = entry.values[0].value if entry.values else None
            setting = (entry.meta or {}).get("public_fundraising")
            if code in foundations and isinstance(setting, str):
                return setting.strip().lower() in ("yes", "true", "是")
    return None


def _fund_activities(view: BookView) -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in view.entries:
        if isinstance(entry, data.Custom) and entry.type == "fundbook-fund" and entry.values:
            activity = (entry.meta or {}).get("activity")
            if isinstance(activity, str):
                found[str(entry.values[0].value)] = activity
    return found


def _meta(txn: data.Transaction, posting: data.Posting, key: str) -> Any:
    for meta in (posting.meta or {}, txn.meta or {}):
        if key in meta:
            return meta[key]
    return None


def spending(ctx: ReportContext) -> Spending:
    ctx = statement_context(ctx)
    view, period = ctx.view, ctx.period
    activities = _fund_activities(view)
    sums = {"charitable": ZERO, "other": ZERO, "admin": ZERO, "total": ZERO}
    for txn, posting in view.postings(start=period.start, end=period.end, fund=ctx.fund):
        if is_reclassification(txn) or not posting.account.startswith("Expenses:"):
            continue
        number = posting_number(posting)
        sums["total"] += number
        if posting.account.startswith(chart.PROGRAM.account + ":"):
            activity = _meta(txn, posting, "activity") or activities.get(
                fund_of(posting.account) or "", "charitable"
            )
            sums["other" if activity == "other" else "charitable"] += number
        elif posting.account.startswith(chart.ADMIN.account + ":"):
            sums["admin"] += number
    return Spending(sums["charitable"], sums["other"], sums["admin"], sums["total"])


def _usable_from(txn: data.Transaction, posting: data.Posting) -> datetime.date | None:
    value = _meta(txn, posting, "usable_from")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def year_income(ctx: ReportContext, year: int) -> YearIncome:
    ctx = statement_context(ctx)
    view = ctx.view
    end = datetime.date(year, 12, 31)
    actual = deferred = released = ZERO
    for txn, posting in view.postings(start=None, end=end, fund=ctx.fund):
        if is_reclassification(txn) or not posting.account.startswith("Income:"):
            continue
        income = -posting_number(posting)
        usable = _usable_from(txn, posting)
        if txn.date.year == year:
            actual += income
            if usable is not None and usable > end:
                deferred += income
        elif usable is not None and usable.year == year:
            released += income
    balances = view.balances(end=end, fund=ctx.fund)
    return YearIncome(
        year, actual, deferred, released, net_assets(view, balances, end, ctx.fund).total
    )


def rule(view: BookView, prior_net_assets: Decimal) -> Rule:
    public = public_fundraising(view)
    if public is not False:
        return Rule(public, "第七条", "income", PUBLIC_SPENDING, PUBLIC_ADMIN)
    for floor, spend, admin in NONPUBLIC_TIERS:
        if prior_net_assets >= floor:
            return Rule(public, "第八条", "net_assets", spend, admin)
    raise AssertionError("the last tier has no floor")  # pragma: no cover


def ratio(numerator: Decimal, denominator: Decimal | None) -> Decimal | None:
    if denominator is None or denominator <= 0:
        return None
    return (numerator / denominator).quantize(RATIO_PLACES)


def first_year(view: BookView) -> int | None:
    """The first year the book covers (its first transaction's)."""
    txns = view.transactions
    return txns[0].date.year if txns else None
