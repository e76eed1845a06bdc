"""现金流量表 (会民非03表), direct method, on the lines of the statute, by nature.

Cash is every `Assets:Bank:*` and `Assets:Cash:*` account in scope. A
transaction whose cash postings in scope sum to zero (an interfund transfer
between two funds' shares of a bank, a move from one bank to another) is an
internal transfer and no cash flow. Otherwise each non-cash posting is one
cash flow of the opposite amount, on the line its nature gives:

| counterpart | line (行次) |
|---|---|
| `Income:Donation` | 接受捐赠收到的现金 (1) |
| `Income:Service` | 提供服务收到的现金 (3) |
| `Income:Subsidy` | 政府补助收到的现金 (5) |
| `Income:Other`, a refund of program costs | 收到的其他与业务活动有关的现金 (8) |
| `Income:Investment` | 取得投资收益所收到的现金 (26) |
| `Expenses:Program` | 提供捐赠或者资助支付的现金 (14) |
| `Expenses:Admin`, `Expenses:Fundraising`, `Assets:Prepaid` | 购买商品、接受服务支付的现金 (16) |
| `Expenses:Other` | 支付的其他与业务活动有关的现金 (19) |
| `Assets:Receivable`, `Liabilities:Payable` | the line of the income or expense that raised it (found through the entries' shared link: a pledge received is a donation, a subsidy or a service fee; a payable paid is a grant or a purchase) |

`cash_line: "15"` on the transaction (or posting) puts it on another line
of the form (e.g. 15, 支付给员工以及为员工支付的现金, for salaries). Inflows
and outflows are positive amounts on their lines. Nothing is plugged: cash
that moves against an account of no line (or, for the whole foundation, an
interfund posting in a transaction whose cash does not net to zero) is a
residual, listed as an error with its entries, and then

    closing cash = opening cash + net increase + residual

with a residual of zero on a book kept by the rules. For one fund, interfund
transfers move the fund's own cash and show on a line of their own
(基金间划转, not a line of the form).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from reports.book import ZERO, is_cash, parent_account, posting_number
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table
from reports.forms import header, period_text, revision_note, signatures
from reports.netassets import is_reclassification
from reports.recognition import statement_context


@dataclass(frozen=True, slots=True)
class FormLine:
    """A line of 会民非03表: its 行次, names and whether it is an inflow."""

    row: int
    key: str
    name_zh: str
    name_en: str
    inflow: bool


_FORM = (
    FormLine(1, "cf_donation", "接受捐赠收到的现金", "Cash received from donations", True),
    FormLine(2, "cf_dues", "收取会费收到的现金", "Cash received from membership dues", True),
    FormLine(3, "cf_service", "提供服务收到的现金", "Cash received from services", True),
    FormLine(4, "cf_sales", "销售商品收到的现金", "Cash received from sales of goods", True),
    FormLine(
        5, "cf_subsidy", "政府补助收到的现金", "Cash received from government subsidies", True
    ),
    FormLine(8, "cf_other_in", "收到的其他与业务活动有关的现金", "Other operating receipts", True),
    FormLine(
        14, "cf_grants", "提供捐赠或者资助支付的现金", "Cash paid as donations or grants", False
    ),
    FormLine(
        15, "cf_staff", "支付给员工以及为员工支付的现金", "Cash paid to and for employees", False
    ),
    FormLine(
        16,
        "cf_purchases",
        "购买商品、接受服务支付的现金",
        "Cash paid for goods and services",
        False,
    ),
    FormLine(
        19, "cf_other_out", "支付的其他与业务活动有关的现金", "Other operating payments", False
    ),
    FormLine(25, "cf_inv_back", "收回投资所收到的现金", "Cash received from investments", True),
    FormLine(26, "cf_investment", "取得投资收益所收到的现金", "Investment income received", True),
    FormLine(
        27,
        "cf_disposal",
        "处置固定资产和无形资产所收回的现金",
        "Cash from disposals of fixed and intangible assets",
        True,
    ),
    FormLine(
        30, "cf_inv_other_in", "收到的其他与投资活动有关的现金", "Other investing receipts", True
    ),
    FormLine(
        35,
        "cf_capex",
        "购建固定资产和无形资产所支付的现金",
        "Cash paid for fixed and intangible assets",
        False,
    ),
    FormLine(36, "cf_invest_out", "对外投资所支付的现金", "Cash paid for investments", False),
    FormLine(
        39, "cf_inv_other_out", "支付的其他与投资活动有关的现金", "Other investing payments", False
    ),
    FormLine(45, "cf_borrowing", "借款所收到的现金", "Cash received from borrowing", True),
    FormLine(
        48, "cf_fin_other_in", "收到的其他与筹资活动有关的现金", "Other financing receipts", True
    ),
    FormLine(51, "cf_repayment", "偿还借款所支付的现金", "Cash repaid on borrowings", False),
    FormLine(52, "cf_interest_paid", "偿付利息所支付的现金", "Interest paid", False),
    FormLine(
        55, "cf_fin_other_out", "支付的其他与筹资活动有关的现金", "Other financing payments", False
    ),
)
FORM_LINES = {line.key: line for line in _FORM}
BY_ROW = {line.row: line for line in _FORM}
# (activity key, inflow rows, inflow subtotal row, outflow rows, outflow subtotal row, net row)
ACTIVITIES = (
    ("operating", (1, 2, 3, 4, 5, 8), 13, (14, 15, 16, 19), 23, 24),
    ("investing", (25, 26, 27, 30), 34, (35, 36, 39), 43, 44),
    ("financing", (45, 48), 50, (51, 52, 55), 58, 59),
)
EXCHANGE_ROW, NET_INCREASE_ROW = 60, 61
_HEADINGS = {
    "operating": ("一、业务活动产生的现金流量", "Cash flows from operating activities"),
    "investing": ("二、投资活动产生的现金流量", "Cash flows from investing activities"),
    "financing": ("三、筹资活动产生的现金流量", "Cash flows from financing activities"),
}
_NETS = {
    "operating": ("业务活动产生的现金流量净额", "Net cash from operating activities"),
    "investing": ("投资活动产生的现金流量净额", "Net cash from investing activities"),
    "financing": ("筹资活动产生的现金流量净额", "Net cash from financing activities"),
}
# Income and expense categories -> the line of their cash (inflow, outflow).
_BY_NATURE = {
    "Income:Donation": "cf_donation",
    "Income:Service": "cf_service",
    "Income:Subsidy": "cf_subsidy",
    "Income:Other": "cf_other_in",
    "Income:Investment": "cf_investment",
    "Expenses:Program": "cf_grants",
    "Expenses:Admin": "cf_purchases",
    "Expenses:Fundraising": "cf_purchases",
    "Expenses:Other": "cf_other_out",
    "Assets:Prepaid": "cf_purchases",
}
_SETTLED = ("Assets:Receivable", "Liabilities:Payable")
INTERFUND_KEY = "cf_interfund"


@dataclass(frozen=True, slots=True)
class CashLine:
    key: str
    name_zh: str
    name_en: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Residual:
    """Cash of one entry that no line of the form explains (an error of the book)."""

    date: datetime.date
    amount: Decimal
    accounts: str
    location: str


@dataclass(frozen=True, slots=True)
class CashFlow:
    """The statement: amounts per form line (positive), nets, cash and any residual.

    Attributes:
      lines: form line key -> amount of the period (inflows and outflows positive).
      interfund: a fund's net cash moved by interfund transfers (0 for the foundation).
      nets: activity key -> net cash of that activity.
      residuals: the entries whose cash no line explains.
    """

    lines: dict[str, Decimal]
    interfund: Decimal
    nets: dict[str, Decimal]
    net_increase: Decimal
    opening_cash: Decimal
    closing_cash: Decimal
    residuals: tuple[Residual, ...]
    cash_by_account: tuple[CashLine, ...]

    @property
    def residual(self) -> Decimal:
        return sum((r.amount for r in self.residuals), ZERO)

    def amount(self, key: str) -> Decimal:
        return self.lines.get(key, ZERO)


def _nature(account: str) -> str | None:
    parent = parent_account(account)
    for prefix, key in _BY_NATURE.items():
        if parent == prefix or parent.startswith(prefix + ":"):
            return key
    return None


def _origins(ctx: ReportContext) -> dict[str, str]:
    """Link -> the nature of the income or expense that raised a receivable or payable."""
    found: dict[str, str] = {}
    for txn in ctx.view.transactions:
        if not txn.links or is_reclassification(txn):
            continue
        settled = [p for p in txn.postings if parent_account(p.account) in _SETTLED]
        if not settled or any(is_cash(p.account) for p in txn.postings):
            continue
        for posting in txn.postings:
            nature = _nature(posting.account)
            if nature is not None:
                for link in txn.links:
                    found.setdefault(link, nature)
                break
    return found


def _override(txn: data.Transaction, posting: data.Posting) -> str | None:
    for meta in (posting.meta or {}, txn.meta or {}):
        value = meta.get("cash_line")
        if value is not None:
            try:
                line = BY_ROW.get(int(str(value)))
            except ValueError:
                return None
            return line.key if line is not None else None
    return None


def cash_flow(ctx: ReportContext) -> CashFlow:
    ctx = statement_context(ctx)
    view, period = ctx.view, ctx.period
    origins = _origins(ctx)
    lines: dict[str, Decimal] = defaultdict(lambda: ZERO)
    interfund = ZERO
    residuals: list[Residual] = []
    for txn in view.transactions:
        if txn.date > period.end:
            break
        if txn.date < period.start:
            continue
        mine = [p for p in txn.postings if view.in_scope(p.account, ctx.fund)]
        if not any(is_cash(p.account) for p in mine):
            continue
        cash = sum((posting_number(p) for p in mine if is_cash(p.account)), ZERO)
        if cash == 0:
            continue  # an internal transfer: no cash flow
        unexplained, accounts = ZERO, []
        for posting in mine:
            if is_cash(posting.account):
                continue
            amount = -posting_number(posting)
            key = _override(txn, posting) or _nature(posting.account)
            if key is None and parent_account(posting.account) in _SETTLED:
                key = next((origins[k] for k in sorted(txn.links or ()) if k in origins), None)
                if key is None:
                    key = "cf_other_in" if amount > 0 else "cf_other_out"
            if (
                key is None
                and ctx.fund is not None
                and posting.account.startswith("Equity:Interfund:")
            ):
                interfund += amount
                continue
            if key is None:
                unexplained += amount
                accounts.append(posting.account)
                continue
            line = FORM_LINES[key]
            if amount < 0 and line.inflow:
                key = "cf_other_out"  # income given back
            elif amount > 0 and not line.inflow:
                key = "cf_other_in"  # money paid out and returned
            line = FORM_LINES[key]
            lines[key] += amount if line.inflow else -amount
        if unexplained:
            meta = txn.meta or {}
            residuals.append(
                Residual(
                    txn.date,
                    unexplained,
                    ", ".join(sorted(set(accounts))),
                    f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}",
                )
            )
    nets = {}
    for key, ins, _, outs, _, _ in ACTIVITIES:
        inflow = sum((lines.get(BY_ROW[r].key, ZERO) for r in ins), ZERO)
        outflow = sum((lines.get(BY_ROW[r].key, ZERO) for r in outs), ZERO)
        nets[key] = inflow - outflow
    opening = _cash(ctx, end=period.opening)
    closing_by_account = _cash_accounts(ctx)
    closing = sum(closing_by_account.values(), ZERO)
    return CashFlow(
        dict(lines),
        interfund,
        nets,
        sum(nets.values(), ZERO) + interfund,
        opening,
        closing,
        tuple(residuals),
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
    zh = ctx.lang == "zh"

    def name(pair: tuple[str, str]) -> str:
        return pair[0] if zh else pair[1]

    rows: list[Row] = []
    for key, ins, sub_in, outs, sub_out, net in ACTIVITIES:
        rows.append(Row((name(_HEADINGS[key]), "", None), "heading"))
        for group, subtotal, label_pair in (
            (ins, sub_in, ("现金流入小计", "Cash inflows")),
            (outs, sub_out, ("现金流出小计", "Cash outflows")),
        ):
            total = ZERO
            for row in group:
                line = BY_ROW[row]
                amount = cf.amount(line.key)
                total += amount
                rows.append(Row((line.name_zh if zh else line.name_en, str(row), amount)))
            rows.append(Row((name(label_pair), str(subtotal), total), "subtotal"))
        rows.append(Row((name(_NETS[key]), str(net), cf.nets[key]), "total"))
    if ctx.fund is not None:
        rows.append(Row((t("interfund"), "", cf.interfund)))
    rows.append(
        Row(
            (
                "四、汇率变动对现金的影响额" if zh else "Effect of exchange rates",
                str(EXCHANGE_ROW),
                ZERO,
            )
        )
    )
    rows.append(Row((t("net_increase"), str(NET_INCREASE_ROW), cf.net_increase), "total"))
    rows.append(Row((t("opening_cash"), "", cf.opening_cash)))
    rows.append(Row((t("closing_cash"), "", cf.closing_cash), "total"))
    note = ""
    if cf.residuals:
        rows.append(
            Row(
                ("未能归类的现金（错误）" if zh else "Unexplained cash (error)", "", cf.residual),
                "total",
            )
        )
        note = (
            f"错误：{len(cf.residuals)} 笔分录的现金 {cf.residual} 元不能归入本表任何项目，见下表。"
            if zh
            else f"Error: the cash of {len(cf.residuals)} entries ({cf.residual}) fits no line of the form; see below."
        )
    columns = (
        Column("item", t("item")),
        Column("row", "行次" if zh else "Line"),
        Column("amount", t("amount"), "money"),
    )
    main = Table(
        "cash_flow",
        t("cash-flow"),
        columns,
        tuple(rows),
        note=" ".join(x for x in (note, revision_note(ctx)) if x),
        header=header(ctx, "会民非03表", period_text(ctx)),
        footer=signatures(ctx.lang),
    )
    by_account = Table(
        "cash_by_account",
        t("cash_by_account"),
        (
            Column("account", t("account")),
            Column("name", t("name")),
            Column("amount", t("amount"), "money"),
        ),
        tuple(Row((x.key, x.name_zh if zh else x.name_en, x.amount)) for x in cf.cash_by_account),
    )
    tables = [main, by_account]
    if cf.residuals:
        tables.append(
            Table(
                "cash_residuals",
                "未能归类的现金" if zh else "Unexplained cash",
                (
                    Column("date", t("date")),
                    Column("amount", t("amount"), "money"),
                    Column("accounts", t("account")),
                    Column("location", t("location")),
                ),
                tuple(
                    Row((r.date.isoformat(), r.amount, r.accounts, r.location))
                    for r in cf.residuals
                ),
            )
        )
    return Section("cash-flow", t("cash-flow"), tuple(tables), data=cf)
