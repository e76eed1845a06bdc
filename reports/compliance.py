"""合规性检查: the Charity Law ratios with their inputs, and exceptions.

Ratios, for the calendar year Y of the period's last day (慈善法 §60 and the
2016 rules on charitable spending and management costs):

- charitable spending: Expenses:Program of Y divided by the total income of
  Y-1, and by the average total income of Y-3..Y-1 (only the years from the
  book's first transaction on count in the average); met when either is at
  least 70%;
- management expenses: Expenses:Admin of Y divided by all Expenses of Y; met
  when at most 10%.

Income and expenses are summed over the year's postings in scope, `#close`
entries excluded (they only move the year's figures into net assets).

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
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table

THRESHOLD_CHARITABLE = Decimal("0.70")
THRESHOLD_ADMIN = Decimal("0.10")
BANK_ASSERTION_DAYS = chart.RECONCILIATION_DAYS_MAX
RATIO_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class YearFigures:
    year: int
    income: Decimal
    program: Decimal
    admin: Decimal
    expenses: Decimal


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
    year: int
    years: tuple[YearFigures, ...]
    average_years: tuple[int, ...]
    average_income: Decimal | None
    charitable_prior: Ratio
    charitable_average: Ratio
    charitable_met: bool | None
    admin: Ratio
    findings: tuple[Finding, ...]


def year_figures(ctx: ReportContext, year: int) -> YearFigures:
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for _, posting in ctx.view.postings(
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        fund=ctx.fund,
        closes=False,
    ):
        account, number = posting.account, posting_number(posting)
        if account.startswith("Income:"):
            sums["income"] -= number
        elif account.startswith("Expenses:"):
            sums["expenses"] += number
            if account.startswith(chart.PROGRAM.account + ":"):
                sums["program"] += number
            elif account.startswith(chart.ADMIN.account + ":"):
                sums["admin"] += number
    return YearFigures(year, sums["income"], sums["program"], sums["admin"], sums["expenses"])


def _ratio(
    key: str, numerator: Decimal, denominator: Decimal | None, threshold: Decimal, at_least: bool
) -> Ratio:
    if denominator is None or denominator <= 0:
        return Ratio(key, numerator, denominator, None, threshold, None)
    value = (numerator / denominator).quantize(RATIO_PLACES)
    met = value >= threshold if at_least else value <= threshold
    return Ratio(key, numerator, denominator, value, threshold, met)


def _first_year(ctx: ReportContext) -> int | None:
    txns = ctx.view.transactions
    return txns[0].date.year if txns else None


def ratios(ctx: ReportContext) -> tuple[YearFigures, ...]:
    year = ctx.period.end.year
    return tuple(year_figures(ctx, y) for y in (year - 3, year - 2, year - 1, year))


def compliance(ctx: ReportContext) -> Compliance:
    year = ctx.period.end.year
    figures = ratios(ctx)
    current, prior = figures[3], figures[2]
    first = _first_year(ctx)
    counted = tuple(f for f in figures[:3] if first is not None and f.year >= first)
    average = (
        (sum((f.income for f in counted), ZERO) / len(counted)).quantize(Decimal("0.01"))
        if counted
        else None
    )
    prior_ratio = _ratio(
        "charitable_prior",
        current.program,
        prior.income if first is not None and prior.year >= first else None,
        THRESHOLD_CHARITABLE,
        at_least=True,
    )
    average_ratio = _ratio(
        "charitable_average", current.program, average, THRESHOLD_CHARITABLE, at_least=True
    )
    known = [r.met for r in (prior_ratio, average_ratio) if r.met is not None]
    admin = _ratio("admin", current.admin, current.expenses, THRESHOLD_ADMIN, at_least=False)
    findings = (
        *unapproved_postings(ctx),
        *negative_funds(ctx),
        *broken_chain(ctx),
        *stale_banks(ctx),
    )
    return Compliance(
        year,
        figures,
        tuple(f.year for f in counted),
        average,
        prior_ratio,
        average_ratio,
        any(known) if known else None,
        admin,
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


def compliance_section(ctx: ReportContext) -> Section:
    comp = compliance(ctx)
    t = ctx.t

    def verdict(met: bool | None) -> str:
        return t("not_applicable") if met is None else t("pass" if met else "fail")

    names = {
        "charitable_prior": ("公益支出 / 上年总收入", "Charitable spending / prior-year income"),
        "charitable_average": (
            "公益支出 / 前三年平均总收入",
            "Charitable spending / average income of the prior three years",
        ),
        "admin": ("管理费用 / 当年总支出", "Management expenses / total spending"),
    }
    rows = []
    for ratio in (comp.charitable_prior, comp.charitable_average, comp.admin):
        zh, en = names[ratio.key]
        op = "≥" if ratio.key != "admin" else "≤"
        rows.append(
            Row(
                (
                    zh if ctx.lang == "zh" else en,
                    ratio.numerator,
                    ratio.denominator,
                    ratio.value,
                    f"{op} {ratio.threshold * 100:.0f}%",
                    verdict(ratio.met),
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
    )
    inputs = Table(
        "ratio_inputs",
        t("inputs"),
        (
            Column("year", t("year")),
            Column("income", t("income"), "money"),
            Column("program", "业务活动成本" if ctx.lang == "zh" else "Program costs", "money"),
            Column("admin", "管理费用" if ctx.lang == "zh" else "Management expenses", "money"),
            Column("expenses", t("expense_total"), "money"),
        ),
        tuple(Row((str(f.year), f.income, f.program, f.admin, f.expenses)) for f in comp.years),
        note=(
            f"{t('average_income')} ({', '.join(map(str, comp.average_years)) or '—'}): "
            f"{comp.average_income if comp.average_income is not None else '—'}"
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
    return Section("compliance", t("compliance"), (ratio_table, inputs, findings), data=comp)
