"""基金收支表: a statement for every fund in scope.

For each fund over the period: opening balance (net assets = its Assets and
Liabilities), inflows by source (the `source` metadata of the entry, a
registered organization's name where the source is its code, else the income
category), outflows by expense category, transfers in and out
(`Equity:Interfund`, entries tagged #interfund), other direct changes of net
assets, closing balance; then commitments (approved but unpaid: the fund's
`Liabilities:Payable` balance) and holds (requests in flight, from the
workflow database when there is one). `#close` entries are left out: within
one fund they move nothing between the lines above.

    closing = opening + inflows - outflows + transfers in - transfers out + other
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from ledger import accounts as chart
from reports.book import ZERO, fund_of, posting_number
from reports.charts import fund_balance_chart
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table
from reports.figures import fund_balance
from reports.workflow import holds_by_fund
from store import workflow


@dataclass(frozen=True, slots=True)
class Flow:
    fund: str
    label_zh: str
    label_en: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FundStatement:
    code: str
    name_zh: str
    name_en: str
    kind: str
    restriction: str
    opening: Decimal
    inflows: Decimal
    outflows: Decimal
    transfers_in: Decimal
    transfers_out: Decimal
    other: Decimal
    closing: Decimal
    commitments: Decimal
    holds: Decimal | None
    available: Decimal | None


@dataclass(frozen=True, slots=True)
class FundStatements:
    funds: tuple[FundStatement, ...]
    inflows: tuple[Flow, ...]
    outflows: tuple[Flow, ...]
    holds_known: bool


def _source_label(ctx: ReportContext, source: object, account: str) -> tuple[str, str]:
    if isinstance(source, str) and source:
        org = ctx.view.registry.orgs.get(source)
        if org is not None:
            return org.name_zh, org.name
        return source, source
    category = ctx.view.category(account)
    if category is None:
        return account, account
    return category.name_zh, category.name_en


def fund_statements(ctx: ReportContext) -> FundStatements:
    view, period = ctx.view, ctx.period
    codes = [ctx.fund] if ctx.fund else sorted(view.registry.funds)
    opening_all = view.balances(end=period.opening, fund=ctx.fund)
    closing_all = view.balances(end=period.end, fund=ctx.fund)

    def per_fund(balances: dict[str, Decimal]) -> dict[str, dict[str, Decimal]]:
        grouped: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for account, number in balances.items():
            code = fund_of(account)
            if code is not None:
                grouped[code][account] = number
        return grouped

    opening, closing = per_fund(opening_all), per_fund(closing_all)
    inflow: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    outflow: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    moves: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for txn, posting in view.postings(
        start=period.start, end=period.end, fund=ctx.fund, closes=False
    ):
        code = fund_of(posting.account)
        if code is None:
            continue
        number = posting_number(posting)
        root = posting.account.split(":", 1)[0]
        category = view.category(posting.account)
        if root == "Income":
            zh, en = _source_label(ctx, (txn.meta or {}).get("source"), posting.account)
            inflow[(code, zh, en)] -= number
            moves[code]["in"] -= number
        elif root == "Expenses":
            name = category or chart.OTHER_EXPENSE
            outflow[(code, name.name_zh, name.name_en)] += number
            moves[code]["out"] += number
        elif category == chart.INTERFUND:
            moves[code]["t_in" if number < 0 else "t_out"] += abs(number)
        elif root == "Equity":
            moves[code]["other"] -= number
    holds = holds_by_fund(ctx)
    statements = []
    for code in codes:
        fund = view.registry.funds.get(code)
        before, after = opening.get(code, {}), closing.get(code, {})
        payable = -sum((n for a, n in after.items() if a.startswith("Liabilities:Payable:")), ZERO)
        close_value = fund_balance(after)
        hold = None if holds is None else holds.get(code, ZERO)
        m = moves[code]
        statements.append(
            FundStatement(
                code,
                fund.name_zh if fund else code,
                fund.name if fund else code,
                fund.kind.value if fund else "",
                fund.restriction.value if fund else "",
                fund_balance(before),
                m["in"],
                m["out"],
                m["t_in"],
                m["t_out"],
                m["other"],
                close_value,
                payable,
                hold,
                None if hold is None else workflow.available(close_value, hold),
            )
        )
    return FundStatements(
        tuple(statements),
        tuple(Flow(c, zh, en, n) for (c, zh, en), n in sorted(inflow.items()) if n),
        tuple(Flow(c, zh, en, n) for (c, zh, en), n in sorted(outflow.items()) if n),
        holds is not None,
    )


def funds_section(ctx: ReportContext) -> Section:
    fs = fund_statements(ctx)
    t = ctx.t
    zh = ctx.lang == "zh"
    columns = (
        Column("fund", t("fund")),
        Column("name", t("name")),
        Column("opening", t("opening"), "money"),
        Column("inflows", t("inflows"), "money"),
        Column("outflows", t("outflows"), "money"),
        Column("transfers_in", t("transfers_in"), "money"),
        Column("transfers_out", t("transfers_out"), "money"),
        Column("other", t("other"), "money"),
        Column("closing", t("closing"), "money"),
        Column("commitments", t("commitments"), "money"),
        Column("holds", t("holds"), "money"),
        Column("available", t("available"), "money"),
    )
    rows = [
        Row(
            (
                s.code,
                s.name_zh if zh else s.name_en,
                s.opening,
                s.inflows,
                s.outflows,
                s.transfers_in,
                s.transfers_out,
                s.other,
                s.closing,
                s.commitments,
                s.holds,
                s.available,
            )
        )
        for s in fs.funds
    ]
    if len(fs.funds) > 1:

        def total(attr: str) -> Decimal:
            return sum((getattr(s, attr) for s in fs.funds), ZERO)

        holds_total = total("holds") if fs.holds_known else None
        rows.append(
            Row(
                (
                    "",
                    t("total"),
                    total("opening"),
                    total("inflows"),
                    total("outflows"),
                    total("transfers_in"),
                    total("transfers_out"),
                    total("other"),
                    total("closing"),
                    total("commitments"),
                    holds_total,
                    total("available") if fs.holds_known else None,
                ),
                "total",
            )
        )
    main = Table(
        "funds",
        t("funds"),
        columns,
        tuple(rows),
        note="" if fs.holds_known else t("holds_unavailable"),
    )
    flow_columns = (
        Column("fund", t("fund")),
        Column("source", t("source")),
        Column("amount", t("amount"), "money"),
    )
    inflows = Table(
        "fund_inflows",
        t("fund_inflows"),
        flow_columns,
        tuple(Row((f.fund, f.label_zh if zh else f.label_en, f.amount)) for f in fs.inflows),
    )
    outflows = Table(
        "fund_outflows",
        t("fund_outflows"),
        (
            Column("fund", t("fund")),
            Column("account", t("account")),
            Column("amount", t("amount"), "money"),
        ),
        tuple(Row((f.fund, f.label_zh if zh else f.label_en, f.amount)) for f in fs.outflows),
    )
    return Section(
        "funds", t("funds"), (main, inflows, outflows), charts=(fund_balance_chart(ctx),), data=fs
    )
