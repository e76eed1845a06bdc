"""The statutory statements' figures: 科目余额表, 资产负债表 and 业务活动表.

The forms they are printed on (会民非01表, 会民非02表) are `reports.forms`.

Trial balance: every account (per category for the whole foundation, per
account for one fund) with opening balance, debits and credits of the period
and closing balance; debits equal credits.

Balance sheet (资产负债表) at the period's opening and closing day: assets,
liabilities and net assets by column (see `reports.netassets`). Income and
expense not yet closed count in net assets, so the statement balances on any
day, not only after the year-end close.

Statement of activities (业务活动表): income by kind and expenses by category
in 非限定性 / 限定性 / 合计 columns, the release of restrictions and, for one
fund, its interfund transfers and other direct changes of net assets. The
columns follow `reports.netassets`: a board designation (unrestricted money
moved into a restricted fund) stays 非限定性, spending releases restricted
money first, and money a restricted fund moves to an unrestricted one is a
release, not an interfund transfer. Year-end closes and booked releases are
left out (they only move amounts within a fund's own accounts), so the
statement reads the same before and after a close. The change in net assets
equals the balance sheet's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from beancount.core import data

from funds.model import Restriction
from reports.book import ZERO, BookView, fund_of, posting_number
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table
from reports.figures import (
    AccountName,
    Columns,
    account_name,
    by_parent,
    columns_sum,
    net_assets,
    sort_key,
)
from reports.labels import income_codes, label
from reports.netassets import is_reclassification, period_moves, split_at
from reports.recognition import interest_restricted, is_interest, statement_context

R_ = Restriction.RESTRICTED


@dataclass(frozen=True, slots=True)
class TrialLine:
    account: str
    code: str
    name_zh: str
    name_en: str
    opening: Decimal
    debit: Decimal
    credit: Decimal
    closing: Decimal


@dataclass(frozen=True, slots=True)
class TrialBalance:
    lines: tuple[TrialLine, ...]
    opening_total: Decimal
    debit_total: Decimal
    credit_total: Decimal
    closing_total: Decimal


def trial_balance(ctx: ReportContext) -> TrialBalance:
    view, period = ctx.view, ctx.period
    opening = view.balances(end=period.opening, fund=ctx.fund)
    debit: dict[str, Decimal] = defaultdict(lambda: ZERO)
    credit: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for _, posting in view.postings(start=period.start, end=period.end, fund=ctx.fund):
        number = posting_number(posting)
        target = debit if number > 0 else credit
        target[posting.account] += abs(number)
    if ctx.fund is None:
        opening = by_parent(opening)
        debit, credit = _group(debit), _group(credit)
    accounts = sorted(set(opening) | set(debit) | set(credit))
    lines = []
    for account in accounts:
        name = _name(ctx, account)
        o, d, c = opening.get(account, ZERO), debit.get(account, ZERO), credit.get(account, ZERO)
        if o == d == c == ZERO:
            continue
        lines.append(TrialLine(account, name.code, name.name_zh, name.name_en, o, d, c, o + d - c))
    lines.sort(key=lambda line: sort_key(AccountName(line.account, line.code, "", "")))
    return TrialBalance(
        tuple(lines),
        sum((line.opening for line in lines), ZERO),
        sum((line.debit for line in lines), ZERO),
        sum((line.credit for line in lines), ZERO),
        sum((line.closing for line in lines), ZERO),
    )


def _group(sums: dict[str, Decimal]) -> defaultdict[str, Decimal]:
    grouped: defaultdict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, number in by_parent(sums).items():
        grouped[account] = number
    return grouped


def _name(ctx: ReportContext, account: str) -> AccountName:
    category = ctx.view.category(account)
    if category is None:
        return account_name(ctx.view, account)
    return AccountName(account, category.code, category.name_zh, category.name_en)


def direction(balance: Decimal, lang: str) -> str:
    """借 / 贷 / 平 of a balance (debit positive), as a 科目余额表 prints it."""
    if balance > 0:
        return "借" if lang == "zh" else "Dr"
    if balance < 0:
        return "贷" if lang == "zh" else "Cr"
    return "平" if lang == "zh" else "-"


def trial_balance_section(ctx: ReportContext) -> Section:
    tb = trial_balance(ctx)
    t = ctx.t
    zh = ctx.lang == "zh"
    columns = (
        Column("code", "科目编码" if zh else "Code"),
        Column("name", "科目名称" if zh else "Account"),
        Column("opening_direction", "方向" if zh else "Dr/Cr"),
        Column("opening", "期初余额" if zh else "Opening", "money"),
        Column("debit", "本期借方" if zh else "Debit", "money"),
        Column("credit", "本期贷方" if zh else "Credit", "money"),
        Column("closing_direction", "方向" if zh else "Dr/Cr"),
        Column("closing", "期末余额" if zh else "Closing", "money"),
    )
    rows = [
        Row(
            (
                line.code,
                line.name_zh if zh else f"{line.name_en} ({line.account})",
                direction(line.opening, ctx.lang),
                abs(line.opening),
                line.debit,
                line.credit,
                direction(line.closing, ctx.lang),
                abs(line.closing),
            )
        )
        for line in tb.lines
    ]
    rows.append(
        Row(
            (
                "",
                t("total"),
                "",
                None,
                tb.debit_total,
                tb.credit_total,
                "",
                None,
            ),
            "total",
        )
    )
    table = Table("trial_balance", t("trial-balance"), columns, tuple(rows))
    return Section("trial-balance", t("trial-balance"), (table,), data=tb)


@dataclass(frozen=True, slots=True)
class SheetLine:
    account: str
    code: str
    name_zh: str
    name_en: str
    opening: Decimal
    closing: Decimal


@dataclass(frozen=True, slots=True)
class BalanceSheet:
    assets: tuple[SheetLine, ...]
    total_assets: SheetLine
    liabilities: tuple[SheetLine, ...]
    total_liabilities: SheetLine
    net_unrestricted: SheetLine
    net_restricted: SheetLine
    total_net_assets: SheetLine
    total_liabilities_net_assets: SheetLine

    @property
    def balances(self) -> bool:
        return (
            self.total_assets.opening == self.total_liabilities_net_assets.opening
            and self.total_assets.closing == self.total_liabilities_net_assets.closing
        )


def _label_line(key: str, code: str, opening: Decimal, closing: Decimal) -> SheetLine:
    return SheetLine(key, code, label(key, "zh"), label(key, "en"), opening, closing)


def balance_sheet(ctx: ReportContext) -> BalanceSheet:
    ctx = statement_context(ctx)
    view, period = ctx.view, ctx.period
    before = view.balances(end=period.opening, fund=ctx.fund)
    after = view.balances(end=period.end, fund=ctx.fund)
    parents_before, parents_after = by_parent(before), by_parent(after)
    lines: dict[str, list[SheetLine]] = {"Assets": [], "Liabilities": []}
    for account in sorted(set(parents_before) | set(parents_after)):
        root = account.split(":", 1)[0]
        if root not in lines:
            continue
        o, c = parents_before.get(account, ZERO), parents_after.get(account, ZERO)
        if o == c == ZERO:
            continue
        sign = 1 if root == "Assets" else -1
        name = _name(ctx, account)
        lines[root].append(
            SheetLine(account, name.code, name.name_zh, name.name_en, sign * o, sign * c)
        )
    for group in lines.values():
        group.sort(key=lambda line: (line.code or "9999", line.account))
    total_assets = _label_line("total_assets", "", *_totals(lines["Assets"]))
    total_liabilities = _label_line("total_liabilities", "", *_totals(lines["Liabilities"]))
    nb, na = split_net_assets(ctx, before, period.opening), split_net_assets(ctx, after, period.end)
    unrestricted = _label_line("net_unrestricted", "3101", nb.unrestricted, na.unrestricted)
    restricted = _label_line("net_restricted", "3102", nb.restricted, na.restricted)
    total_net = _label_line("total_net_assets", "", nb.total, na.total)
    grand = _label_line(
        "total_liabilities_net_assets",
        "",
        total_liabilities.opening + nb.total,
        total_liabilities.closing + na.total,
    )
    return BalanceSheet(
        tuple(lines["Assets"]),
        total_assets,
        tuple(lines["Liabilities"]),
        total_liabilities,
        unrestricted,
        restricted,
        total_net,
        grand,
    )


def _totals(lines: list[SheetLine]) -> tuple[Decimal, Decimal]:
    return sum((x.opening for x in lines), ZERO), sum((x.closing for x in lines), ZERO)


@dataclass(frozen=True, slots=True)
class ActivityLine:
    key: str
    code: str
    name_zh: str
    name_en: str
    unrestricted: Decimal
    restricted: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class Activities:
    income: tuple[ActivityLine, ...]
    income_total: ActivityLine
    expenses: tuple[ActivityLine, ...]
    expense_total: ActivityLine
    release: ActivityLine
    interfund: ActivityLine
    other: ActivityLine
    change: ActivityLine
    opening: ActivityLine
    closing: ActivityLine


def _activity_line(
    key: str, code: str, amount: Columns, names: tuple[str, str] | None = None
) -> ActivityLine:
    zh, en = names or (label(key, "zh"), label(key, "en"))
    return ActivityLine(key, code, zh, en, amount.unrestricted, amount.restricted, amount.total)


def split_net_assets(ctx: ReportContext, balances: dict[str, Decimal], day: date) -> Columns:
    """Net assets at the end of `day` in the 非限定性 / 限定性 columns (`reports.netassets`)."""
    total = net_assets(ctx.view, balances, day, ctx.fund).total
    if ctx.fund is not None and ctx.view.fund_restriction(ctx.fund) is not Restriction.RESTRICTED:
        return Columns(total, ZERO)
    restricted = split_at(ctx.view, day).restricted(ctx.fund)
    return Columns(total - restricted, restricted)


def income_column(view: BookView, txn: data.Transaction, posting: data.Posting) -> Restriction:
    """The column of an income posting: restricted only in a restricted fund.

    Interest of a restricted fund is unrestricted unless the donor stipulated
    otherwise (`reports.recognition`).
    """
    account = posting.account
    if view.fund_restriction(fund_of(account)) is not Restriction.RESTRICTED:
        return Restriction.UNRESTRICTED
    if is_interest(account) and not interest_restricted(view, txn, posting):
        return Restriction.UNRESTRICTED
    category = view.category(account)
    if category is not None and category.restriction is Restriction.UNRESTRICTED:
        return Restriction.UNRESTRICTED
    return Restriction.RESTRICTED


def activities(ctx: ReportContext) -> Activities:
    ctx = statement_context(ctx)
    view, period = ctx.view, ctx.period
    income: dict[str, Columns] = defaultdict(Columns)
    expenses: dict[str, Columns] = defaultdict(Columns)
    unrestricted_interfund, unrestricted_other = ZERO, ZERO
    for txn, posting in view.postings(
        start=period.start, end=period.end, fund=ctx.fund, closes=False
    ):
        if is_reclassification(txn):
            continue
        category = view.category(posting.account)
        root = posting.account.split(":", 1)[0]
        number = -posting_number(posting)
        if root == "Income":
            code = category.code if category else "4901"
            income[code] = income[code] + Columns.of(income_column(view, txn, posting), number)
        elif root == "Expenses":
            key = category.account if category else posting.account
            expenses[key] = expenses[key] + Columns(-number, ZERO)
        elif root == "Equity" and view.fund_restriction(fund_of(posting.account)) is not R_:
            if posting.account.startswith("Equity:Interfund:"):
                unrestricted_interfund += number
            else:
                unrestricted_other += number
    moves = period_moves(view, period.start, period.end, ctx.fund)
    released = moves["released"]
    release = Columns(released, -released)
    interfund = Columns(
        unrestricted_interfund + moves["transfer_d"] - moves["transfer_release"],
        moves["transfer_r"],
    )
    other = Columns(unrestricted_other + moves["direct_d"], moves["direct_r"])
    income_lines = tuple(
        _activity_line(f"income_{code}", code, income[code])
        for code in (*income_codes(), *sorted(set(income) - set(income_codes())))
        if code in income or code in income_codes()
    )
    expense_lines = []
    for key in sorted(expenses, key=lambda k: (_name(ctx, k).code or "9999", k)):
        name = _name(ctx, key)
        expense_lines.append(
            _activity_line(key, name.code, expenses[key], (name.name_zh, name.name_en))
        )
    income_total = columns_sum(income.values())
    expense_total = columns_sum(expenses.values())
    before = view.balances(end=period.opening, fund=ctx.fund)
    after = view.balances(end=period.end, fund=ctx.fund)
    change = income_total - expense_total + release + interfund + other
    opening = split_net_assets(ctx, before, period.opening)
    closing = split_net_assets(ctx, after, period.end)
    return Activities(
        income_lines,
        _activity_line("income_total", "", income_total),
        tuple(expense_lines),
        _activity_line("expense_total", "", expense_total),
        _activity_line("release", "", release),
        _activity_line("interfund", "", interfund),
        _activity_line("other_net", "", other),
        _activity_line("change_net_assets", "", change),
        _activity_line("opening_net_assets", "", opening),
        _activity_line("closing_net_assets", "", closing),
    )
