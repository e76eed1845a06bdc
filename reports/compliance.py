"""合规性检查: the Charity Law ratios with their inputs, and exceptions.

Ratios: `reports.charityratios` (the 2016 rule: which article, thresholds by
public-fundraising status and 上年末净资产, 上年总收入 with its adjustments, a
three-year average only over three years the book covers, management costs
below 200,000 exempt). The numerator and 当年总支出 are the period's own
figures (`--from/--to`); the report names the rule and every figure used.

Exceptions, over the period:

- `unapproved_posting`: a debit to an `Expenses:Program` account (not in a
  `#close` entry) whose transaction is not approved. It is approved when it
  names a request (`^req-…` link or `request` metadata), a grant (`^grant-…`
  or `grant`) or an allocation (`^alloc-…` or `allocation`) that has,
  somewhere in the book, a transaction carrying its approval chain
  (`approval_1_role`): a link or a name alone approves nothing.
- `negative_fund`: a fund whose balance (Assets + Liabilities) is below zero
  at the end of a day in the period (or at its opening).
- `broken_chain`: an error of `ledger.chain.verify_chain`.
- `stale_bank`: a bank account `Assets:Bank:X` with no `balance` assertion on
  it or its fund subaccounts dated within the last 35 days of the period
  (from end-34 to end+1; an assertion on end+1 checks the closing balance).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from ledger import accounts as chart
from reports.book import ZERO, fund_of, is_close, posting_number
from reports.charityratios import (
    ADMIN_EXEMPT_BELOW,
    Rule,
    Spending,
    YearIncome,
    first_year,
    ratio,
    rule,
    spending,
    year_income,
)
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table

BANK_ASSERTION_DAYS = chart.RECONCILIATION_DAYS_MAX


@dataclass(frozen=True, slots=True)
class Ratio:
    key: str
    numerator: Decimal
    denominator: Decimal | None
    value: Decimal | None
    threshold: Decimal
    met: bool | None


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    date: str
    fund: str
    detail: str
    location: str


@dataclass(frozen=True, slots=True)
class Compliance:
    """The ratios of the period ending in `year`, and the period's exceptions.

    Attributes:
      whole_year: the period is the calendar year `year`.
      rule: the article applied and its thresholds.
      spending: the period's 慈善活动支出, other program costs, management, total.
      years: 上年总收入 and 年末净资产 of the three years before `year` that
        the book covers.
      average: the three-year average of the rule's basis, None unless the
        book covers all three years.
      admin_exempt: management costs below 200,000 (第十一条).
    """

    year: int
    whole_year: bool
    rule: Rule
    spending: Spending
    years: tuple[YearIncome, ...]
    average: Decimal | None
    charitable_prior: Ratio
    charitable_average: Ratio
    charitable_met: bool | None
    admin: Ratio
    admin_exempt: bool
    findings: tuple[Finding, ...]

    @property
    def average_years(self) -> tuple[int, ...]:
        return tuple(y.year for y in self.years) if self.average is not None else ()


def _ratio(
    key: str, numerator: Decimal, denominator: Decimal | None, threshold: Decimal, at_least: bool
) -> Ratio:
    value = ratio(numerator, denominator)
    if value is None:
        return Ratio(key, numerator, denominator, None, threshold, None)
    met = value >= threshold if at_least else value <= threshold
    return Ratio(key, numerator, denominator, value, threshold, met)


def _basis(rule_: Rule, year: YearIncome) -> Decimal:
    return year.adjusted if rule_.basis == "income" else year.net_assets


def compliance(ctx: ReportContext) -> Compliance:
    period = ctx.period
    year = period.end.year
    first = first_year(ctx.view)
    years = tuple(
        year_income(ctx, y)
        for y in (year - 3, year - 2, year - 1)
        if first is not None and y >= first
    )
    prior = years[-1] if years and years[-1].year == year - 1 else None
    rule_ = rule(ctx.view, prior.net_assets if prior is not None else ZERO)
    spent = spending(ctx)
    average = (
        (sum((_basis(rule_, y) for y in years), ZERO) / 3).quantize(Decimal("0.01"))
        if len(years) == 3
        else None
    )
    prior_ratio = _ratio(
        "charitable_prior",
        spent.charitable,
        _basis(rule_, prior) if prior is not None else None,
        rule_.spending_min,
        at_least=True,
    )
    average_ratio = _ratio(
        "charitable_average", spent.charitable, average, rule_.spending_min, at_least=True
    )
    known = [r.met for r in (prior_ratio, average_ratio) if r.met is not None]
    exempt = spent.admin < ADMIN_EXEMPT_BELOW
    admin = _ratio("admin", spent.admin, spent.total, rule_.admin_max, at_least=False)
    if exempt:
        admin = Ratio(
            admin.key, admin.numerator, admin.denominator, admin.value, admin.threshold, None
        )
    findings = (
        *unapproved_postings(ctx),
        *negative_funds(ctx),
        *broken_chain(ctx),
        *stale_banks(ctx),
    )
    return Compliance(
        year,
        period.start == datetime.date(year, 1, 1) and period.end == datetime.date(year, 12, 31),
        rule_,
        spent,
        years,
        average,
        prior_ratio,
        average_ratio,
        any(known) if known else None,
        admin,
        exempt,
        tuple(findings),
    )


def _where(entry: data.Directive) -> str:
    meta = entry.meta or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}"


# metadata key naming a decided item -> the prefix of its link
_DECIDED = {"request": "req-", "grant": "grant-", "allocation": "alloc-"}


def _decided(txn: data.Transaction) -> set[str]:
    """The links of the requests, grants and allocations a transaction names."""
    meta = txn.meta or {}
    names = {link for link in (txn.links or ()) if link.startswith(tuple(_DECIDED.values()))}
    for key, prefix in _DECIDED.items():
        if isinstance(meta.get(key), str):
            names.add(f"{prefix}{meta[key]}")
    return names


def _approved_requests(ctx: ReportContext) -> set[str]:
    approved: set[str] = set()
    for txn in ctx.view.transactions:
        if "approval_1_role" in (txn.meta or {}):
            approved.update(_decided(txn))
    return approved


def _is_approved(txn: data.Transaction, approved: set[str]) -> bool:
    return bool(_decided(txn) & approved)


def unapproved_postings(ctx: ReportContext) -> list[Finding]:
    approved = _approved_requests(ctx)
    findings = []
    prefix = chart.PROGRAM.account + ":"
    for txn in ctx.view.transactions:
        if txn.date not in ctx.period or is_close(txn):
            continue
        for posting in txn.postings:
            if (
                not posting.account.startswith(prefix)
                or posting_number(posting) <= 0
                or not ctx.view.in_scope(posting.account, ctx.fund)
            ):
                continue
            if _is_approved(txn, approved):
                continue
            fund = fund_of(posting.account) or ""
            fb_id = (txn.meta or {}).get("fb_id")
            name = f"fb_id {fb_id}: " if fb_id else ""
            findings.append(
                Finding(
                    "unapproved_posting",
                    txn.date.isoformat(),
                    fund,
                    f"{name}{posting_number(posting)} {txn.narration or ''}".strip(),
                    _where(txn),
                )
            )
    return findings


def negative_funds(ctx: ReportContext) -> list[Finding]:
    running: dict[str, Decimal] = defaultdict(lambda: ZERO)
    worst: dict[str, tuple[Decimal, datetime.date, str]] = {}
    day: datetime.date | None = None
    last_entry: dict[str, data.Transaction] = {}

    start = ctx.period.start

    def check(at: datetime.date) -> None:
        for fund, value in running.items():
            if value < 0 and (fund not in worst or value < worst[fund][0]):
                entry = last_entry.get(fund)
                worst[fund] = (
                    value,
                    max(at, ctx.period.start),
                    _where(entry) if entry is not None else "",
                )

    for txn, posting in ctx.view.postings(start=None, end=ctx.period.end, fund=ctx.fund):
        if day is not None and txn.date != day:
            if day >= start:
                check(day)
            elif txn.date >= start:
                check(ctx.period.opening)
        day = txn.date
        if posting.account.startswith(("Assets:", "Liabilities:")):
            fund = fund_of(posting.account)
            if fund is not None:
                running[fund] += posting_number(posting)
                last_entry[fund] = txn
    if day is not None:
        check(max(day, ctx.period.opening))
    return [
        Finding("negative_fund", date.isoformat(), fund, f"{value}", where)
        for fund, (value, date, where) in sorted(worst.items())
    ]


def broken_chain(ctx: ReportContext) -> list[Finding]:
    findings = []
    for error in ctx.view.chain_errors():
        entry = error.entry
        meta = (entry.meta if entry is not None else None) or {}
        findings.append(
            Finding(
                "broken_chain",
                entry.date.isoformat() if entry is not None else "",
                str(meta.get("fund", "")),
                error.message,
                f"{error.source.get('filename', '?')}:{error.source.get('lineno', '?')}",
            )
        )
    return findings


def stale_banks(ctx: ReportContext) -> list[Finding]:
    end = ctx.period.end
    earliest = end - datetime.timedelta(days=BANK_ASSERTION_DAYS - 1)
    latest = end + datetime.timedelta(days=1)
    last: dict[str, datetime.date] = {}
    recent: set[str] = set()
    opened: set[str] = set()
    for entry in ctx.view.entries:
        if isinstance(entry, data.Open) and entry.date <= end:
            opened.add(entry.account)
        if not isinstance(entry, data.Balance) or not entry.account.startswith("Assets:Bank:"):
            continue
        parent = ":".join(entry.account.split(":")[:3])
        if entry.date <= latest:
            last[parent] = max(last.get(parent, entry.date), entry.date)
        if earliest <= entry.date <= latest:
            recent.add(parent)
    findings = []
    for bank in ctx.view.banks:
        account = bank.category.account
        if ctx.fund is not None:
            if bank.category.for_fund(ctx.fund) not in opened:
                continue
        elif not any(a == account or a.startswith(account + ":") for a in opened):
            continue
        if account in recent:
            continue
        seen = last.get(account)
        findings.append(
            Finding(
                "stale_bank",
                end.isoformat(),
                "",
                f"{account}: "
                + (
                    f"{ctx.t('last_assertion')} {seen.isoformat()}"
                    if seen
                    else ctx.t("no_assertion")
                ),
                account,
            )
        )
    return findings


_RATIO_NAMES = {
    ("charitable_prior", "income"): (
        "慈善活动支出 / 上年总收入",
        "Charitable spending / prior-year income",
    ),
    ("charitable_average", "income"): (
        "慈善活动支出 / 前三年收入平均数",
        "Charitable spending / average income of the prior three years",
    ),
    ("charitable_prior", "net_assets"): (
        "慈善活动支出 / 上年末净资产",
        "Charitable spending / net assets at the prior year's end",
    ),
    ("charitable_average", "net_assets"): (
        "慈善活动支出 / 前三年年末净资产平均数",
        "Charitable spending / average year-end net assets of the prior three years",
    ),
    ("admin", "income"): ("管理费用 / 当年总支出", "Management expenses / total spending"),
    ("admin", "net_assets"): ("管理费用 / 当年总支出", "Management expenses / total spending"),
}


def rule_text(comp: Compliance, lang: str) -> str:
    """Which rule, article and figures the ratios follow, in the report's language."""
    r = comp.rule
    status_zh = {
        True: "具有公开募捐资格",
        False: "不具有公开募捐资格",
        None: "登记信息未设定公开募捐资格，按具有公开募捐资格",
    }[r.public]
    status_en = {
        True: "with public fundraising status",
        False: "without public fundraising status",
        None: "public fundraising status not set in the registry; treated as a foundation with it",
    }[r.public]
    basis_zh = (
        "上年总收入（上年实际收入减去时间限定为上年不得使用的限定性收入，加上于上年解除时间限定的净资产）"
        if r.basis == "income"
        else "上年末净资产"
    )
    basis_en = (
        "prior-year total income (actual income, less restricted income not usable in that year, plus net assets released from time restrictions in that year)"
        if r.basis == "income"
        else "net assets at the prior year's end"
    )
    span_zh = "" if comp.whole_year else "；报告期间不是完整年度，比例按期间数计算，仅供参考"
    span_en = (
        ""
        if comp.whole_year
        else "; the period is not a whole year, so the ratios are of the period, for reference only"
    )
    exempt_zh = (
        "；年度管理费用低于20万元，依第十一条不受管理费用比例限制" if comp.admin_exempt else ""
    )
    exempt_en = (
        "; management costs below 200,000: not held to the ratio (Article 11)"
        if comp.admin_exempt
        else ""
    )
    if lang == "zh":
        return (
            f"依据《关于慈善组织开展慈善活动年度支出和管理费用的规定》（2016）{r.article}，"
            f"基金会{status_zh}：慈善活动支出不低于{basis_zh}的{r.spending_min * 100:.0f}%，"
            f"管理费用不高于当年总支出的{r.admin_max * 100:.0f}%；"
            f"第十条允许以前三年平均数代替上年数{span_zh}{exempt_zh}。"
        )
    return (
        f"Rule on charitable spending and management costs (2016), {r.article}, "
        f"a foundation {status_en}: charitable spending at least {r.spending_min * 100:.0f}% "
        f"of {basis_en}; management costs at most {r.admin_max * 100:.0f}% of total spending; "
        f"Article 10 allows the three-year average instead{span_en}{exempt_en}."
    )


