"""现金流量表 (statement of cash flows), direct method.

Cash is every `Assets:Bank:*` and `Assets:Cash:*` account in scope. For each
transaction of the period that moves cash in scope, each of its non-cash
postings in scope is one cash flow of the opposite amount, classified by the
posting's category: a donation credited to income is cash received from
donations, a payable debited is an approved request or grant paid, an
interfund posting is a transfer between funds. Transactions that balance fund
by fund therefore explain every yuan; whatever does not (a manual entry that
crosses funds) appears as "unclassified", so that

    closing cash = opening cash + net increase

holds on every book, and any gap is visible, not hidden.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from reports.book import ZERO, is_cash, parent_account, posting_number
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table
from reports.labels import label

_OPERATING_IN = (
    "cf_donation",
    "cf_service",
    "cf_subsidy",
    "cf_other_income",
    "cf_receivable",
    "cf_refund",
)
_OPERATING_OUT = (
    "cf_payable",
    "cf_program",
    "cf_admin",
    "cf_fundraising",
    "cf_other_expense",
    "cf_prepaid",
)
_BY_PARENT = {
    "Income:Donation": "cf_donation",
    "Income:Service": "cf_service",
    "Income:Subsidy": "cf_subsidy",
    "Income:Other": "cf_other_income",
    "Income:Investment": "cf_investment",
    "Assets:Receivable": "cf_receivable",
    "Assets:Prepaid": "cf_prepaid",
    "Liabilities:Payable": "cf_payable",
    "Expenses:Program": "cf_program",
    "Expenses:Admin": "cf_admin",
    "Expenses:Fundraising": "cf_fundraising",
    "Expenses:Other": "cf_other_expense",
    "Equity:Interfund": "cf_interfund",
    "Equity:NetAssets": "cf_equity",
}


def classify(account: str, amount: Decimal) -> str:
    """The cash-flow line of a counterpart posting (amount is the cash effect)."""
    parent = parent_account(account)
    for prefix, key in _BY_PARENT.items():
        if parent == prefix or parent.startswith(prefix + ":"):
            if (
                key in ("cf_program", "cf_admin", "cf_fundraising", "cf_other_expense")
                and amount > 0
            ):
                return "cf_refund"
            return key
    return "cf_unclassified"


@dataclass(frozen=True, slots=True)
class CashLine:
    key: str
    name_zh: str
    name_en: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CashFlow:
    operating_in: tuple[CashLine, ...]
    operating_out: tuple[CashLine, ...]
    operating_net: Decimal
    investing: tuple[CashLine, ...]
    investing_net: Decimal
    financing: tuple[CashLine, ...]
    financing_net: Decimal
    net_increase: Decimal
    opening_cash: Decimal
    closing_cash: Decimal
    cash_by_account: tuple[CashLine, ...]


def _line(key: str, amount: Decimal) -> CashLine:
    return CashLine(key, label(key, "zh"), label(key, "en"), amount)


def cash_flow(ctx: ReportContext) -> CashFlow:
    view, period = ctx.view, ctx.period
    flows: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for txn in view.transactions:
        if txn.date > period.end:
            break
        if txn.date < period.start:
            continue
        mine = [p for p in txn.postings if view.in_scope(p.account, ctx.fund)]
        cash = sum((posting_number(p) for p in mine if is_cash(p.account)), ZERO)
        if not any(is_cash(p.account) for p in mine):
            continue
        explained = ZERO
        for posting in mine:
            if is_cash(posting.account):
                continue
            amount = -posting_number(posting)
            flows[classify(posting.account, amount)] += amount
            explained += amount
        if explained != cash:
            flows["cf_unclassified"] += cash - explained
    opening = _cash(ctx, end=period.opening)
    closing_by_account = _cash_accounts(ctx)
    closing = sum(closing_by_account.values(), ZERO)
    operating_in = tuple(_line(k, flows[k]) for k in _OPERATING_IN if flows.get(k))
    operating_out = tuple(_line(k, flows[k]) for k in _OPERATING_OUT if flows.get(k))
    investing = tuple(_line(k, flows[k]) for k in ("cf_investment",) if flows.get(k))
    financing = tuple(
        _line(k, flows[k]) for k in ("cf_interfund", "cf_equity", "cf_unclassified") if flows.get(k)
    )
    op_net = sum((x.amount for x in (*operating_in, *operating_out)), ZERO)
    inv_net = sum((x.amount for x in investing), ZERO)
    fin_net = sum((x.amount for x in financing), ZERO)
    return CashFlow(
        operating_in,
        operating_out,
        op_net,
        investing,
        inv_net,
        financing,
        fin_net,
        op_net + inv_net + fin_net,
        opening,
        closing,
        tuple(
            _account_line(ctx, account, number)
            for account, number in sorted(closing_by_account.items())
        ),
    )


def _account_line(ctx: ReportContext, account: str, number: Decimal) -> CashLine:
    category = ctx.view.category(account)
    if category is None:
        return CashLine(account, account, account, number)
    return CashLine(account, category.name_zh, category.name_en, number)


def _cash(ctx: ReportContext, *, end: datetime.date) -> Decimal:
    balances = ctx.view.balances(end=end, fund=ctx.fund)
    return sum((n for a, n in balances.items() if is_cash(a)), ZERO)


def _cash_accounts(ctx: ReportContext) -> dict[str, Decimal]:
    balances = ctx.view.balances(end=ctx.period.end, fund=ctx.fund)
    grouped: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, number in balances.items():
        if is_cash(account):
            grouped[account if ctx.fund else parent_account(account)] += number
    return {a: n for a, n in grouped.items() if n != 0}


def cash_flow_section(ctx: ReportContext) -> Section:
    cf = cash_flow(ctx)
    t = ctx.t

    def row(line: CashLine, style: str = "") -> Row:
        return Row((line.name_zh if ctx.lang == "zh" else line.name_en, line.amount), style)  # type: ignore[arg-type]

    def heading(key: str) -> Row:
        return Row((t(key), None), "heading")

    rows = [
        heading("operating"),
        *(row(x) for x in cf.operating_in),
        Row((t("cash_in"), sum((x.amount for x in cf.operating_in), ZERO)), "subtotal"),
        *(row(x) for x in cf.operating_out),
        Row((t("cash_out"), sum((x.amount for x in cf.operating_out), ZERO)), "subtotal"),
        Row((t("net_cash"), cf.operating_net), "total"),
        heading("investing"),
        *(row(x) for x in cf.investing),
        Row((t("net_cash"), cf.investing_net), "total"),
        heading("financing"),
        *(row(x) for x in cf.financing),
        Row((t("net_cash"), cf.financing_net), "total"),
        Row((t("net_increase"), cf.net_increase), "total"),
        Row((t("opening_cash"), cf.opening_cash)),
        Row((t("closing_cash"), cf.closing_cash), "total"),
    ]
    columns = (Column("item", t("item")), Column("amount", t("amount"), "money"))
    main = Table("cash_flow", t("cash-flow"), columns, tuple(rows))
    by_account = Table(
        "cash_by_account",
        t("cash_by_account"),
        (
            Column("account", t("account")),
            Column("name", t("name")),
            Column("amount", t("amount"), "money"),
        ),
        tuple(
            Row((x.key, x.name_zh if ctx.lang == "zh" else x.name_en, x.amount))
            for x in cf.cash_by_account
        ),
    )
    return Section("cash-flow", t("cash-flow"), (main, by_account), data=cf)