def compliance_section(ctx: ReportContext) -> Section:
    comp = compliance(ctx)
    t = ctx.t
    zh = ctx.lang == "zh"

    def verdict(ratio_: Ratio) -> str:
        if ratio_.key == "admin" and comp.admin_exempt:
            return "不适用（第十一条）" if zh else "exempt (Article 11)"
        return t("not_applicable") if ratio_.met is None else t("pass" if ratio_.met else "fail")

    rows = []
    for item in (comp.charitable_prior, comp.charitable_average, comp.admin):
        name_zh, name_en = _RATIO_NAMES[(item.key, comp.rule.basis)]
        op = "≥" if item.key != "admin" else "≤"
        rows.append(
            Row(
                (
                    name_zh if zh else name_en,
                    item.numerator,
                    item.denominator,
                    item.value,
                    f"{op} {item.threshold * 100:.0f}%",
                    verdict(item),
                )
            )
        )
    ratio_table = Table(
        "ratios",
        f"{t('ratios')} ({comp.year})",
        (
            Column("item", t("item")),
            Column("numerator", t("amount"), "money"),
            Column("denominator", t("amount"), "money"),
            Column("ratio", t("ratio"), "percent"),
            Column("threshold", t("threshold")),
            Column("result", t("result")),
        ),
        tuple(rows),
        note=rule_text(comp, ctx.lang),
    )
    sp = comp.spending
    spending_table = Table(
        "ratio_spending",
        "本期支出" if zh else "Spending of the period",
        (Column("item", t("item")), Column("amount", t("amount"), "money")),
        (
            Row(("慈善活动支出" if zh else "Charitable spending", sp.charitable)),
            Row(("其他业务活动成本" if zh else "Other program costs", sp.other_program)),
            Row(("管理费用" if zh else "Management expenses", sp.admin)),
            Row(("当年总支出" if zh else "Total spending", sp.total), "total"),
        ),
        note=(
            '慈善活动支出为业务活动成本中未标注 activity: "other" 的部分（分录、交易或基金登记）。'
            if zh
            else 'Charitable spending: program costs not marked activity: "other" '
            "(on the posting, its transaction or the fund's registry entry)."
        ),
    )
    inputs = Table(
        "ratio_inputs",
        t("inputs"),
        (
            Column("year", t("year")),
            Column("actual", "实际收入" if zh else "Actual income", "money"),
            Column("deferred", "减：时间限定未到期" if zh else "Less: not yet usable", "money"),
            Column(
                "released", "加：解除时间限定" if zh else "Add: time restriction ended", "money"
            ),
            Column("adjusted", "调整后总收入" if zh else "Adjusted total income", "money"),
            Column("net_assets", "年末净资产" if zh else "Net assets at year end", "money"),
        ),
        tuple(
            Row((str(y.year), y.actual, y.deferred, y.released, y.adjusted, y.net_assets))
            for y in comp.years
        ),
        note=(
            f"{'前三年平均数' if zh else 'Three-year average'}: "
            + (
                f"{comp.average} ({', '.join(map(str, comp.average_years))})"
                if comp.average is not None
                else (
                    "账簿未涵盖前三个完整年度，无法计算"
                    if zh
                    else "the book does not cover the three prior years"
                )
            )
        ),
    )
    findings = Table(
        "exceptions",
        t("exceptions"),
        (
            Column("kind", t("exception_kind")),
            Column("date", t("date")),
            Column("fund", t("fund")),
            Column("detail", t("detail")),
            Column("location", t("location")),
        ),
        tuple(Row((t(f.kind), f.date, f.fund, f.detail, f.location)) for f in comp.findings),
        note="" if comp.findings else t("no_exceptions"),
    )
    return Section(
        "compliance",
        t("compliance"),
        (ratio_table, spending_table, inputs, findings),
        data=comp,
    )
